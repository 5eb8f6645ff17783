/**
 * Loopback load benchmark of `portico serve`'s operations (issue 14, HOUSE-STYLE habit 9):
 *
 *   npm run build && node bench/load/operations.js
 *
 * Four `portico serve` processes, each with the site `shop` (one ~30-byte page, its `/api` linked to a
 * bare node:http backend):
 *   o1. static, `--no-metrics`, no access log (the baseline of the cost rows);
 *   o2. static, metrics on and `--access-log <file>` (target o2/o1 >= 90 %);
 *   o3. the same node as o2, each request signed in (a session cookie the service minted): the user's
 *       hash in every line (decision 0039: the cookie is decoded once per request, by the edge);
 *   w1. static and /api, `--workers 1`;
 *   w2. static and /api, `--workers 2` (w2/w1 is the gain of a second process);
 *   t1. static, metrics on, `--no-traffic` (the portal's traffic history off);
 *   t2. static, metrics on, traffic history on (the default; t2/t1 is the recorder's cost, decision 0032);
 *   i1. static, first loaded after at least 45 s of rest since its set-up, started as `node bin/portico.js`;
 *   i2. i1 started as `node --no-memory-reducer bin/portico.js` (decision 0048: V8's memory-reducing
 *       collections while a process rests before its first load leave Node's HTTP code on slow paths for
 *       the life of the process; i2/i1 is what the flag gives back).
 * All the other nodes run with `--no-memory-reducer`, as operations.md advises: each pair of rows compares
 * one feature, and a node that happened to rest before its first load would otherwise run up to 55 % slower
 * than its partner whatever the feature costs.
 * All of them run on the same machine as the load generator (autocannon) and the bare backend: on a
 * 2-core machine the generator takes about one core, so `--workers 2` cannot double anything there.
 * Each row also gives the server's CPU time per request (Linux /proc), and each check its ratio by CPU,
 * which moves less than requests per second when other work shares the machine.
 * The two checked ratios (o2/o1, t2/t1) are measured again in alternating pairs of short runs and judged on
 * the median pair (decision 0052): the rows are measured a minute apart, and on a shared machine that moves
 * req/s by more than the few per cent these targets are about.
 * BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_ROUNDS, BENCH_PAIRS and BENCH_PAIR_SECONDS as for
 * run.js. Results are also written to bench/results/operations.md.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cpuRatio,
  formatCheck,
  formatNotes,
  formatPairsNote,
  formatRow,
  HOST,
  ratio,
  runBenchmark,
  runPairs,
  runRounds,
  settings,
  startBareServers,
  startServe,
  stopChildren,
  writeResults,
} from './_harness.js';
import { API_BODY } from './bare-servers.js';

const TARGETS = { operationsCost: 0.9, trafficCost: 0.95 };
/** The checked ratios, measured again in alternating pairs (decision 0052). */
const PAIRS = [
  ['o2', 'o1'],
  ['t2', 't1'],
];
const PROVIDERS = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/portico/providers';
const SITE = `${PROVIDERS}/Microsoft.Web/staticSites/shop`;
const WEB = `${PROVIDERS}/Microsoft.Web/sites/backend`;
const PAGE = '<!doctype html><h1>shop</h1>\n';

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

/** The site `shop` with its page deployed and its `/api` linked to the bare backend; its host. */
async function configure(service, apiPort) {
  const admin = (method, path, body) => call(`${service.adminUrl}${path}`, method, service.token, body);
  const site = await admin('PUT', SITE, { location: 'local', sku: { name: 'Standard' } });
  const { defaultHostname, apiKey } = site.properties;
  const data = Buffer.from(PAGE);
  const hash = createHash('sha256').update(data).digest('hex');
  const deploy = (method, path, body, type) =>
    call(`${service.adminUrl}/deploy/v1/deployments${path}`, method, apiKey, body, type);
  const listing = {
    environment: 'production',
    app: [{ path: 'index.html', size: data.length, sha256: hash }],
  };
  const { id, missing } = await deploy('POST', '', listing);
  if (missing.includes(hash)) {
    await deploy('PUT', `/${id}/files/${hash}`, data, 'application/octet-stream');
  }
  await deploy('POST', `/${id}/commit`);
  await admin('PUT', WEB, { kind: 'app', properties: { backendUrl: `http://${HOST}:${apiPort}` } });
  await admin('PUT', `${SITE}/linkedBackends/backend`, {
    properties: { backendResourceId: WEB, backendType: 'webapp' },
  });
  return `${defaultHostname}:${service.port}`;
}

/** A session cookie of the site `shop` for a test user, minted by the service (its admin API). */
async function signIn(service) {
  const { properties } = await call(`${service.adminUrl}${SITE}/createTestSession`, 'POST', service.token, {
    properties: { provider: 'github', userDetails: 'octocat', hours: 8 },
  });
  return `${properties.cookieName}=${properties.cookieValue}`;
}

/** A GET with exactly these headers (fetch would not send a Host of our choosing). */
function get(url, headers) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function checkTarget({ url, headers, expected }) {
  const { status, body } = await get(url, headers);
  if (status !== 200 || body !== expected) {
    throw new Error(`${url} answered ${status} with an unexpected body (${body.slice(0, 160)})`);
  }
}

/** Starts one configured service; its setup error is kept for its scenarios to report. */
async function startConfigured(flags, apiPort, dirs, nodeFlags = ['--no-memory-reducer']) {
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-bench-ops-'));
  dirs.push(dataDir);
  try {
    const service = await startServe(dataDir, flags(dataDir), { nodeFlags });
    return { service, host: await configure(service, apiPort), configuredAt: performance.now() };
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** What to measure, with the serving processes (for their CPU time per request). */
function target(node, path, expected, headers = {}) {
  if (node instanceof Error) {
    throw node;
  }
  const url = `http://${HOST}:${node.service.port}${path}`;
  return { url, headers: { ...headers, host: node.host }, expected, pids: [node.service.pid] };
}

/** How long the i-rows' nodes rest after their set-up before their first load. */
const REST_MS = 45_000;

/** {@link target}, once `node` has rested {@link REST_MS} since its set-up (the first round waits). */
async function rested(node, path, expected) {
  if (node instanceof Error) {
    throw node;
  }
  const left = node.configuredAt + REST_MS - performance.now();
  if (left > 0) {
    process.stderr.write(`  resting ${Math.ceil(left / 1000)} s before the first load ...\n`);
    await new Promise((resolve) => setTimeout(resolve, left));
  }
  return target(node, path, expected);
}

/** {@link target} with a session cookie of a test user. */
async function signedIn(node, path, expected) {
  if (node instanceof Error) {
    throw node;
  }
  return target(node, path, expected, { cookie: await signIn(node.service) });
}

/** The table shows the serving processes' CPU time per request (workers included). */
const CPU = { cpu: true };

function formatReport(rows, pairs) {
  const [o1, o2, o3, w1s, w2s, w1a, w2a, t1, t2, i1, i2] = rows;
  const cost = ratio(o2, o1);
  const traffic = ratio(t2, t1);
  const rest = ratio(i2, i1);
  return [
    '# Portico operations benchmark',
    '',
    `${new Date().toISOString()}; Node ${process.version}; ${availableParallelism()} CPUs; ` +
      `${settings.connections} connections; ${settings.warmup} s warm-up + ${settings.duration} s per scenario; ` +
      `best of ${settings.rounds} round(s); the load generator, the bare backend and every portico serve ` +
      'process share the machine. Every node but i1 runs with `node --no-memory-reducer` (decision 0048).',
    '',
    '| scenario | req/s | p50 ms | p99 ms | ratio | CPU µs/req |',
    '|---|---|---|---|---|---|',
    formatRow(o1, undefined, CPU),
    formatRow(o2, cost, CPU),
    formatRow(o3, ratio(o3, o1), CPU),
    formatRow(w1s, undefined, CPU),
    formatRow(w2s, ratio(w2s, w1s), CPU),
    formatRow(w1a, undefined, CPU),
    formatRow(w2a, ratio(w2a, w1a), CPU),
    formatRow(t1, undefined, CPU),
    formatRow(t2, traffic, CPU),
    formatRow(i1, undefined, CPU),
    formatRow(i2, rest, CPU),
    '',
    'Target check:',
    ...formatPairsNote(),
    formatCheck(
      'metrics + access log on the static path (o2/o1)',
      cost,
      TARGETS.operationsCost,
      cpuRatio(o2, o1),
      pairs.get('o2/o1'),
    ),
    `- signed in, against o2: ${formatRatio(ratio(o3, o2))} (no target: what a session cookie adds to a line)`,
    formatCheck(
      'traffic history recorder on the static path (t2/t1)',
      traffic,
      TARGETS.trafficCost,
      cpuRatio(t2, t1),
      pairs.get('t2/t1'),
    ),
    `- --workers 2 against --workers 1: static ${formatRatio(ratio(w2s, w1s))}, /api ${formatRatio(ratio(w2a, w1a))}` +
      ` (no target: with ${availableParallelism()} CPUs the load generator and the backend take their share)`,
    `- first load after ${REST_MS / 1000} s of rest, --no-memory-reducer against plain (i2/i1): ${formatRatio(rest)}` +
      `; by CPU per request ${formatRatio(cpuRatio(i2, i1))}` +
      ' (no target: what decision 0048 gives back)',
    ...formatNotes(rows),
    '',
  ].join('\n');
}

function formatRatio(value) {
  return value === undefined ? 'n/a' : `${(value * 100).toFixed(0)} %`;
}

async function main() {
  const dirs = [];
  const appDir = mkdtempSync(join(tmpdir(), 'portico-bench-ops-page-'));
  try {
    writeFileSync(join(appDir, 'index.html'), PAGE);
    const bare = await startBareServers(join(appDir, 'index.html'));
    // First, so that their rest overlaps the other nodes' start-up and runs.
    const plainRest = await startConfigured(() => [], bare.api, dirs, []);
    const flagRest = await startConfigured(() => [], bare.api, dirs);
    const plain = await startConfigured(() => ['--no-metrics'], bare.api, dirs);
    const observed = await startConfigured(
      (dir) => ['--access-log', join(dir, 'access.log')],
      bare.api,
      dirs,
    );
    const one = await startConfigured(() => ['--workers', '1'], bare.api, dirs);
    const two = await startConfigured(() => ['--workers', '2'], bare.api, dirs);
    const untracked = await startConfigured(() => ['--no-traffic'], bare.api, dirs);
    const tracked = await startConfigured(() => [], bare.api, dirs);
    const scenarios = [
      ['o1. static, no metrics, no access log', async () => target(plain, '/', PAGE)],
      ['o2. static, metrics + access log', async () => target(observed, '/', PAGE)],
      ['o3. static, metrics + access log, signed in', async () => signedIn(observed, '/', PAGE)],
      ['w1. static, --workers 1', async () => target(one, '/', PAGE)],
      ['w2. static, --workers 2', async () => target(two, '/', PAGE)],
      ['w1. /api (linked backend), --workers 1', async () => target(one, '/api/hello', API_BODY)],
      ['w2. /api (linked backend), --workers 2', async () => target(two, '/api/hello', API_BODY)],
      ['t1. static, metrics, --no-traffic', async () => target(untracked, '/', PAGE)],
      ['t2. static, metrics + traffic history', async () => target(tracked, '/', PAGE)],
      ['i1. static, first load after rest, plain', async () => rested(plainRest, '/', PAGE)],
      ['i2. static, first load after rest, --no-memory-reducer', async () => rested(flagRest, '/', PAGE)],
    ];
    const rows = await runRounds(scenarios, checkTarget);
    const pairs = await runPairs(scenarios, PAIRS, checkTarget);
    const report = formatReport(rows, pairs);
    process.stdout.write(`\n${report}`);
    writeResults('operations.md', report);
    process.exitCode = rows.some((row) => row.error !== undefined) ? 1 : 0;
  } finally {
    await stopChildren();
    for (const dir of [...dirs, appDir]) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

runBenchmark(main);
