/** The app's URL on loopback (the supervisor's port, which never changes while the host runs). */

/** `http://host:port`, with brackets around an IPv6 address. */
export function formatUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
