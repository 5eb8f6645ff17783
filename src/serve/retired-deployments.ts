/**
 * The deployments an environment served until moments ago, kept open for a short grace after a deploy so
 * that a page of the previous build still loads its own assets (decision 0126).
 */
import type { DirectorySource, RetiredFile } from '../edge/index.js';

/**
 * How long a replaced deployment answers for the files its successor does not have, by default. A browser
 * that fetched a page just before the switch asks for its scripts, styles and images within seconds, and
 * for lazily loaded chunks within the minute; a file the owner removed (one that should never have been
 * public) stays reachable for this long too, so it is kept short (docs/operations.md).
 */
export const RETIRED_GRACE_MS = 60_000;

/**
 * How many replaced deployments an environment keeps at once: deploys a few seconds apart still leave
 * the page of each build its assets, while a loop of deploys cannot keep a folder and an index open for
 * every one of them.
 */
const RETIRED_KEPT = 3;

/** A deployment an environment no longer serves, whose files still answer until {@link until}. */
export interface RetiredDeployment {
  readonly deploymentId: string;
  readonly files: DirectorySource;
  /** When its grace ends (`performance.now()`); its files are closed then. */
  readonly until: number;
  /** Closes its files now (again: nothing). */
  close(): Promise<void>;
}

/** What an environment served before a rebuild, and what it serves after. */
export interface Replacement {
  /** The deployment served before, and its files; undefined when there was none. */
  readonly before?: { readonly deploymentId: string | null; readonly files?: DirectorySource };
  /** The replaced deployments `before` still kept. */
  readonly kept: readonly RetiredDeployment[];
  /** The deployment served after, or null when there is none (or it cannot be served). */
  readonly servedId: string | null;
}

/**
 * The replaced deployments an environment keeps after a rebuild: the one it served until now, when the
 * rebuild changed the deployment, then those it kept that are still in their grace, newest first, at most
 * {@link RETIRED_KEPT}. A deployment served again (a rollback) is not kept beside itself. What is not in
 * the answer is for the caller to close (`closeEnvironmentRuntime`).
 */
export function retireOnReplace(
  replacement: Replacement,
  graceMs: number,
  now = performance.now(),
): readonly RetiredDeployment[] {
  const { before, kept, servedId } = replacement;
  if (servedId === null) {
    return [];
  }
  const still = kept.filter((retired) => retired.until > now && retired.deploymentId !== servedId);
  const replaced = before?.deploymentId;
  if (
    before?.files === undefined ||
    replaced === null ||
    replaced === undefined ||
    replaced === servedId ||
    graceMs <= 0
  ) {
    return still;
  }
  return [retire(replaced, before.files, graceMs, now), ...still].slice(0, RETIRED_KEPT);
}

/** The file at exactly `path` in the newest of `retired` whose grace is not over and that has it. */
export function matchRetiredFile(
  retired: readonly RetiredDeployment[],
  path: string,
  now = performance.now(),
): RetiredFile | undefined {
  for (const { files, until } of retired) {
    const file = until > now ? files.get(path) : undefined;
    if (file !== undefined) {
      return { file, source: files };
    }
  }
  return undefined;
}

/** Keeps `files` answering for `graceMs`, then closes them. */
function retire(
  deploymentId: string,
  files: DirectorySource,
  graceMs: number,
  now: number,
): RetiredDeployment {
  let closing: Promise<void> | undefined;
  const close = () => {
    clearTimeout(timer);
    closing ??= files.close();
    return closing;
  };
  const timer = setTimeout(() => void close().catch(() => undefined), graceMs);
  timer.unref();
  return { deploymentId, files, until: now + graceMs, close };
}
