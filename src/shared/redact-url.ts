/**
 * A URL as messages may show it: the password of its userinfo (`http://ci:s3cret@host`) masked, so a
 * URL given with credentials (`PORTICO_URL`, `--url`) never ends up in an error or a CI log. Masking
 * errs on the side of too much: a URL typed wrong (`http//ci:s3cret@host`, a quote or a space in the
 * password) is masked as well as a right one.
 */

/**
 * Where the authority of a URL-ish text starts: after a scheme with its `:` and any slashes
 * (`http://`, `http:/`, `htp:`), a scheme with slashes but no `:` (`http//`), or slashes alone (`//`).
 */
const AUTHORITY_START = /^\s*(?:[a-z][a-z\d+.-]*(?::\/*|\/+)|\/+)?/i;

/**
 * `url` (one whole argument, typed right or not) with the password of its userinfo replaced by `***`:
 * everything between the first `:` after the authority start and the last `@` is masked, whatever it
 * holds (quotes, spaces, `/`, `@`). A user name alone is masked too (it may be a token); the rest of
 * the text is kept as written, unparsed.
 *
 * @example
 * redactUrlPassword('http://ci:s3cret@127.0.0.1:4281'); // 'http://ci:***@127.0.0.1:4281'
 * redactUrlPassword("http//ci:s3c'ret@127.0.0.1:4281"); // 'http//ci:***@127.0.0.1:4281'
 */
export function redactUrlPassword(url: string): string {
  const prefix = AUTHORITY_START.exec(url)?.[0] ?? '';
  const rest = url.slice(prefix.length);
  const at = rest.lastIndexOf('@');
  if (at < 0) {
    return url;
  }
  const userinfo = rest.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon >= 0) {
    return `${prefix}${userinfo.slice(0, colon)}:***${rest.slice(at)}`;
  }
  // `http://host/a@b`: the `@` is in the path and nothing before it is a credential.
  if (prefix.endsWith('/') && /[/?#]/.test(userinfo)) {
    return url;
  }
  return `${prefix}***${rest.slice(at)}`;
}

/**
 * A `user:password@` in running text: the user name follows the start, a space, a quote, `(`, `=`, a
 * `/` (`//user:`, `http//user:`) or a scheme (`http:/user:`); a `:` right before a `/` is a scheme's,
 * not a user's; `[user:password@]` is a placeholder, not a credential. The password runs to the last `@`
 * before the next space.
 */
const CREDENTIALS_IN_TEXT = /(^|[\s'"(=/]|[a-z][a-z\d+.-]*:\/{0,2})([^\s'"/?#@:[]*):(?!\/)(\S+)@/gi;

/**
 * `text` (a message, not one URL) with the password of every `user:password@` it holds masked, in a URL
 * or not (`user:s3cret@host` typed without its scheme, `http:/user:s3cret@host` with a slash missing).
 * A password holding a space cannot be told from the text around it: mask the arguments a message
 * quotes with {@link redactUrlsIn} first.
 *
 * @example
 * redactCredentials("argument 'ci:s3cret@host:1' is invalid"); // "argument 'ci:***@host:1' is invalid"
 */
export function redactCredentials(text: string): string {
  return text.replace(CREDENTIALS_IN_TEXT, (_, before: string, user: string) => `${before}${user}:***@`);
}

/**
 * `text` with every occurrence of each of `values` that holds credentials (a `:` before its last `@`,
 * such as a `--url` argument or `PORTICO_URL`) replaced by its {@link redactUrlPassword} form: a message
 * quoting a whole argument then shows it masked, however it was typed.
 *
 * @example
 * redactUrlsIn("argument 'htp://ci:s3c ret@host' is invalid", ['htp://ci:s3c ret@host']);
 * // "argument 'htp://ci:***@host' is invalid"
 */
export function redactUrlsIn(text: string, values: readonly (string | undefined)[]): string {
  let redacted = text;
  for (const value of values) {
    if (value !== undefined && hasCredentials(value)) {
      redacted = redacted.split(value).join(redactUrlPassword(value));
    }
  }
  return redacted;
}

function hasCredentials(value: string): boolean {
  const at = value.lastIndexOf('@');
  return at > 0 && value.slice(0, at).includes(':');
}
