/**
 * Readiness: every dependency a node needs to serve (the database, its listeners) and those it serves
 * without, less well (Redis: changes by polling, rate limits uncounted), checked in parallel, each within
 * a bounded time so that a hung dependency reads as down instead of hanging the probe.
 */

/** One dependency check: resolves when it is usable, rejects (with the reason) when not. */
export type ReadinessCheck = () => Promise<void> | void;

/** A dependency the node serves without, less well: down, it makes the node degraded, not unready. */
export interface DegradingCheck {
  readonly degrades: true;
  readonly check: ReadinessCheck;
}

/** The result of a readiness probe. */
export interface Readiness {
  /** Every required check passed. */
  readonly ready: boolean;
  /** The degrading checks that failed. */
  readonly degraded: readonly string[];
  /** Each check by name: `ok` or why it is down. */
  readonly checks: Readonly<Record<string, string>>;
}

/** How long one check may take before it counts as down. */
const CHECK_LIMIT_MS = 2_000;

/** Runs every check; the node is ready when the required ones pass. */
export async function probeReadiness(
  checks: Readonly<Record<string, ReadinessCheck | DegradingCheck>>,
): Promise<Readiness> {
  const names = Object.keys(checks);
  const results = await Promise.all(
    names.map((name) => {
      const check = checks[name];
      return runCheck(typeof check === 'function' ? check : check?.check);
    }),
  );
  const entries = names.map((name, i) => [name, results[i] ?? 'ok'] as const);
  const degrades = (name: string) => typeof checks[name] === 'object';
  return {
    ready: entries.every(([name, result]) => result === 'ok' || degrades(name)),
    degraded: entries.filter(([name, result]) => result !== 'ok' && degrades(name)).map(([name]) => name),
    checks: Object.fromEntries(entries),
  };
}

async function runCheck(check: ReadinessCheck | undefined): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${CHECK_LIMIT_MS} ms`), CHECK_LIMIT_MS);
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(() => check?.())
        .then(() => 'ok'),
      limit,
    ]);
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    clearTimeout(timer);
  }
}
