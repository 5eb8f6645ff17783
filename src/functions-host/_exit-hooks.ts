/**
 * Synchronous work for the moment the process exits (killing workers, removing socket folders), held in
 * one set behind a single `process` listener: `portico serve` runs a functions host per environment with
 * an API, and one listener each made Node warn of a possible leak past ten.
 */
const hooks = new Set<() => void>();

function runHooks(): void {
  for (const hook of hooks) {
    hook();
  }
}

/** Runs `hook` when the process exits, until {@link removeExitHook}. */
export function addExitHook(hook: () => void): void {
  if (hooks.size === 0) {
    process.on('exit', runHooks);
  }
  hooks.add(hook);
}

/** Forgets a hook given to {@link addExitHook}. */
export function removeExitHook(hook: () => void): void {
  if (hooks.delete(hook) && hooks.size === 0) {
    process.off('exit', runHooks);
  }
}
