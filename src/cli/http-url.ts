/**
 * Checking an http(s) URL given on the command line or in `PORTICO_URL` before anything is sent: a URL
 * typed wrong is a usage error (exit 1) that says what is wrong with it, never "cannot reach the server"
 * (exit 75, "try again"), which no retry would mend.
 */

/** What a valid URL looks like, for messages. */
export const HTTP_URL_SHAPE = 'http(s)://[user:password@]host[:port]';

/**
 * What is wrong with `value` as an http:// or https:// URL, as a phrase that follows "it is not a valid
 * URL:", or `undefined` when it is one.
 *
 * @example
 * findHttpUrlProblem('http://127.0.0.1:99999'); // 'its port 99999 is above 65535'
 */
export function findHttpUrlProblem(value: string): string | undefined {
  if (!/^https?:\/\/[^/]+/i.test(value)) {
    return 'it does not start with http:// or https:// and a host';
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return describeBadAuthority(value.replace(/^https?:\/\//i, ''));
  }
  return hasUndecodableUserInfo(url) ? BARE_PERCENT_PROBLEM : undefined;
}

const BARE_PERCENT_PROBLEM =
  'a % in its user name or password must begin an escape of UTF-8 text, such as %2F or %C3%A9; write a % itself as %25';

/**
 * Whether the user name or password holds a `%` that begins no `%XX` escape (`ab%zz`, `ab%`): the URL
 * parses, but Node's HTTP client decodes both before it sends anything and fails with "URI malformed",
 * which read as a server that cannot be reached.
 */
function hasUndecodableUserInfo(url: URL): boolean {
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
    return false;
  } catch {
    return true;
  }
}

/** Why the part after `scheme://` does not parse; it never quotes what comes before the last `@`. */
function describeBadAuthority(afterScheme: string): string {
  const authority = /^[^/?#]*/.exec(afterScheme)?.[0] ?? '';
  if (afterScheme.lastIndexOf('@') > authority.length) {
    return 'a /, ? or # in its user name or password must be written %2F, %3F or %23';
  }
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostPort.startsWith('[') && !hostPort.includes(']')) {
    return 'its IPv6 address has no closing ] (write it as [::1]:4281)';
  }
  const port = hostPort.startsWith('[') ? hostPort.slice(hostPort.indexOf(']') + 1) : hostPort;
  const colons = port.split(':').length - 1;
  if (!hostPort.startsWith('[') && colons > 1) {
    return 'it has more than one :port after the host';
  }
  const number = port.slice(port.indexOf(':') + 1);
  if (colons === 1 && !/^\d*$/.test(number)) {
    return `its port '${number}' is not a number`;
  }
  if (colons === 1 && Number(number) > 65535) {
    return `its port ${number} is above 65535`;
  }
  return hostPort === '' ? 'it has no host' : `its host and port '${hostPort}' cannot be parsed`;
}
