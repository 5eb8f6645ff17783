/**
 * The floor of any Node reverse proxy, for scenario e of the load benchmark: a node:http server that
 * forwards every request to the bare backend through an undici Pool, with no rules, no header handling
 * and no limits. Portico's /api (scenario d) runs the same topology (client → proxy process → backend
 * process), so d/e shows what Portico's own work costs, separately from what proxying itself costs.
 *
 * With BENCH_EXTRA_HEADERS (a JSON list of `[name, value]` pairs), it adds those fields to every request
 * it forwards: gateway.js measures with it what the fields of a linked site's call cost a proxy that does
 * nothing else.
 *
 * Usage: node bench/load/bare-proxy.js <backend port>
 * Prints one JSON line `{"port":<port>}` when listening on 127.0.0.1; stops on SIGTERM/SIGINT or when
 * its parent goes away (stdin closes).
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';

const backendPort = Number(process.argv[2]);
const pool = new Pool(`http://127.0.0.1:${backendPort}`);
const extra = JSON.parse(process.env.BENCH_EXTRA_HEADERS ?? '[]').flat();

const server = createServer((req, res) => {
  pool
    .request({
      method: req.method,
      path: req.url,
      headers: extra.length === 0 ? req.headers : [...req.rawHeaders, ...extra],
      body: req.method === 'GET' ? null : req,
    })
    .then(({ statusCode, headers, body }) => {
      res.writeHead(statusCode, headers);
      body.pipe(res);
    })
    .catch(() => {
      res.writeHead(502);
      res.end();
    });
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
const stop = () => process.exit(0);
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop).on('error', stop).resume();
