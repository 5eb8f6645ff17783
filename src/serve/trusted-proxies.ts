/**
 * `portico serve --trusted-proxy`: the reverse proxies (nginx, Caddy, an ingress) whose `X-Forwarded-*`
 * fields the service believes (decision 0085). Fail-closed: without the option nobody is trusted, and a
 * request whose socket address is not listed is served exactly as if the fields were absent. For a listed
 * one, the listener's first step notes the client's address and scheme (`shared/forwarded.ts`) and sets
 * `Host` to the public host the proxy reports, which then picks the site by the same lookup as any `Host`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { checkAddressBlock, checkAddressList, createAddressMatcher } from '../shared/address-blocks.js';
import { normalizeAddress, noteForwardedFacts, noteLinkOrigin } from '../shared/forwarded.js';

/** A host as `Host` may carry it: what the edge accepts for building URLs. */
const HOST_SYNTAX = /^[A-Za-z0-9.\-:[\]]+$/;

/**
 * Checks one `--trusted-proxy` entry (an IPv4 or IPv6 address, or a CIDR block of either); returns why it
 * is not one, or undefined.
 */
export const checkTrustedProxy = checkAddressBlock;

/**
 * Blocks wider than this many leading bits (IPv4 /8, IPv6 /7: `fc00::/7` is every private IPv6 address)
 * take in much of the internet, where any client may be: a warning names them.
 */
const WIDEST_PRIVATE_PREFIX = { 4: 8, 6: 7 } as const;

/**
 * A start-up warning when an entry trusts a block wider than any private range (0.0.0.0/0, ::/0, 2000::/3):
 * every client in it can then set its own address, scheme and host. Undefined when all entries are narrow.
 */
export function wideTrustWarning(entries: readonly string[]): string | undefined {
  const wide = entries.filter((entry) => {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    return (
      prefix !== undefined && (family === 4 || family === 6) && Number(prefix) < WIDEST_PRIVATE_PREFIX[family]
    );
  });
  if (wide.length === 0) {
    return undefined;
  }
  return (
    `--trusted-proxy ${wide.join(', ')} trusts clients anywhere: any of them can set its own X-Forwarded-For, ` +
    '-Proto and -Host, so access logs, /api backends and sign-in redirects believe what it says. ' +
    "List only your reverse proxies' addresses or their private network (such as 10.0.0.0/8)."
  );
}

/**
 * A start-up warning when the public origin (`--public-port`, `--public-https`) names a protocol's
 * default port with the other protocol: `--public-port 443` without `--public-https` builds sign-in
 * callbacks and links as `http://…:443/`, which no browser reaches over HTTPS. Undefined otherwise.
 */
export function publicPortWarning(
  origin: { readonly protocol: 'http' | 'https'; readonly port: number } | undefined,
): string | undefined {
  if (origin?.protocol === 'http' && origin.port === 443) {
    return (
      '--public-port 443 without --public-https: links, invitations and sign-in callbacks are built as http://…:443/, ' +
      "but 443 is HTTPS's default port. Add --public-https if the proxy in front serves HTTPS there."
    );
  }
  if (origin?.protocol === 'https' && origin.port === 80) {
    return (
      '--public-https with --public-port 80: links, invitations and sign-in callbacks are built as https://…:80/, ' +
      "but 80 is plain HTTP's default port. Give the port the proxy serves HTTPS on (443 by default)."
    );
  }
  return undefined;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Wraps a listener so that requests from the trusted proxies carry what those proxies reported; every
 * other request passes untouched. Throws on an entry {@link checkTrustedProxy} refuses.
 */
export function trustForwardedFields(entries: readonly string[], listener: Listener): Listener {
  const isTrusted = createAddressMatcher(checkAddressList(entries, '--trusted-proxy'));
  return (req, res) => {
    if (isTrusted(normalizeAddress(req.socket.remoteAddress ?? ''))) {
      applyForwardedFields(req, isTrusted);
    }
    listener(req, res);
  };
}

/**
 * The admin listener's counterpart of {@link trustForwardedFields}: for a request from a trusted proxy it
 * notes only the scheme and public host the proxy reports, which absolute links built from the request
 * (`nextLink`) use, read by the same rules as on the data plane. Nothing else is believed there: not
 * `X-Forwarded-For` (the access log and any address check keep the socket's), and `Host` stays as sent.
 */
export function trustForwardedOrigin(entries: readonly string[], listener: Listener): Listener {
  const isTrusted = createAddressMatcher(checkAddressList(entries, '--trusted-proxy'));
  return (req, res) => {
    if (isTrusted(normalizeAddress(req.socket.remoteAddress ?? ''))) {
      const https = isForwardedHttps(req);
      noteLinkOrigin(req, { https, host: publicHostOf(req, https) });
    }
    listener(req, res);
  };
}

/** Reads the fields of a request from a trusted proxy (exported for its unit test). */
export function applyForwardedFields(req: IncomingMessage, isTrusted: (address: string) => boolean): void {
  const { client, prior } = clientOf(req, isTrusted);
  const https = isForwardedHttps(req);
  noteForwardedFacts(req, { client, prior, https });
  const host = publicHostOf(req, https);
  if (host !== undefined) {
    req.headers.host = host;
  }
}

/** The leftmost `X-Forwarded-Proto` says `https`, or says nothing and the proxy's own connection is TLS. */
function isForwardedHttps(req: IncomingMessage): boolean {
  const proto = firstValue(req.headers['x-forwarded-proto'])?.toLowerCase();
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  return proto === 'https' || (proto !== 'http' && encrypted);
}

/**
 * The client: walking `X-Forwarded-For` from the right, the first address that is not a trusted proxy
 * (all trusted: the leftmost). An entry that is not an address stops the walk, and the hop that reported
 * it counts as the client: nothing left of it can be believed.
 */
function clientOf(
  req: IncomingMessage,
  isTrusted: (address: string) => boolean,
): { client: string; prior: string } {
  const entries = listValues(req.headers['x-forwarded-for']);
  let client = normalizeAddress(req.socket.remoteAddress ?? '');
  let index = entries.length;
  for (let at = entries.length - 1; at >= 0; at -= 1) {
    const address = addressOf(entries[at] ?? '');
    if (address === undefined) {
      break;
    }
    client = address;
    index = at;
    if (!isTrusted(address)) {
      break;
    }
  }
  return { client, prior: entries.slice(0, index).join(', ') };
}

/** An `X-Forwarded-For` entry as an address (`[v6]` unbracketed, IPv4 without `::ffff:`), or undefined. */
function addressOf(entry: string): string | undefined {
  const bare = entry.startsWith('[') && entry.endsWith(']') ? entry.slice(1, -1) : entry;
  return isIP(bare) === 0 ? undefined : normalizeAddress(bare);
}

/**
 * The public `host[:port]`: `X-Forwarded-Host` when it is a valid host, else `Host`; with
 * `X-Forwarded-Port` added when the host names no port and it is not the scheme's default. Undefined when
 * nothing changes.
 */
function publicHostOf(req: IncomingMessage, https: boolean): string | undefined {
  const forwarded = firstValue(req.headers['x-forwarded-host']);
  const host = forwarded !== undefined && HOST_SYNTAX.test(forwarded) ? forwarded : req.headers.host;
  const port = firstValue(req.headers['x-forwarded-port']);
  if (host === undefined || port === undefined || !isPort(port) || hasPort(host)) {
    return host === req.headers.host ? undefined : host;
  }
  return Number(port) === (https ? 443 : 80) ? host : `${host}:${Number(port)}`;
}

function hasPort(host: string): boolean {
  const close = host.lastIndexOf(']');
  return host.indexOf(':', close + 1) !== -1;
}

function isPort(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}

/** The comma-separated values of a field (repeated fields are already joined by Node), trimmed. */
function listValues(value: string | string[] | undefined): string[] {
  if (value === undefined) {
    return [];
  }
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** The first (leftmost: the outermost proxy's) value of a field. */
function firstValue(value: string | string[] | undefined): string | undefined {
  return listValues(value)[0];
}
