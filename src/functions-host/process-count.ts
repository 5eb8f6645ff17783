/**
 * `FUNCTIONS_WORKER_PROCESS_COUNT`: how many worker processes serve one API app, as on Azure (1 to 10,
 * default 1). The value comes from the worker's environment, so app settings (`portico serve`),
 * `local.settings.json` and the shell (`portico start`) all set it the way they set any other variable.
 * An invalid value is an error, never a silent fallback (decision 0029).
 */

/** The app setting's name, as Azure spells it. */
export const WORKER_PROCESS_COUNT_SETTING = 'FUNCTIONS_WORKER_PROCESS_COUNT';

/** Azure's limits and default. */
export const MIN_WORKER_PROCESSES = 1;
export const MAX_WORKER_PROCESSES = 10;
export const DEFAULT_WORKER_PROCESSES = 1;

/**
 * What is wrong with `value` as a process count, or `undefined` when it is valid (or unset).
 * @example
 * problemOfProcessCount('12'); // 'must be a whole number from 1 to 10 (Azure's limit); got "12"'
 */
export function problemOfProcessCount(value: string | undefined): string | undefined {
  if (value === undefined || parseProcessCount(value) !== undefined) {
    return undefined;
  }
  const shown = value.length > 20 ? `${value.slice(0, 20)}…` : value;
  return `must be a whole number from ${MIN_WORKER_PROCESSES} to ${MAX_WORKER_PROCESSES} (Azure's limit); got "${shown}"`;
}

/** The process count `value` holds; {@link DEFAULT_WORKER_PROCESSES} when unset, `undefined` when invalid. */
export function parseProcessCount(value: string | undefined): number | undefined {
  if (value === undefined) {
    return DEFAULT_WORKER_PROCESSES;
  }
  const trimmed = value.trim();
  if (!/^\d{1,2}$/.test(trimmed)) {
    return undefined;
  }
  const count = Number(trimmed);
  return count >= MIN_WORKER_PROCESSES && count <= MAX_WORKER_PROCESSES ? count : undefined;
}
