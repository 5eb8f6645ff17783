/**
 * A real HTTP backend on loopback for `/api` tests: echoes what it received as JSON, and has a few
 * special paths (`/api/slow`, `/api/teapot`, `/api/stream`) to exercise the proxy.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { closeServer, listen } from '../../src/edge/index.js';

export interface EchoRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Backend {
  readonly url: string;
  readonly requests: EchoRequest[];
  close(): Promise<void>;
}

/** Starts the echo backend on 127.0.0.1 and a free port. */
export async function startBackend(): Promise<Backend> {
  const requests: EchoRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const echo = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
    requests.push(echo);
    const url = (req.url ?? '').toLowerCase();
    if (url.startsWith('/api/slow')) {
      await new Promise((resolve) => setTimeout(resolve, 10_000));
    }
    if (url.startsWith('/api/teapot')) {
      res.writeHead(418, { 'x-from-api': '1', 'set-cookie': ['a=1; Path=/', 'b=2; Path=/'] });
      return res.end('short and stout');
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-from-api': '1' });
    res.end(JSON.stringify(echo));
  });
  const port = await listen(server, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => closeServer(server),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString();
}
