/**
 * A function's answers remembered for the keys it was last asked about, for hot paths whose keys rarely
 * change (a backend's base URL, a user id's keyed hash, a session key generation). The bound is cheap:
 * when `max` keys are kept, the next new key starts the memory over.
 */
export function memoize<K, V>(max: number, compute: (key: K) => V): (key: K) => V {
  const kept = new Map<K, V>();
  return (key) => {
    let value = kept.get(key);
    if (value === undefined) {
      value = compute(key);
      if (kept.size >= max) {
        kept.clear();
      }
      kept.set(key, value);
    }
    return value;
  };
}
