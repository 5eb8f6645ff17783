/**
 * Quoting user input inside error messages. An error says what was wrong, but never echoes a submitted
 * document or any long value back: whatever it quotes is cut to a few dozen characters.
 */

/** The most characters of a value an error message quotes. */
export const MAX_QUOTED_CHARS = 60;

/**
 * A value as an error message may quote it: JSON for non-strings, and at most {@link MAX_QUOTED_CHARS}
 * characters followed by `…` and the full length when it is longer.
 * @example quoteValue('x'.repeat(5000)) // '"xxxx…" (5000 characters)'
 */
export function quoteValue(value: unknown, max = MAX_QUOTED_CHARS): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const quoted = typeof value === 'string' ? (text: string) => JSON.stringify(text) : (text: string) => text;
  return text.length <= max
    ? quoted(text)
    : `${quoted(`${text.slice(0, max)}…`)} (${text.length} characters)`;
}

/** A string cut to `max` characters with `…` when longer (for names and paths inside messages). */
export function clip(text: string, max = MAX_QUOTED_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
