/**
 * The deploy-time npm install runs on the server's network, and a tenant chooses where it connects: a
 * registry in its `.npmrc`, a tarball or git URL in package.json, a lockfile's `resolved`, and whatever
 * those answer (a registry document's tarball URL, a redirect, a name that resolves elsewhere the second
 * time). npm's error shows the first bytes of what a server answered, so a tenant could read the server's
 * own loopback services or the cloud's metadata service (169.254.169.254) through the deploy log.
 *
 * So npm goes through this proxy (decision 0074): it resolves each host itself, refuses one that resolves
 * to a loopback, link-local or unspecified address (in any IPv6 spelling: `shared/address-ranges.ts`), and connects to the very address it checked. The
 * operator's own registries (and the hosts in `PORTICO_NPM_ALLOWED_HOSTS`) stay reachable wherever they
 * are. An operator who gives npm a proxy of their own keeps it, and its rules apply instead.
 */
import { lookup } from 'node:dns/promises';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { canonicalAddress, forbiddenAddress } from '../shared/address-ranges.js';

/** The environment variable of hosts (`host:port`, comma-separated) the operator lets installs reach. */
export const ALLOWED_HOSTS_ENV = 'PORTICO_NPM_ALLOWED_HOSTS';

/** A running guard. */
export interface InstallGuard {
  /** The proxy's URL, for npm's `proxy` and `https-proxy` and git's `http_proxy`. */
  readonly url: string;
  /** What was refused, one line each (`host:port is …`), in order. */
  readonly refused: readonly string[];
  close(): Promise<void>;
}

/**
 * Starts a proxy on 127.0.0.1 that lets npm reach any host but those resolving to a forbidden address;
 * `allowed` (`host:port` as {@link operatorHosts} writes them) are reached whatever they resolve to.
 */
export async function startInstallGuard(allowed: ReadonlySet<string>): Promise<InstallGuard> {
  const refused: string[] = [];
  const tunnels = new Set<Socket>();
  const own = ownAddresses();
  const pick = (host: string, port: number) => chooseAddress(host, port, { allowed, own }, refused);
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
 * (`npm_config_registry`, `npm_config_@scope:registry`) and those of {@link ALLOWED_HOSTS_ENV}.
 */
export function operatorHosts(
  settings: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv = process.env,
): Set<string> {
  const hosts = new Set<string>();
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

/** Whether the operator gave npm a proxy of their own (which then decides what npm reaches). */
export function hasOperatorProxy(settings: Readonly<Record<string, string>>): boolean {
  return Object.keys(settings).some((name) => /^(?:https?_proxy|npm_config_(?:https_)?proxy)$/i.test(name));
}

/**
 * The address to connect to for `host:port` (`host` as a URL writes it: IPv6 in brackets), or undefined
 * (recorded in `refused`) when forbidden.
 */
async function chooseAddress(
  host: string,
  port: number,
  { allowed, own }: { readonly allowed: ReadonlySet<string>; readonly own: ReadonlySet<string> },
  refused: string[],
): Promise<string | undefined> {
  const name = host.replace(/^\[|\]$/g, '');
  if (allowed.has(hostKey(host, port))) {
    return name;
  }
  const found = await lookup(name, { all: true }).catch(() => []);
  for (const { address } of found) {
    const why = forbiddenAddress(address, own);
    if (why !== undefined) {
      refused.push(`${host.toLowerCase()}:${port} is ${address}, ${why}`);
      return undefined;
    }
  }
  const [first] = found;
  if (first === undefined) {
    // Connecting by name would resolve it again, to an address no one checked.
    refused.push(`${host.toLowerCase()}:${port}, which does not resolve`);
    return undefined;
  }
  return first.address;
}

/** The addresses of the server's own interfaces, as {@link canonicalAddress} writes them. */
function ownAddresses(): ReadonlySet<string> {
  return new Set(
    Object.values(networkInterfaces())
      .flatMap((addresses) => addresses ?? [])
      .flatMap((info) => canonicalAddress(info.address) ?? []),
  );
}

type Pick = (host: string, port: number) => Promise<string | undefined>;

/** A plain-HTTP request npm sends through the proxy (absolute-form URL). */
async function forward(req: IncomingMessage, res: ServerResponse, pick: Pick): Promise<void> {
  const target = URL.canParse(req.url ?? '') ? new URL(req.url ?? '') : undefined;
  if (target === undefined || target.protocol !== 'http:') {
    res.writeHead(400).end('the install proxy takes http:// URLs only');
    return;
  }
  const port = Number(target.port || 80);
  const address = await pick(target.hostname, port);
  if (address === undefined) {
    res.writeHead(403, { 'content-type': 'text/plain' }).end(refusal(target.host));
    return;
  }
  const headers = { ...req.headers };
  delete headers['proxy-authorization'];
  delete headers['proxy-connection'];
  const upstream = request(
    { host: address, port, method: req.method, path: `${target.pathname}${target.search}`, headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

/** An HTTPS connection npm (or git) opens through the proxy (`CONNECT host:port`). */
async function tunnel(req: IncomingMessage, socket: Socket, head: Buffer, pick: Pick): Promise<void> {
  socket.on('error', () => socket.destroy());
  const target = URL.canParse(`http://${req.url ?? ''}`) ? new URL(`http://${req.url ?? ''}`) : undefined;
  const address = target === undefined ? undefined : await pick(target.hostname, Number(target.port || 443));
  if (target === undefined || address === undefined) {
    socket.end(`HTTP/1.1 403 Forbidden\r\n\r\n${refusal(req.url ?? '')}`);
    return;
  }
  const upstream = connect(Number(target.port || 443), address, () => {
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  upstream.on('error', () => socket.destroy());
  socket.once('close', () => upstream.destroy());
}

function refusal(host: string): string {
  return `Portico refused to let npm reach ${host}: a deployed API's install may not reach the server's loopback or link-local addresses`;
}

function closeAll(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
