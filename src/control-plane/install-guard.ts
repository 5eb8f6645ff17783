/**
 * The deploy-time npm install runs on the server's network, and a tenant chooses where it connects: a
 * registry in its `.npmrc`, a tarball or git URL in package.json, a lockfile's `resolved`, and whatever
 * those answer (a registry document's tarball URL, a redirect, a name that resolves elsewhere the second
 * time). npm's error shows the first bytes of what a server answered, so a tenant could read the server's
 * own loopback services or the cloud's metadata service (169.254.169.254) through the deploy log.
 *
 * So npm goes through this proxy (decision 0074): it resolves each host itself, refuses one that resolves
 * to an address that is not public (loopback, link-local, the server's own, private networks and the rest
 * of `shared/address-ranges.ts`, in any IPv6 spelling; decision 0104: a multi-node setup's database and
 * Redis sit on a private network), and connects to the very address it checked. The operator's own
 * registries (and the hosts in `PORTICO_NPM_ALLOWED_HOSTS`) stay reachable wherever they
 * are. An operator who gives npm a proxy of their own keeps it behind the guard (decision 0101): what npm
 * would send there is sent there (`install-upstream.ts`), and what the operator's no-proxy list names is
 * connected to directly, under the same rules.
 */
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import {
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import { connect, type Socket } from 'node:net';
import { nonPublicAddress, ownAddresses } from '../shared/address-ranges.js';
import {
  forwardThrough,
  nextHopHeaders,
  relayRequest,
  spliceTunnel,
  tunnelThrough,
  type UpstreamProxy,
  upstreamFor,
} from './install-upstream.js';

/** The environment variable of hosts (`host:port`, comma-separated) the operator lets installs reach. */
export const ALLOWED_HOSTS_ENV = 'PORTICO_NPM_ALLOWED_HOSTS';

/** npm's own default registry, as {@link operatorHosts} names hosts. */
const DEFAULT_REGISTRY = 'registry.npmjs.org:443';

/** A running guard. */
export interface InstallGuard {
  /** The proxy's URL, for npm's `proxy` and `https-proxy` and git's `http_proxy`. */
  readonly url: string;
  /** What was refused, one line each (`host:port is …`), in order. */
  readonly refused: readonly string[];
  /** Hosts (`host:port`) that do not resolve, each once, in order: npm is answered as for a failed connection. */
  readonly unresolved: readonly string[];
  close(): Promise<void>;
}

/**
 * Starts a proxy on 127.0.0.1 that lets npm reach any host but those resolving to an address that is not
 * public;
 * `allowed` (`host:port` as {@link operatorHosts} writes them) are reached whatever they resolve to. With
 * `upstream` (the operator's proxy), what npm would send through it goes through it, and a host that is,
 * or resolves here to, such an address is refused there too.
 */
export async function startInstallGuard(
  allowed: ReadonlySet<string>,
  upstream?: UpstreamProxy,
): Promise<InstallGuard> {
  const refused: string[] = [];
  const unresolved: string[] = [];
  const tunnels = new Set<Socket>();
  const rules: RouteRules = { allowed, own: ownAddresses(), upstream, lookups: new Map() };
  const pick: Pick = async (host, port, scheme) => {
    const route = await chooseRoute(host, port, scheme, rules);
    if (route.kind === 'refused') {
      refused.push(route.why);
    } else if (route.kind === 'unresolved' && !unresolved.includes(route.host)) {
      unresolved.push(route.host);
    }
    return route;
  };
  const server = createServer((req, res) => void forward(req, res, pick));
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    tunnels.add(socket);
    socket.once('close', () => tunnels.delete(socket));
    void tunnel(req, socket, head, pick);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    refused,
    unresolved,
    close: () => {
      for (const socket of tunnels) {
        socket.destroy();
      }
      return closeAll(server);
    },
  };
}

/**
 * The hosts an install may reach whatever they resolve to: the registries of the operator's npm settings
 * (`npm_config_registry`, else npm's default registry.npmjs.org; `npm_config_@scope:registry`) and those
 * of {@link ALLOWED_HOSTS_ENV}.
 */
export function operatorHosts(
  settings: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv = process.env,
): Set<string> {
  // Without npm_config_registry, serve's npm uses npm's own default: the registry the operator chose by
  // setting none (a split-horizon DNS may put it on a private network). A tenant's .npmrc names others.
  const hosts = new Set<string>(
    Object.keys(settings).some((name) => /^npm_config_registry$/i.test(name)) ? [] : [DEFAULT_REGISTRY],
  );
  for (const [name, value] of Object.entries(settings)) {
    if (/^npm_config_(?:@[^:]+:)?registry$/i.test(name) && URL.canParse(value)) {
      const url = new URL(value);
      hosts.add(hostKey(url.hostname, Number(url.port || (url.protocol === 'https:' ? 443 : 80))));
    }
  }
  for (const entry of (env[ALLOWED_HOSTS_ENV] ?? '').split(',')) {
    const host = entry.trim();
    if (host !== '') {
      // As a URL reads it: `[::1]:4873`, `LOCALHOST:4873`, `127.1:4873` name the host the guard is asked for.
      const url = URL.canParse(`http://${host}`) ? new URL(`http://${host}`) : undefined;
      hosts.add(url === undefined ? host.toLowerCase() : hostKey(url.hostname, Number(url.port || 80)));
    }
  }
  return hosts;
}

/** How a host is named in the allowed set: as a URL writes it (IPv6 in brackets, lower case), and its port. */
function hostKey(hostname: string, port: number): string {
  return `${hostname}:${port}`.toLowerCase();
}

interface RouteRules {
  readonly allowed: ReadonlySet<string>;
  readonly own: ReadonlySet<string>;
  readonly upstream: UpstreamProxy | undefined;
  /** Each host's lookup, once per install. */
  readonly lookups: Map<string, Promise<LookupAddress[]>>;
}

/** Where a request goes: to a checked address, through the operator's proxy, or nowhere (and why). */
type Route =
  | { readonly kind: 'direct'; readonly address: string }
  | { readonly kind: 'proxy'; readonly proxy: URL }
  | { readonly kind: 'refused'; readonly why: string }
  | { readonly kind: 'unresolved'; readonly host: string };

/**
 * The route of `host:port` (`host` as a URL writes it: IPv6 in brackets). A host that is, or resolves here
 * to, an address that is not public is refused, whether npm would reach it directly or through the operator's proxy
 * (a proxy on the server reaches the server's loopback and networks). A name that does not resolve is the operator's
 * proxy's to resolve; without one it cannot be reached (connecting by name would resolve it again, to an
 * address no one checked).
 */
async function chooseRoute(
  host: string,
  port: number,
  scheme: 'http' | 'https',
  rules: RouteRules,
): Promise<Route> {
  const name = host.replace(/^\[|\]$/g, '');
  const proxy = upstreamFor(rules.upstream, scheme, host);
  if (rules.allowed.has(hostKey(host, port))) {
    return proxy === undefined ? { kind: 'direct', address: name } : { kind: 'proxy', proxy };
  }
  let found = rules.lookups.get(name);
  if (found === undefined) {
    found = lookup(name, { all: true }).catch(() => []);
    rules.lookups.set(name, found);
  }
  const addresses = await found;
  for (const { address } of addresses) {
    const why = nonPublicAddress(address, rules.own);
    if (why !== undefined) {
      return { kind: 'refused', why: `${host.toLowerCase()}:${port} is ${address}, ${why}` };
    }
  }
  if (proxy !== undefined) {
    return { kind: 'proxy', proxy };
  }
  const [first] = addresses;
  return first === undefined
    ? { kind: 'unresolved', host: `${host.toLowerCase()}:${port}` }
    : { kind: 'direct', address: first.address };
}

type Pick = (host: string, port: number, scheme: 'http' | 'https') => Promise<Route>;

/** A plain-HTTP request npm sends through the proxy (absolute-form URL). */
async function forward(req: IncomingMessage, res: ServerResponse, pick: Pick): Promise<void> {
  const target = URL.canParse(req.url ?? '') ? new URL(req.url ?? '') : undefined;
  if (target === undefined || target.protocol !== 'http:') {
    res.writeHead(400).end('the install proxy takes http:// URLs only');
    return;
  }
  const port = Number(target.port || 80);
  const route = await pick(target.hostname, port, 'http');
  if (route.kind === 'refused' || route.kind === 'unresolved') {
    const [status, text] = answerOf(route, target.host);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
    return;
  }
  if (route.kind === 'proxy') {
    forwardThrough(route.proxy, target, req, res);
    return;
  }
  const path = `${target.pathname}${target.search}`;
  relayRequest(request, { host: route.address, port, path, headers: nextHopHeaders(req) }, req, res);
}

/** An HTTPS connection npm (or git) opens through the proxy (`CONNECT host:port`). */
async function tunnel(req: IncomingMessage, socket: Socket, head: Buffer, pick: Pick): Promise<void> {
  socket.on('error', () => socket.destroy());
  // Read as an https: URL, whose default port is the one a CONNECT without a port means.
  const target = URL.canParse(`https://${req.url ?? ''}`) ? new URL(`https://${req.url ?? ''}`) : undefined;
  const port = Number(target?.port || 443);
  const route: Route =
    target === undefined
      ? { kind: 'refused', why: 'an unreadable host' }
      : await pick(target.hostname, port, 'https');
  if (target === undefined || route.kind === 'refused' || route.kind === 'unresolved') {
    const [status, text] = answerOf(route, req.url ?? '');
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: text/plain\r\n\r\n${text}`);
    return;
  }
  if (route.kind === 'proxy') {
    // The operator's proxy answers the CONNECT itself; its answer goes to npm as it is.
    const upstream = tunnelThrough(route.proxy, target.hostname, port);
    spliceTunnel(socket, upstream, head);
    upstream.on('error', () => socket.destroy());
    socket.once('close', () => upstream.destroy());
    return;
  }
  const upstream = connect(port, route.address, () => {
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    spliceTunnel(socket, upstream, head);
  });
  upstream.on('error', () => socket.destroy());
  socket.once('close', () => upstream.destroy());
}

/**
 * npm's answer for a host it may not or cannot reach: 403 for a refused one (npm does not try again), 502
 * for one that does not resolve (npm tries again, as after a failed connection: DNS may come back).
 */
function answerOf(route: Route, host: string): [number, string] {
  return route.kind === 'unresolved'
    ? [502, `cannot resolve ${host} — check the registry URL or the server's DNS`]
    : [
        403,
        `Portico refused to let npm reach ${host}: a deployed API's install reaches public addresses only, not the server's own, loopback, link-local or private ones (the server's operator can allow a registry of theirs with ${ALLOWED_HOSTS_ENV}=host:port)`,
      ];
}

function closeAll(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
