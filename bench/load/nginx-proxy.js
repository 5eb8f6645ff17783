/**
 * nginx as a reverse proxy in front of the bare backend: the C reference row of run.js. One worker
 * process (Portico's `start` is one process too), keep-alive connections to the backend, no access log.
 * nginx is not a dependency: when it is not installed (CI), the row is skipped with a printed note.
 *
 * PORTICO_BENCH_NGINX names the binary; by default `nginx` on PATH, then /usr/sbin/nginx.
 */
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { findFreePort, HOST, spawnProcess, waitForPort } from './_harness.js';

/** The nginx binary, or undefined when none is installed. */
export function findNginx() {
  const candidates = [
    process.env.PORTICO_BENCH_NGINX,
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'nginx')),
    '/usr/sbin/nginx',
  ];
  return candidates.find((file) => file !== undefined && file !== '' && isExecutable(file));
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function createConfig(dir, port, backendPort) {
  return [
    'worker_processes 1;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} warn;`,
    'events { worker_connections 1024; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${join(dir, 'body')};`,
    `  proxy_temp_path ${join(dir, 'proxy')};`,
    `  fastcgi_temp_path ${join(dir, 'fastcgi')};`,
    `  uwsgi_temp_path ${join(dir, 'uwsgi')};`,
    `  scgi_temp_path ${join(dir, 'scgi')};`,
    `  upstream backend { server ${HOST}:${backendPort}; keepalive 64; }`,
    '  server {',
    `    listen ${HOST}:${port};`,
    '    location / {',
    '      proxy_pass http://backend;',
    '      proxy_http_version 1.1;',
    '      proxy_set_header Connection "";',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * Starts nginx proxying everything to the backend; resolves with its URL, or with `{ skipped }` (the
 * reason) when nginx is not installed.
 */
export async function startNginxProxy(backendPort) {
  const nginx = findNginx();
  if (nginx === undefined) {
    return { skipped: 'nginx is not installed (set PORTICO_BENCH_NGINX to its path to add this row)' };
  }
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-nginx-'));
  // nginx's worker may run as another user (nobody) when started as root: it must reach its folders.
  chmodSync(dir, 0o755);
  for (const name of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(join(dir, name));
  }
  const port = await findFreePort();
  const config = join(dir, 'nginx.conf');
  writeFileSync(config, createConfig(dir, port, backendPort));
  const child = spawnProcess(
    nginx,
    ['-p', dir, '-c', config, '-e', join(dir, 'error.log'), '-g', 'daemon off;'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  child.stderr.resume();
  await waitForPort(port, child, 'nginx');
  return { url: `http://${HOST}:${port}`, dir };
}
