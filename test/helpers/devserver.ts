/**
 * Dev-server mode helpers: a small framework-like dev server on a real socket (pages, modules, an echo,
 * an event stream held open until the test releases it, a WebSocket echo), and `portico start <url>`
 * in-process in front of it.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { WebSocketServer } from 'ws';
import { startInProcess, type TestApp, writeApp } from './app.js';

const FIXTURES = new URL('../fixtures/devserver/', import.meta.url);

export interface FixtureDevServer {
  readonly port: number;
  /** `http(s)://localhost:<port>`. */
  readonly url: string;
  /** Requests seen: method, path and the headers the dev server got. */
  readonly requests: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  /** Lets the held event stream (`/events`) send its second event and end. */
  releaseEvents(): void;
  close(): Promise<void>;
}

export interface FixtureOptions {
  /** Address to listen on (default 127.0.0.1). */
  readonly address?: string;
  /** Serve HTTPS with the self-signed certificate of test/fixtures/devserver. */
  readonly https?: boolean;
}

/** Starts the fixture dev server. */
export async function startFixtureDevServer(options: FixtureOptions = {}): Promise<FixtureDevServer> {
  const requests: FixtureDevServer['requests'] = [];
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    void answer(req, res, released);
  };
  const server: Server = options.https
    ? createHttpsServer(
        {
          key: readFileSync(new URL('self-signed.key', FIXTURES)),
          cert: readFileSync(new URL('self-signed.crt', FIXTURES)),
        },
        handler,
      )
    : createHttpServer(handler);
  server.listen(0, options.address ?? '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = `${options.https ? 'https' : 'http'}://localhost:${port}`;
  attachWebSockets(server, url, requests);
  return {
    port,
    url,
    requests,
    releaseEvents: () => release(),
    async close() {
      release();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

const PAGES: Record<string, string> = {
  '/': '<h1>home</h1>',
  '/index.html': '<h1>home</h1>',
  '/login.html': '<h1>please sign in</h1>',
  '/custom-404.html': '<h1>custom not found</h1>',
  '/about/index.html': '<h1>about</h1>',
};

async function answer(req: IncomingMessage, res: ServerResponse, released: Promise<void>): Promise<void> {
  const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
  const page = PAGES[path];
  if (page !== undefined) {
    res.writeHead(200, { 'content-type': 'text/html', 'x-dev': 'yes' });
    return void res.end(page);
  }
  if (path === '/src/main.js' || path === '/@vite/client') {
    res.writeHead(200, { 'content-type': 'text/javascript' });
    return void res.end(`export const path = ${JSON.stringify(path)};`);
  }
  if (path === '/data.custom' || path === '/empty-type.custom') {
    // Vite sends an empty Content-Type for extensions it does not know.
    res.writeHead(200, path === '/data.custom' ? {} : { 'content-type': '' });
    return void res.end('custom data');
  }
  if (path.endsWith('/staticwebapp.config.json')) {
    // A dev server serves its public folder as it is, the config file with it.
    res.writeHead(200, { 'content-type': 'application/json' });
    return void res.end('{"routes":[]}');
  }
  if (path === '/broken') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
    res.write('partial');
    return void res.socket?.destroy();
  }
  if (path === '/echo') {
    return echo(req, res);
  }
  if (path === '/redirect-self') {
    // A framework redirecting to its own absolute address (its host as the request named it).
    res.writeHead(302, { location: `http://${req.headers.host}/about/index.html?from=dev` });
    return void res.end();
  }
  if (path === '/events') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('data: first\n\n');
    await released;
    return void res.end('data: second\n\n');
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('fixture 404');
}

async function echo(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      method: req.method,
      url: req.url,
      body: Buffer.concat(chunks).toString(),
      host: req.headers.host,
      forwardedHost: req.headers['x-forwarded-host'],
      origin: req.headers.origin ?? null,
      principal: req.headers['x-ms-client-principal'] ?? null,
    }),
  );
}

/**
 * `/ws` echoes text frames; `/ws-reset` cuts the connection at once; other upgrade paths get 404. As
 * Next.js 16 does for `/_next/hmr`, `/_next/*` refuses a handshake whose Origin is not the dev server's own
 * (`url`) by writing a bare `Unauthorized` on the socket. Handshakes are recorded with method `UPGRADE`.
 */
function attachWebSockets(server: Server, url: string, requests: FixtureDevServer['requests']): void {
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    requests.push({ method: 'UPGRADE', url: req.url ?? '', headers: req.headers });
    if (req.url === '/ws-reset') {
      return socket.destroy();
    }
    if (req.url?.startsWith('/_next/')) {
      if (req.headers.origin !== undefined && req.headers.origin !== url) {
        return socket.end('Unauthorized');
      }
      return wss.handleUpgrade(req, socket, head, (ws) => ws.send('hmr connected'));
    }
    if (req.url !== '/ws' && !req.url?.startsWith('/ws?')) {
      return socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nConnection: close\r\n\r\nno\n');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data) => ws.send(`echo: ${data.toString()}`));
    });
  });
}

/** A dev-server-mode app; `dir` is its config folder (`--swa-config-location`). */
export type DevModeApp = TestApp;

/** `portico start <devServerUrl>` in-process, with `config` written to a temp config folder. */
export async function startDevMode(
  devServerUrl: string,
  config: unknown,
  options: { apiDevserverUrl?: string; allowedHosts?: string[] } = {},
): Promise<DevModeApp> {
  const dir = await writeApp({}, config);
  return startInProcess(dir, {
    appDir: devServerUrl,
    appDevserverUrl: devServerUrl,
    configDir: dir,
    apiDevserverUrl: options.apiDevserverUrl,
    port: 0,
    host: '127.0.0.1',
    ...(options.allowedHosts === undefined ? {} : { allowedHosts: options.allowedHosts }),
    plan: 'standard',
    apiTimeoutSeconds: 45,
    verbose: false,
  });
}

/** A port that was free a moment ago. */
export async function findFreePort(): Promise<number> {
  const server = createNetServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** True when nothing accepts connections on 127.0.0.1:<port>. */
export async function isPortFree(port: number): Promise<boolean> {
  const server = createNetServer();
  server.listen(port, '127.0.0.1');
  try {
    await once(server, 'listening');
    server.close();
    await once(server, 'close');
    return true;
  } catch {
    return false;
  }
}
