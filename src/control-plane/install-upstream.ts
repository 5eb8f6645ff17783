/**
 * The operator's own proxy for the deploy-time npm install (`HTTPS_PROXY`, `npm_config_proxy`, … of
 * `portico serve`). The install guard (`install-guard.ts`) stays in front of it: npm talks to the guard
 * only, and the guard sends on to the operator's proxy what npm would have sent there, and connects itself,
 * checked, to the hosts the operator's no-proxy list names (decision 0101). npm's own rules decide which
 * proxy a URL takes, so the operator's setup behaves as it did without the guard.
 */
import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestOptions,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** The operator's proxy as npm would use it. */
export interface UpstreamProxy {
  /** The proxy of https:// URLs (undefined: npm would connect directly). */
  readonly https: URL | undefined;
  /** The proxy of http:// URLs. */
  readonly http: URL | undefined;
  /** The operator's no-proxy list (`NO_PROXY`, `npm_config_noproxy`), entries as written. */
  readonly noProxy: readonly string[];
}

/**
 * The operator's proxy from their npm and proxy settings (names as in the environment), as npm picks it:
 * `npm_config_https_proxy` or `npm_config_proxy` for every URL, else `https_proxy` for https:// and
 * `https_proxy`, `http_proxy` for http:// (either case). Undefined when none is set.
 */
export function operatorProxyOf(settings: Readonly<Record<string, string>>): UpstreamProxy | undefined {
  const value = (pattern: RegExp) =>
    Object.entries(settings).find(([name, v]) => pattern.test(name) && v !== '')?.[1];
  const configured = value(/^npm_config_https_proxy$/i) ?? value(/^npm_config_proxy$/i);
  const httpsEnv = value(/^https_proxy$/i);
  const httpsUrl = configured ?? httpsEnv;
  const httpUrl = configured ?? httpsEnv ?? value(/^http_proxy$/i);
  if (httpsUrl === undefined && httpUrl === undefined) {
    return undefined;
  }
  const noProxy = value(/^npm_config_noproxy$/i) ?? value(/^no_proxy$/i) ?? '';
  return {
    https: parseProxyUrl(httpsUrl),
    http: parseProxyUrl(httpUrl),
    noProxy: noProxy.split(/[\s,]+/).filter((entry) => entry !== ''),
  };
}

function parseProxyUrl(text: string | undefined): URL | undefined {
  return text !== undefined && URL.canParse(text) ? new URL(text) : undefined;
}

/** Whether the guard can send on through `proxy`: an HTTP or HTTPS proxy (not SOCKS). */
export function canChainTo(proxy: UpstreamProxy): boolean {
  return [proxy.https, proxy.http].every((url) => url === undefined || /^https?:$/.test(url.protocol));
}

/**
 * Whether npm would reach `hostname` directly under `noProxy`: an entry matches the host's last labels
 * (`example.com` and `.example.com` match `registry.example.com`), as npm's agent reads it.
 */
export function bypassesProxy(hostname: string, noProxy: readonly string[]): boolean {
  const host = hostname
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .split('.')
    .reverse();
  return noProxy.some((entry) => {
    const labels = entry.toLowerCase().split('.').filter(Boolean).reverse();
    return labels.length > 0 && labels.every((label, i) => host[i] === label);
  });
}

/** The operator's proxy for a URL of `scheme`, or undefined when npm would connect directly. */
export function upstreamFor(
  proxy: UpstreamProxy | undefined,
  scheme: 'http' | 'https',
  hostname: string,
): URL | undefined {
  if (proxy === undefined || bypassesProxy(hostname, proxy.noProxy)) {
    return undefined;
  }
  return scheme === 'https' ? proxy.https : proxy.http;
}

/** `Proxy-Authorization` for a proxy URL with a user name, as npm's agent sends it. */
function proxyAuthorization(proxy: URL): Record<string, string> {
  if (proxy.username === '') {
    return {};
  }
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

function proxyPort(proxy: URL): number {
  return Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80));
}

/**
 * Opens a tunnel to `host:port` through `proxy`: the returned socket has sent the CONNECT request, and
 * what the proxy answers (its status line first) is for npm to read, as if it came from the guard.
 */
export function tunnelThrough(proxy: URL, host: string, port: number): Socket {
  const target = `${host}:${port}`;
  const headers = Object.entries({ host: target, ...proxyAuthorization(proxy) })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const options = { host: proxy.hostname.replace(/^\[|\]$/g, ''), port: proxyPort(proxy) };
  const socket =
    proxy.protocol === 'https:'
      ? tlsConnect({ ...options, servername: options.host })
      : netConnect(options.port, options.host);
  socket.write(`CONNECT ${target} HTTP/1.1\r\n${headers}\r\n`);
  return socket;
}

/** Sends npm's plain-HTTP request `req` (for `target`) on through `proxy`, and its answer back. */
export function forwardThrough(proxy: URL, target: URL, req: IncomingMessage, res: ServerResponse): void {
  relayRequest(
    proxy.protocol === 'https:' ? httpsRequest : httpRequest,
    {
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxyPort(proxy),
      path: target.href,
      headers: { ...nextHopHeaders(req), ...proxyAuthorization(proxy) },
    },
    req,
    res,
  );
}

/** npm's request headers for the next hop: without those meant for the guard as npm's proxy. */
export function nextHopHeaders(req: IncomingMessage): IncomingHttpHeaders {
  const headers = { ...req.headers };
  delete headers['proxy-authorization'];
  delete headers['proxy-connection'];
  return headers;
}

/** Sends `req` on (its method, its body) with `options`, and the answer back to `res`; a failure closes it. */
export function relayRequest(
  send: typeof httpRequest,
  options: RequestOptions,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const upstream = send({ ...options, method: req.method }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

/** Joins npm's tunnel `socket` to `upstream`, `head` (what npm sent after its CONNECT) first. */
export function spliceTunnel(socket: Socket, upstream: Socket, head: Buffer): void {
  upstream.write(head);
  upstream.pipe(socket);
  socket.pipe(upstream);
}
