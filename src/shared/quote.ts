/**
 * Quoting user input inside error messages. An error says what was wrong, but never echoes a submitted
 * document or any long value back: whatever it quotes is cut to a few dozen characters.
 */

/** The most characters of a value an error message quotes. */
export const MAX_QUOTED_CHARS = 60;

/**
 * A value as an error message may quote it: JSON for non-strings, and at most {@link MAX_QUOTED_CHARS}
 * characters followed by `…` and the full length when it is longer. A non-string is written only as far
 * as the message needs, so a huge or deeply nested one (a 16 MB body, `[[[…]]]` a million deep) costs
 * no more than a short one and never overflows the stack.
 * @example quoteValue('x'.repeat(5000)) // '"xxxx…" (5000 characters)'
 * @example quoteValue([[[[1]]]], 3) // '[[[… (more than 3 characters)'
 */
export function quoteValue(value: unknown, max = MAX_QUOTED_CHARS): string {
  if (typeof value === 'string') {
    return value.length <= max
      ? JSON.stringify(value)
      : `${JSON.stringify(`${value.slice(0, max)}…`)} (${value.length} characters)`;
  }
  const text = jsonPrefix(value, max + 1);
  return text.length <= max ? text : `${text.slice(0, max)}… (more than ${max} characters)`;
}

/**
 * The start of `value` as JSON, at least `limit` characters of it when it has that many. Each level of
 * nesting writes a character before going deeper, so the depth stays under `limit`.
 */
function jsonPrefix(value: unknown, limit: number): string {
  let out = '';
  const write = (part: string) => {
    out += part;
    return out.length < limit;
  };
  const walk = (item: unknown, inArray: boolean): boolean => {
    const plain = hasToJson(item) ? item.toJSON() : item;
    if (typeof plain !== 'object' || plain === null) {
      return write(scalarJson(plain, inArray));
    }
    if (Array.isArray(plain)) {
      return walkEntries('[', ']', plain, (entry) => walk(entry, true));
    }
    const keys = Object.keys(plain).filter((key) => !isOmitted((plain as Record<string, unknown>)[key]));
    return walkEntries(
      '{',
      '}',
      keys,
      (key) => write(`${JSON.stringify(key)}:`) && walk((plain as Record<string, unknown>)[key], false),
    );
  };
  const walkEntries = <T>(
    open: string,
    close: string,
    entries: readonly T[],
    each: (entry: T) => boolean,
  ) => {
    if (!write(open)) {
      return false;
    }
    for (const [index, entry] of entries.entries()) {
      if ((index > 0 && !write(',')) || !each(entry)) {
        return false;
      }
    }
    return write(close);
  };
  walk(value, false);
  return out;
}

/** What JSON leaves out of an object (and writes as `null` in an array). */
function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function hasToJson(value: unknown): value is { toJSON: () => unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  );
}

/** A value that is not an object as JSON; outside JSON's values (a top-level undefined, a bigint) as text. */
function scalarJson(value: unknown, inArray: boolean): string {
  if (isOmitted(value)) {
    return inArray ? 'null' : String(value);
  }
  return typeof value === 'bigint' ? String(value) : JSON.stringify(value);
}

/** A string cut to `max` characters with `…` when longer (for names and paths inside messages). */
export function clip(text: string, max = MAX_QUOTED_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
