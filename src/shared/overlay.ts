/**
 * A copy of `base` with `fields` on top: what `{ ...base, ...fields }` gives, for paths that run per
 * request. V8 in Node 20 builds an object literal that starts with a spread and then adds fields
 * (`{ ...base, field }`) through a slow runtime path, about 1.3 µs a call against 0.1 µs here, once the
 * spread object has any field of its own; `Object.assign` onto a fresh object stays on the fast path
 * (decision 0046).
 */
export function overlay<T extends object, U extends object>(base: T, fields: U): Omit<T, keyof U> & U {
  return Object.assign({}, base, fields);
}
