/**
 * nginx as a reverse proxy in front of the bare backend: the C reference rows of run.js. One worker
 * process (Portico's `start` is one process too), no access log, and either nginx's defaults for
 * `proxy_pass` (HTTP/1.0 to the backend, a new connection per request) or keep-alive connections to the
 * backend (an `upstream` with `keepalive`, HTTP/1.1), which is what Portico does.
 * nginx is not a dependency: when it is not installed (CI), the rows are skipped with a printed note.
 *
 * PORTICO_BENCH_NGINX names the binary (`none` leaves the rows out); by default `nginx` on PATH, then
 * /usr/sbin/nginx.
 */
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { findFreePort, HOST, spawnProcess, waitForPort } from './_harness.js';

/** The nginx binary, or undefined when none is installed. */
export function findNginx() {
  const chosen = process.env.PORTICO_BENCH_NGINX;
  const candidates =
    chosen === undefined || chosen === ''
      ? [...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'nginx')), '/usr/sbin/nginx']
      : [chosen];
  return candidates.find((file) => isExecutable(file));
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function createConfig(dir, port, backendPort, keepAlive) {
  const backend = keepAlive ? 'http://backend' : `http://${HOST}:${backendPort}`;
  // The backend (node:http) closes a connection after 5 idle seconds; nginx would keep it for 60 and
  // could send a request on a connection just being closed. An operator sets it below the backend's.
  const upstream = keepAlive
    ? [`  upstream backend { server ${HOST}:${backendPort}; keepalive 64; keepalive_timeout 4s; }`]
    : [];
  const location = keepAlive
    ? [
        `      proxy_pass ${backend};`,
        '      proxy_http_version 1.1;',
        '      proxy_set_header Connection "";',
      ]
    : [`      proxy_pass ${backend};`];
  return [
    'worker_processes 1;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} warn;`,
    'events { worker_connections 1024; }',
    'http {',
    '  access_log off;',
    // nginx closes a client's connection after 1,000 requests; the load generator sometimes sends the
    // next one as it closes (one error in ~60,000, which voids a pair). node:http keeps a connection for
    // as many requests as it is sent, and so does nginx here.
    '  keepalive_requests 1000000;',
    `  client_body_temp_path ${join(dir, 'body')};`,
    `  proxy_temp_path ${join(dir, 'proxy')};`,
    `  fastcgi_temp_path ${join(dir, 'fastcgi')};`,
    `  uwsgi_temp_path ${join(dir, 'uwsgi')};`,
    `  scgi_temp_path ${join(dir, 'scgi')};`,
    ...upstream,
    '  server {',
    `    listen ${HOST}:${port};`,
    '    location / {',
    ...location,
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * Starts nginx proxying everything to the backend, with keep-alive upstream connections when `keepAlive`;
 * resolves with its URL and folder, or with `{ skipped }` (the reason) when nginx is not installed.
 */
export async function startNginxProxy(backendPort, { keepAlive }) {
  const nginx = findNginx();
  if (nginx === undefined) {
    return {
      skipped: 'nginx was not found (install it, or set PORTICO_BENCH_NGINX to its path, to add these rows)',
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-nginx-'));
  // nginx's worker may run as another user (nobody) when started as root: it must reach its folders.
  chmodSync(dir, 0o755);
  for (const name of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(join(dir, name));
  }
  const port = await findFreePort();
  const config = join(dir, 'nginx.conf');
  writeFileSync(config, createConfig(dir, port, backendPort, keepAlive));
  const child = spawnProcess(
    nginx,
    ['-p', dir, '-c', config, '-e', join(dir, 'error.log'), '-g', 'daemon off;'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  child.stderr.resume();
  await waitForPort(port, child, 'nginx');
  return { url: `http://${HOST}:${port}`, dir, pid: child.pid };
}
