/**
 * The dev loop's next worker (decision 0056). At the first change of a burst, the supervisor boots a
 * worker with the settings of that moment, told to wait for `load` before it reads the app. Node's start
 * and the worker's own code then run while the watcher waits for the files to settle. Once they have, the
 * supervisor takes the waiting worker if its settings are still the ones a new worker would get, and tells
 * it to load the app; otherwise it stops it and starts a fresh one, as without a standby.
 */
import type { WorkerProcess } from './_worker-process.js';

/** A booted worker waiting for `load`. */
export interface Standby {
  readonly process: WorkerProcess;
  /** Its environment, as text: it may serve only a launch with the same one. */
  readonly envKey: string;
  /** When it was spawned (ms since the epoch): its start timeout runs from then. */
  readonly spawnedAt: number;
  /** True once it has exited (stopped, crashed, or killed by its start timeout). */
  gone: boolean;
}

/** Tracks `process`, spawned with `env`, as a standby. */
export function createStandby(process: WorkerProcess, env: Readonly<Record<string, string>>): Standby {
  const standby: Standby = { process, envKey: keyOf(env), spawnedAt: Date.now(), gone: false };
  void process.exited.then(() => {
    standby.gone = true;
  });
  return standby;
}

/**
 * Whether `standby` may serve a launch with `env` now: it still runs, its environment is `env`, and at
 * least half of its start timeout is left for the app to load.
 */
export function canServe(
  standby: Standby,
  env: Readonly<Record<string, string>>,
  readyTimeoutMs: number,
  now = Date.now(),
): boolean {
  return !standby.gone && now - standby.spawnedAt < readyTimeoutMs / 2 && standby.envKey === keyOf(env);
}

function keyOf(env: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
