/**
 * A redirect of the dev server to its own address (`Location: http://localhost:5173/next`) is moved to
 * Portico's, as the SWA CLI's proxy rewrites it: otherwise the browser would leave Portico for the dev
 * server and lose the routes, roles, `/.auth` and `/api` (and drop from https to http).
 */

const LOOPBACK_NAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `location` with the dev server's origin replaced by `origin`; any other value as it is. */
export function rewriteDevServerLocation(location: string, devServerUrl: string, origin: string): string {
  let target: URL;
  let devServer: URL;
  try {
    target = new URL(location);
    devServer = new URL(devServerUrl);
  } catch {
    return location;
  }
  const sameHost =
    target.hostname === devServer.hostname ||
    (LOOPBACK_NAMES.has(target.hostname) && LOOPBACK_NAMES.has(devServer.hostname));
  if (target.protocol !== devServer.protocol || !sameHost || portOf(target) !== portOf(devServer)) {
    return location;
  }
  return `${origin}${target.pathname}${target.search}${target.hash}`;
}

function portOf(url: URL): string {
  return url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
}
