/**
 * A URL as messages may show it: the password of its userinfo (`http://ci:s3cret@host`) masked, so a
 * URL given with credentials (`PORTICO_URL`, `--url`) never ends up in an error or a CI log.
 */

/**
 * `url` with the password of its userinfo replaced by `***` (a user name alone is masked too: it may be
 * a token); the rest of the text is kept as written, unparsed.
 *
 * @example
 * redactUrlPassword('http://ci:s3cret@127.0.0.1:4281'); // 'http://ci:***@127.0.0.1:4281'
 */
export function redactUrlPassword(url: string): string {
  if (!/^[a-z][a-z\d+.-]*:\/\//i.test(url)) {
    return redactCredentials(url);
  }
  return url.replace(/^([a-z][a-z\d+.-]*:\/\/)([^/?#]*)@/i, (_, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? `${scheme}***@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}

const CREDENTIALS_IN_TEXT = /(^|[\s'"(=]|[a-z][a-z\d+.-]*:\/{0,2})([^\s'"/?#@:]*):([^\s'"/?#@]+)@/gi;

/**
 * `text` (a message, not one URL) with the password of every `user:password@` it holds masked, in a URL
 * or not (`user:s3cret@host` typed without its scheme, `http:/user:s3cret@host` with a slash missing).
 *
 * @example
 * redactCredentials("argument 'ci:s3cret@host:1' is invalid"); // "argument 'ci:***@host:1' is invalid"
 */
export function redactCredentials(text: string): string {
  return text.replace(CREDENTIALS_IN_TEXT, (_, before: string, user: string) => `${before}${user}:***@`);
}
