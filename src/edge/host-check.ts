/**
 * `portico start` answers only to the names a developer's browser uses for it (decision 0093): `localhost`
 * and `*.localhost`, IP addresses (`--host 0.0.0.0` reached by a LAN address), the `--host` value, and the
 * names given with `--allowed-host` (a tunnel, a name on the network). Any other `Host` gets a 403 that
 * says which host was refused and how to allow it. This stops DNS rebinding: a web page whose name has
 * been pointed at 127.0.0.1 would otherwise read the app and call its `/api` functions, which run with
 * the developer's environment and local.settings.json. Vite and webpack-dev-server refuse unknown hosts
 * the same way; `portico serve` picks sites by Host already, so it is not concerned.
 *
 * Only a browser's requests are checked: DNS rebinding works through a browser, and a browser's requests
 * carry fields a page's script cannot remove (see {@link isFromBrowser}). A script, a test suite or curl
 * sending its own Host without them (to see a redirect's Location, say) is served as before.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../shared/logger.js';
import { writeSocketAnswer } from './devserver/index.js';

/** The `--allowed-host` value that turns the check off, as webpack-dev-server's `--allowed-hosts all`. */
export const ALLOW_ALL_HOSTS = 'all';

/** How many refused names are logged (each once), so a scan cannot fill the terminal. */
const LOGGED_NAMES = 20;

/** Options of {@link createHostCheck}. */
export interface HostCheckOptions {
  /** `--host`: the name or address Portico listens on. */
  readonly listenHost: string;
  /**
   * More names (lower-case, no port): `name` itself, `.name` for it and its subdomains (as Vite's
   * `allowedHosts`), or {@link ALLOW_ALL_HOSTS}.
   */
  readonly allowedHosts: readonly string[];
  /** Told once per refused name, so the developer sees why a tunnel or a LAN name fails. */
  readonly logger: Logger;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;
type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Wraps the HTTP and upgrade listeners of `portico start` with the check. */
export interface HostCheck {
  http(listener: Listener): Listener;
  upgrade(listener: UpgradeListener): UpgradeListener;
}

/** Creates the check; with {@link ALLOW_ALL_HOSTS} allowed, it wraps nothing. */
export function createHostCheck(options: HostCheckOptions): HostCheck {
  if (options.allowedHosts.includes(ALLOW_ALL_HOSTS)) {
    return { http: (listener) => listener, upgrade: (listener) => listener };
  }
  const logged = new Set<string>();
  const refuse = (req: IncomingMessage): string | undefined => {
    if (!isFromBrowser(req)) {
      return undefined;
    }
    const name = hostNameOf(req.headers.host);
    if (name === undefined || isAllowedHost(name, options)) {
      return undefined;
    }
    if (!logged.has(name) && logged.size < LOGGED_NAMES) {
      logged.add(name);
      options.logger.warn(
        `refused a request for Host ${name}, which is not localhost, an IP address or --host; if you open the app by that name, allow it with --allowed-host ${name}.`,
      );
    }
    return describeRefusedHost(name);
  };
  return {
    http: (listener) => (req, res) => {
      const text = refuse(req);
      if (text === undefined) {
        return listener(req, res);
      }
      const body = `${text}\n`;
      res.writeHead(403, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
        connection: 'close',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    upgrade: (listener) => (req, socket, head) => {
      const text = refuse(req);
      if (text === undefined) {
        return listener(req, socket, head);
      }
      writeSocketAnswer(socket, 403, text);
    },
  };
}

/**
 * Fields browsers send and a page's script cannot remove (it may change the value of some: presence is
 * what counts, an empty value too). `Sec-Fetch-*` alone is not enough: browsers send it only to
 * potentially trustworthy origins (https, localhost, 127.0.0.1), never to `http://rebound.example`.
 * `Accept-Language` is on every request of every browser; `Origin` on WebSockets and cross-origin or
 * unsafe requests; `Upgrade-Insecure-Requests` on navigations; `Referer` unless the page turns it off.
 */
const BROWSER_FIELDS = [
  'sec-fetch-site',
  'sec-fetch-mode',
  'sec-fetch-dest',
  'sec-fetch-user',
  'accept-language',
  'upgrade-insecure-requests',
  'origin',
  'referer',
] as const;

/**
 * True for a request a browser sent: it carries one of {@link BROWSER_FIELDS}, or a `User-Agent` of the
 * browsers' form (`Mozilla/…`), which Chromium does not let a script change (Firefox does, which is why
 * `Accept-Language` counts too). curl, python and `node:http` send none of these unless told to; Node's
 * own `fetch` sends two of them, but in a form no browser does (see {@link isNodeFetch}).
 */
function isFromBrowser(req: IncomingMessage): boolean {
  const headers = req.headers;
  if (isNodeFetch(headers)) {
    return false;
  }
  if (BROWSER_FIELDS.some((field) => headers[field] !== undefined)) {
    return true;
  }
  return headers['user-agent']?.trimStart().startsWith('Mozilla/') === true;
}

/**
 * Node's `fetch` (undici) sends `Sec-Fetch-Mode: cors` and `Accept-Language: *` on every request, the
 * most common client of a Node test suite. A browser that sends `Sec-Fetch-Mode` always sends
 * `Sec-Fetch-Site` and `Sec-Fetch-Dest` with it, and a page's script can add none of the three (`Sec-`
 * names are the browser's own), so a rebound page cannot pass for this. Told apart only while nothing
 * else of a browser's is there.
 */
function isNodeFetch(headers: IncomingMessage['headers']): boolean {
  return (
    headers['sec-fetch-mode'] !== undefined &&
    headers['sec-fetch-site'] === undefined &&
    headers['sec-fetch-dest'] === undefined &&
    headers['sec-fetch-user'] === undefined &&
    (headers['accept-language'] === undefined || headers['accept-language'] === '*') &&
    headers.origin === undefined &&
    headers.referer === undefined &&
    headers['upgrade-insecure-requests'] === undefined &&
    headers['user-agent']?.trimStart().startsWith('Mozilla/') !== true
  );
}

/**
 * True when a `Host` header names one `portico start` answers to by name, {@link ALLOW_ALL_HOSTS} aside:
 * the requests whose `Origin` the dev-server rewrite may take for Portico's own (decision 0093). A
 * request without Host names none.
 */
export function isOwnHost(
  host: string | undefined,
  options: Pick<HostCheckOptions, 'listenHost' | 'allowedHosts'>,
): boolean {
  const name = hostNameOf(host);
  return name !== undefined && isAllowedHost(name, options);
}

/** True when `name` (lower-case, without port) is one `portico start` answers to by name (`all` aside). */
export function isAllowedHost(
  name: string,
  options: Pick<HostCheckOptions, 'listenHost' | 'allowedHosts'>,
): boolean {
  if (name === 'localhost' || name.endsWith('.localhost') || isIP(name) !== 0) {
    return true;
  }
  if (name === options.listenHost.toLowerCase()) {
    return true;
  }
  return options.allowedHosts.some((allowed) => {
    if (allowed === ALLOW_ALL_HOSTS) {
      return false;
    }
    return allowed.startsWith('.') ? name === allowed.slice(1) || name.endsWith(allowed) : name === allowed;
  });
}

/** The 403's text: which host, why, and how to allow it. */
export function describeRefusedHost(name: string): string {
  return [
    `portico start refused this request: its Host, ${name}, is not localhost, an IP address or the --host value.`,
    'This guards the app and its /api functions against DNS rebinding (a web page reaching them under a name it controls).',
    `If you open the app by this name (a tunnel, a name on your network), allow it: portico start … --allowed-host ${name} (or PORTICO_ALLOWED_HOSTS=${name}).`,
  ].join('\n');
}

/**
 * The host name of a `Host` header: lower-case, without port or trailing dot, an IPv6 address without
 * brackets. Undefined without a Host (HTTP/1.0 clients, which no browser is).
 */
function hostNameOf(host: string | undefined): string | undefined {
  if (host === undefined || host === '') {
    return undefined;
  }
  const lower = host.trim().toLowerCase();
  if (lower.startsWith('[')) {
    const end = lower.indexOf(']');
    return end === -1 ? lower : lower.slice(1, end);
  }
  const colon = lower.indexOf(':');
  const name = colon === -1 ? lower : lower.slice(0, colon);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}
