/**
 * The two ceilings of the load benchmark, run in their own process so they never share an event loop with
 * the load generator:
 * - a bare node:http server answering one small HTML file from memory (scenario a);
 * - a bare node:http backend answering a small JSON document (scenario c, and the upstream of d).
 *
 * Usage: node bench/load/bare-servers.js <file.html>
 * Prints one JSON line `{"static":<port>,"api":<port>}` when both listen on 127.0.0.1; stops on SIGTERM,
 * SIGINT or when its parent goes away (stdin closes).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { API_BODY } from './functions-app/api-body.cjs';

/** The JSON document the bare backend (and so Portico's `/api`) answers; shared with the functions app. */
export { API_BODY };

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

function createStaticServer(html) {
  return createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': html.length });
    res.end(req.method === 'HEAD' ? undefined : html);
  });
}

function createApiServer() {
  const body = Buffer.from(API_BODY);
  return createServer((req, res) => {
    // Drain any request body so keep-alive connections stay usable.
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
}

async function main() {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node bench/load/bare-servers.js <file.html>\n');
    process.exit(2);
  }
  const servers = [createStaticServer(readFileSync(file)), createApiServer()];
  const [staticPort, apiPort] = await Promise.all(servers.map(listen));
  process.stdout.write(`${JSON.stringify({ static: staticPort, api: apiPort })}\n`);
  const stop = () => process.exit(0);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdin.on('end', stop).on('error', stop).resume();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    process.stderr.write(`bare-servers: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
