/**
 * Loopback load benchmark: Portico against bare node:http ceilings (HOUSE-STYLE habit 9).
 *
 *   npm run build && node bench/load/run.js
 *
 * Scenarios, each with a warm-up run that is thrown away, then a measured run:
 *   a. bare node:http server answering a ~1 KB HTML file from memory (the static ceiling);
 *   b. `portico start` serving the same file;
 *   c. bare node:http backend answering a small JSON document (the /api ceiling);
 *   d. `portico start --api-devserver-url <c>` proxying /api to c.
 * Targets: b/a >= 60 % and d/c >= 50 %. A miss prints BELOW but does not fail the run; a scenario that
 * cannot run at all (e.g. Portico not built) sets exit code 1. Every target is checked with one request
 * first, so a benchmark cannot pass on broken output.
 *
 * Environment: BENCH_DURATION (seconds per measured run, default 4), BENCH_WARMUP (default 1),
 * BENCH_CONNECTIONS (default 32), BENCH_ROUNDS (default 1; with more, the four scenarios run in turn that
 * many times and each row shows its best round, which filters out noise from other work on the machine).
 * Everything listens on 127.0.0.1 only. Results are also written to bench/results/latest.md.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { API_BODY } from './bare-servers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 20_000;
const TARGETS = { static: 0.6, api: 0.5, functionsWarm: 0.4, coldStartMs: 1000 };
const API_PATH = '/api/hello';
const PAGE_PATH = '/index.html';
const FUNCTION_PATH = '/api/bench';

const settings = {
  duration: readNumber('BENCH_DURATION', 4),
  warmup: readNumber('BENCH_WARMUP', 1),
  connections: Math.round(readNumber('BENCH_CONNECTIONS', 32)),
  rounds: Math.round(readNumber('BENCH_ROUNDS', 1)),
};

/** Child processes this script started; only these are ever stopped. */
const children = [];

function readNumber(name, fallback) {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** A realistic small page of about 1 KB. */
function createPage() {
  const items = Array.from({ length: 12 }, (_, i) => `      <li><a href="/item/${i}">Item ${i}</a></li>`);
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '  <head>',
    '    <meta charset="utf-8">',
    '    <meta name="viewport" content="width=device-width, initial-scale=1">',
    '    <title>Portico load test</title>',
    '    <link rel="stylesheet" href="/site.css">',
    '  </head>',
    '  <body>',
    '    <h1>Portico load test</h1>',
    '    <p>A small static page served from memory by the bare server and from disk by Portico.</p>',
    '    <ul>',
    ...items,
    '    </ul>',
    '    <script src="/app.js" defer></script>',
    '  </body>',
    '</html>',
    '',
  ].join('\n');
  return html.padEnd(1024, '\n');
}

/** Creates the throw-away app directory that Portico serves. */
function createAppDir(html) {
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-'));
  writeFileSync(join(dir, 'index.html'), html);
  writeFileSync(join(dir, 'staticwebapp.config.json'), '{}\n');
  return dir;
}

/** Resolves with the first stdout line of `child` that `match` accepts; rejects on exit or timeout. */
function waitForLine(child, match, what) {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const stderr = [];
    child.stderr.on('data', (chunk) => stderr.push(chunk));
    const onExit = (code, signal) => fail(`exited (${signal ?? `code ${code}`}) before it was ready`);
    const fail = (reason) => {
      clearTimeout(timer);
      lines.close();
      reject(new Error(`${what} ${reason}${formatStderr(stderr)}`));
    };
    const timer = setTimeout(() => fail(`was not ready after ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    child.once('exit', onExit);
    child.once('error', (error) => fail(`could not start: ${error.message}`));
    lines.on('line', (line) => {
      if (match(line)) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(line);
      }
    });
  });
}

function formatStderr(chunks) {
  const text = Buffer.concat(chunks).toString().trim();
  return text === '' ? '' : `:\n${text.split('\n').slice(-15).join('\n')}`;
}

/** Starts bench/load/bare-servers.js in its own process and returns its ports. */
async function startBareServers(htmlFile) {
  const script = join(ROOT, 'bench', 'load', 'bare-servers.js');
  const child = spawn(process.execPath, [script, htmlFile], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  const line = await waitForLine(child, (text) => text.startsWith('{'), 'bare-servers.js');
  return JSON.parse(line);
}

/** Spawns the minimal undici proxy in front of the bare backend (scenario e). */
async function startBareProxy(apiPort) {
  const script = join(ROOT, 'bench', 'load', 'bare-proxy.js');
  const child = spawn(process.execPath, [script, String(apiPort)], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  const line = await waitForLine(child, (text) => text.startsWith('{'), 'bare-proxy.js');
  return `http://${HOST}:${JSON.parse(line).port}`;
}

/**
 * Spawns `portico start --api` on the bench's functions app and measures the cold start: from spawning
 * the process to the first successful `/api` response.
 */
async function startPorticoWithFunctions(appDir) {
  const port = await findFreePort();
  const apiDir = join(ROOT, 'bench', 'load', 'functions-app');
  const args = [
    join(ROOT, 'bin', 'portico.js'),
    'start',
    appDir,
    '--api',
    apiDir,
    '--port',
    String(port),
    '--host',
    HOST,
  ];
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  child.stdout.resume();
  child.stderr.resume();
  const url = `http://${HOST}:${port}`;
  await waitForOk(`${url}${FUNCTION_PATH}`, child);
  return { url, coldStartMs: performance.now() - started };
}

async function waitForOk(url, child) {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline && child.exitCode === null) {
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`portico start --api did not answer ${url} within 30 s`);
}

/** A port that was free a moment ago (Portico takes a fixed --port). */
async function findFreePort() {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** Spawns `portico start` and waits for the line announcing its URL (CONTRACT §2). */
async function startPortico(appDir, apiPort) {
  const port = await findFreePort();
  const args = [join(ROOT, 'bin', 'portico.js'), 'start', appDir];
  args.push('--api-devserver-url', `http://${HOST}:${apiPort}`, '--port', String(port), '--host', HOST);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const url = `http://${HOST}:${port}`;
  await waitForLine(child, (line) => line.includes(url), 'portico start');
  // Keep draining its output so a chatty server never blocks on a full pipe.
  child.stdout.resume();
  return url;
}

/** One request, checked, so a benchmark cannot pass on broken output. */
async function checkTarget(url, expected) {
  const response = await fetch(url);
  const body = await response.text();
  if (response.status !== 200 || body !== expected) {
    throw new Error(`${url} answered ${response.status} with an unexpected body (${body.slice(0, 120)})`);
  }
}

async function measure(url) {
  const base = { url, connections: settings.connections, pipelining: 1 };
  await autocannon({ ...base, duration: settings.warmup });
  const result = await autocannon({ ...base, duration: settings.duration });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bad: result.non2xx + result.errors + result.timeouts,
    total: result.requests.total,
  };
}

/** Runs one scenario; a failure is recorded in the row instead of stopping the whole run. */
async function runScenario(name, prepare, round) {
  process.stderr.write(`round ${round}/${settings.rounds}: ${name} ...\n`);
  try {
    const { url, expected } = await prepare();
    await checkTarget(url, expected);
    return { name, ...(await measure(url)) };
  } catch (error) {
    return { name, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Runs the six scenarios, `settings.rounds` times in turn, keeping each one's best round. */
async function runAll(bare, porticoUrl, html, bareProxyUrl, functionsUrl) {
  const page = (base) => ({ url: base + PAGE_PATH, expected: html });
  const api = (base) => ({ url: base + API_PATH, expected: API_BODY });
  const scenarios = [
    ['a. bare node:http, 1 KB HTML', async () => page(`http://${HOST}:${bare.static}`)],
    ['b. portico static, same file', async () => page(await porticoUrl())],
    ['c. bare node:http backend, JSON', async () => api(`http://${HOST}:${bare.api}`)],
    ['d. portico /api proxy to c', async () => api(await porticoUrl())],
    ['e. bare undici proxy to c (reference)', async () => api(await bareProxyUrl())],
    [
      'f. portico --api, the same JSON from a v4 function',
      async () => ({ url: (await functionsUrl()) + FUNCTION_PATH, expected: API_BODY }),
    ],
  ];
  let best = [];
  for (let round = 1; round <= settings.rounds; round += 1) {
    const rows = [];
    for (const [name, prepare] of scenarios) {
      rows.push(await runScenario(name, prepare, round));
    }
    best = round === 1 ? rows : rows.map((row, i) => pickBest(best[i], row));
  }
  return best;
}

function pickBest(previous, next) {
  if (previous.error !== undefined || next.error !== undefined) {
    return previous.error !== undefined ? previous : next;
  }
  return next.rps > previous.rps ? next : previous;
}

function ratio(row, base) {
  return row.rps !== undefined && base.rps ? row.rps / base.rps : undefined;
}

function formatRow(row, value) {
  if (row.error !== undefined) {
    return `| ${row.name} | n/a | n/a | n/a | n/a |`;
  }
  const shown = value === undefined ? '1.00 (ceiling)' : value.toFixed(2);
  return `| ${row.name} | ${Math.round(row.rps)} | ${row.p50} | ${row.p99} | ${shown} |`;
}

function formatRatio(value) {
  return value === undefined ? 'n/a' : `${(value * 100).toFixed(0)} %`;
}

function formatCheck(label, value, target) {
  if (value === undefined) {
    return `- ${label}: NOT RUN (target >= ${target * 100} %)`;
  }
  const verdict = value >= target ? 'PASS' : 'BELOW';
  return `- ${label}: ${verdict} (${(value * 100).toFixed(0)} %, target >= ${target * 100} %)`;
}

function formatColdStart(ms) {
  if (ms === undefined) {
    return `- managed function cold start: NOT RUN (target <= ${TARGETS.coldStartMs} ms)`;
  }
  const verdict = ms <= TARGETS.coldStartMs ? 'PASS' : 'ABOVE';
  return `- managed function cold start (spawn to first /api 200): ${verdict} (${Math.round(ms)} ms, target <= ${TARGETS.coldStartMs} ms)`;
}

function formatReport(rows, coldStartMs) {
  const [a, b, c, d, e, f] = rows;
  const staticRatio = ratio(b, a);
  const apiRatio = ratio(d, c);
  const lines = [
    '# Portico load benchmark',
    '',
    `${new Date().toISOString()}; Node ${process.version}; ${availableParallelism()} CPUs; ` +
      `${settings.connections} connections; ${settings.warmup} s warm-up + ${settings.duration} s per scenario; ` +
      `best of ${settings.rounds} round(s); load generator, bare servers and Portico in separate processes ` +
      'on loopback.',
    '',
    '| scenario | req/s | p50 ms | p99 ms | ratio |',
    '|---|---|---|---|---|',
    formatRow(a),
    formatRow(b, staticRatio),
    formatRow(c),
    formatRow(d, apiRatio),
    formatRow(e, ratio(e, c)),
    formatRow(f, ratio(f, c)),
    '',
    `Portico /api against the bare proxy (d/e): ${formatRatio(ratio(d, e))}; what is left is the cost of any`,
    'proxy process on this machine (one more socket write and read per request, and one more process on the',
    'same cores).',
    '',
    'Target check:',
    formatCheck('static (b/a)', staticRatio, TARGETS.static),
    formatCheck('api (d/c)', apiRatio, TARGETS.api),
    formatCheck('managed function warm (f/c)', ratio(f, c), TARGETS.functionsWarm),
    formatColdStart(coldStartMs),
  ];
  return [...lines, ...formatNotes(rows), ''].join('\n');
}

function formatNotes(rows) {
  const notes = [];
  for (const row of rows) {
    if (row.error !== undefined) {
      notes.push(`- ${row.name} did not run: ${row.error}`);
    } else if (row.bad > 0) {
      notes.push(`- ${row.name}: ${row.bad} of ${row.total} responses were errors, timeouts or non-2xx.`);
    }
  }
  return notes.length === 0 ? [] : ['', 'Notes:', ...notes];
}

function writeResults(report) {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.md'), report);
  process.stderr.write(`\nwritten to ${join('bench', 'results', 'latest.md')}\n`);
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

async function stopChildren() {
  await Promise.all(children.map(stopChild));
}

async function main() {
  const html = createPage();
  const appDir = createAppDir(html);
  try {
    const bare = await startBareServers(join(appDir, 'index.html'));
    // Started (and awaited) before any measurement, so its start-up never overlaps a run.
    const portico = await startPortico(appDir, bare.api).catch((error) => error);
    const porticoUrl = async () => {
      if (portico instanceof Error) {
        throw portico;
      }
      return portico;
    };
    const bareProxy = await startBareProxy(bare.api);
    const functions = await startPorticoWithFunctions(appDir).catch((error) => error);
    const functionsUrl = async () => {
      if (functions instanceof Error) {
        throw functions;
      }
      return functions.url;
    };
    const rows = await runAll(bare, porticoUrl, html, async () => bareProxy, functionsUrl);
    const report = formatReport(rows, functions instanceof Error ? undefined : functions.coldStartMs);
    process.stdout.write(`\n${report}`);
    writeResults(report);
    process.exitCode = rows.some((row) => row.error !== undefined) ? 1 : 0;
  } finally {
    await stopChildren();
    rmSync(appDir, { recursive: true, force: true });
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    void stopChildren().finally(() => process.exit(130));
  });
}

main().catch((error) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
