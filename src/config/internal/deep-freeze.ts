/** Freezes `value` and every object or array reachable from it, then returns it. Meant for acyclic JSON-like data. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  for (const child of Object.values(value)) {
    deepFreeze(child);
  }
  return Object.freeze(value);
}
