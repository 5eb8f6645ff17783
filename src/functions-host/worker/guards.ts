/** Narrowing helpers for values that come from user code or JSON files (`isRecord` is in shared). */

/** True for functions, typed as the callback shape the libraries call. */
export function isCallable(value: unknown): value is (...args: unknown[]) => unknown {
  return typeof value === 'function';
}

/** The value if it is a string, else `undefined`. */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The value's string elements if it is an array, else `undefined`. */
export function asStringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined;
}
