/** Two-level maps (host → audience → …, site → environment → …): the inner map under a key. */

/** The map under `key` in `outer`, made empty and stored when there is none yet. */
export function innerMap<K, IK, V>(outer: Map<K, Map<IK, V>>, key: K): Map<IK, V> {
  let inner = outer.get(key);
  if (inner === undefined) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
}
