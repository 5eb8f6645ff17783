/**
 * Keys of a request body read without case, as Azure's resource providers read JSON (ARM matches
 * property names case-insensitively): `{"Properties": {"PublicNetworkAccess": …}}` is read as
 * `properties.publicNetworkAccess`, so no spelling slips past a check that the camelCase one meets.
 */
import { PorticoError } from '../../shared/errors.js';
import { clip } from '../../shared/quote.js';

/**
 * `record` with each key that matches one of `known` without case renamed to that name; other keys keep
 * their spelling. Two keys for one known name (`sku` and `SKU`) are a 400 naming both; `where` prefixes
 * the names in that message (`properties.`).
 * @example withKnownKeys({ SKU: { name: 'Free' } }, ['sku']) // { sku: { name: 'Free' } }
 */
export function withKnownKeys(
  record: Readonly<Record<string, unknown>>,
  known: readonly string[],
  where = '',
): Record<string, unknown> {
  const names = new Map(known.map((name) => [name.toLowerCase(), name]));
  const spelled = new Map<string, string>();
  const entries = Object.entries(record).map(([key, value]): [string, unknown] => {
    const name = names.get(key.toLowerCase()) ?? key;
    const earlier = spelled.get(name);
    if (earlier !== undefined) {
      throw new PorticoError(
        'CONTROL_BAD_REQUEST',
        `The body has both ${where}${clip(earlier)} and ${where}${clip(key)}, which name the same property ${where}${name}; send it once.`,
      );
    }
    spelled.set(name, key);
    return [name, value];
  });
  // fromEntries defines own keys, so a `__proto__` key stays data instead of setting the prototype.
  return Object.fromEntries(entries);
}
