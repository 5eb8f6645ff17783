/**
 * Readiness: every dependency a node needs to serve (the database, Redis, its listeners), checked in
 * parallel, each within a bounded time so that a hung dependency reads as down instead of hanging the
 * probe.
 */

/** One dependency check: resolves when it is usable, rejects (with the reason) when not. */
export type ReadinessCheck = () => Promise<void> | void;

/** The result of a readiness probe. */
export interface Readiness {
  readonly ready: boolean;
  /** Each check by name: `ok` or why it is down. */
  readonly checks: Readonly<Record<string, string>>;
}

/** How long one check may take before it counts as down. */
const CHECK_LIMIT_MS = 2_000;

/** Runs every check; the node is ready when all pass. */
export async function probeReadiness(checks: Readonly<Record<string, ReadinessCheck>>): Promise<Readiness> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => runCheck(checks[name])));
  const entries = names.map((name, i) => [name, results[i] ?? 'ok'] as const);
  return {
    ready: results.every((result) => result === 'ok'),
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
