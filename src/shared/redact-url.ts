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
  return url.replace(/^([a-z][a-z\d+.-]*:\/\/)([^/?#]*)@/i, (_, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? `${scheme}***@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}
