/**
 * Start-up and memory of `portico serve` (issue 16 item 6), against a bare node:http server measured in
 * the same run on the same machine:
 *
 *   npm run build && node bench/load/serve-footprint.js      (or npm run bench:serve-footprint)
 *
 * Each of BENCH_FOOTPRINT_RUNS runs (default 3) starts a fresh `portico serve` on SQLite and measures:
 *   1. spawn to the first 200 of GET /readyz on the admin port (storage open, listeners up);
 *   2. its RSS one second later (idle, no site);
 *   3. its RSS after 10 static sites were created and deployed through the deployment API (each with
 *      20 small files), one second later;
 *   4. its RSS after load: autocannon over the 10 sites' pages (BENCH_DURATION seconds, BENCH_CONNECTIONS),
 *      one second later.
 * The medians are kept. The bare server's spawn-to-first-200 and idle RSS are the baseline of 1 and 2.
 * Managed functions run in their own processes and are not part of these sites. Results are also
 * written to bench/results/serve-footprint.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import {
  findFreePort,
  HOST,
  ROOT,
  runBenchmark,
  settings,
  spawnChild,
  stopChildren,
  writeResults,
} from './_harness.js';

const RUNS = Math.max(1, Math.round(Number(process.env.BENCH_FOOTPRINT_RUNS) || 3));
const BIN = join(ROOT, 'bin', 'portico.js');
const DOMAIN = 'portico.test';
const SITES = 10;
const FILES_PER_SITE = 20;
const IDLE_MS = 1_000;
const POLL_MS = 5;
const READY_TIMEOUT_MS = 30_000;
const MB = 1024 * 1024;
const SITES_PATH =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/portico/providers/Microsoft.Web/staticSites';
const BARE_SERVER = `require('node:http').createServer((q, s) => s.end('ok')).listen(+process.argv[1], '${HOST}')`;

/** Status of one GET (with an optional Host), or undefined when nothing listens yet. */
function status(port, path = '/', host = undefined) {
  return new Promise((resolve) => {
    const headers = host === undefined ? {} : { host };
    const req = request({ host: HOST, port, path, headers, agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode));
    });
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

function rssOf(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((text) => text.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? Number.NaN) * 1024;
}

async function idleRss(child) {
  await sleep(IDLE_MS);
  return rssOf(child.pid);
}

/** Spawns `node args`, resolves with the child and the milliseconds until `port` answers 200 at `path`. */
async function spawnUntil200(args, port, path, env = process.env) {
  const started = performance.now();
  const child = spawnChild(args, { stdio: ['ignore', 'ignore', 'pipe'], env, cwd: ROOT });
  child.stderr.resume();
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  while ((await status(port, path)) !== 200) {
    if (exited || performance.now() - started > READY_TIMEOUT_MS) {
      throw new Error(`node ${args.join(' ')} never answered 200 at ${path}`);
    }
    await sleep(POLL_MS);
  }
  return { child, ms: performance.now() - started };
}

async function stop(child) {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

async function call(url, method, token, body, type = 'application/json') {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': type },
    body: body === undefined || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${method} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  }
  return text === '' ? undefined : JSON.parse(text);
}

/** Creates site `name` and deploys its files through the deployment API; returns its host name. */
async function deploySite(adminUrl, adminToken, name) {
  const site = await call(`${adminUrl}${SITES_PATH}/${name}`, 'PUT', adminToken, { sku: { name: 'Free' } });
  const { defaultHostname, apiKey } = site.properties;
  const files = [['index.html', `<!doctype html><h1>${name}</h1>\n`]];
  for (let i = 0; i < FILES_PER_SITE - 1; i += 1) {
    files.push([`assets/part-${i}.js`, `export const site = '${name}', part = ${i};\n`]);
  }
  const contents = files.map(([path, text]) => {
    const data = Buffer.from(text);
    return { path, data, size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
  });
  const deploy = (method, path, body, type) =>
    call(`${adminUrl}/deploy/v1/deployments${path}`, method, apiKey, body, type);
  const listing = contents.map(({ path, size, sha256 }) => ({ path, size, sha256 }));
  const { id, missing } = await deploy('POST', '', { environment: 'production', app: listing });
  for (const file of contents.filter((f) => missing.includes(f.sha256))) {
    await deploy('PUT', `/${id}/files/${file.sha256}`, file.data, 'application/octet-stream');
  }
  await deploy('POST', `/${id}/commit`);
  return defaultHostname;
}

/** autocannon over the pages of `hosts`, one request per host in turn on every connection. */
async function load(port, hosts) {
  const result = await autocannon({
    url: `http://${HOST}:${port}`,
    connections: settings.connections,
    duration: settings.duration,
    requests: hosts.map((host) => ({ method: 'GET', path: '/', headers: { host: `${host}:${port}` } })),
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) {
    throw new Error(`${bad} of ${result.requests.total} requests under load failed`);
  }
  return result.requests.average;
}

async function measureServe() {
  const data = mkdtempSync(join(tmpdir(), 'portico-bench-footprint-'));
  try {
    const [port, adminPort] = [await findFreePort(), await findFreePort()];
    const token = randomBytes(16).toString('hex');
    const args = [BIN, 'serve', '--data', data, '--host', HOST, '--domain', DOMAIN];
    args.push('--port', String(port), '--admin-port', String(adminPort));
    const { child, ms } = await spawnUntil200(args, adminPort, '/readyz', {
      ...process.env,
      PORTICO_ADMIN_TOKEN: token,
    });
    const idle = await idleRss(child);
    const adminUrl = `http://${HOST}:${adminPort}`;
    const hosts = [];
    for (let i = 0; i < SITES; i += 1) {
      hosts.push(await deploySite(adminUrl, token, `site${i}`));
    }
    for (const host of hosts) {
      const answer = await status(port, '/', `${host}:${port}`);
      if (answer !== 200) {
        throw new Error(`${host} answered ${answer} after its deploy`);
      }
    }
    const sites = await idleRss(child);
    const rps = await load(port, hosts);
    const loaded = await idleRss(child);
    await stop(child);
    return { ms, idle, sites, loaded, rps };
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}

async function measureBare() {
  const port = await findFreePort();
  const { child, ms } = await spawnUntil200(['-e', BARE_SERVER, String(port)], port, '/');
  const idle = await idleRss(child);
  await stop(child);
  return { ms, idle };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function medians(samples) {
  return Object.fromEntries(Object.keys(samples[0]).map((key) => [key, median(samples.map((s) => s[key]))]));
}

async function main() {
  const bare = [];
  const serve = [];
  for (let run = 0; run < RUNS; run += 1) {
    process.stderr.write(`run ${run + 1}/${RUNS}\n`);
    bare.push(await measureBare());
    serve.push(await measureServe());
  }
  const b = medians(bare);
  const s = medians(serve);
  const mb = (bytes) => (bytes / MB).toFixed(1);
  const lines = [
    `# portico serve footprint (${new Date().toISOString()}, ${availableParallelism()} cores, median of ${RUNS})`,
    '',
    '| Measure | portico serve | bare node:http server | serve / bare |',
    '| --- | ---: | ---: | ---: |',
    `| spawn to first 200 (serve: GET /readyz) | ${s.ms.toFixed(0)} ms | ${b.ms.toFixed(0)} ms | ${(s.ms / b.ms).toFixed(2)} |`,
    `| RSS idle | ${mb(s.idle)} MB | ${mb(b.idle)} MB | ${(s.idle / b.idle).toFixed(2)} |`,
    `| RSS after ${SITES} sites deployed (${FILES_PER_SITE} files each) | ${mb(s.sites)} MB | | ${(s.sites / b.idle).toFixed(2)} |`,
    `| RSS after load (${settings.duration} s, ${settings.connections} connections, ${Math.round(s.rps)} req/s over the ${SITES} sites) | ${mb(s.loaded)} MB | | ${(s.loaded / b.idle).toFixed(2)} |`,
    '',
    'RSS is read from /proc one second after each step; managed functions (none here) run in their own processes.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  writeResults('serve-footprint.md', `${lines.join('\n')}\n`);
}

runBenchmark(async () => {
  try {
    await main();
  } finally {
    await stopChildren();
  }
});
