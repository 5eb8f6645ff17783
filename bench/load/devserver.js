/**
 * Loopback load benchmark of dev-server mode (`portico start <url>`): a real Vite dev server, measured
 * straight and through Portico in the same run.
 *
 *   npm run build && node bench/load/devserver.js
 *
 * Scenarios, each with a warm-up run that is thrown away, then a measured run:
 *   a. Vite straight: the page (`/`, Vite's transformed index.html);
 *   b. the same page through `portico start http://127.0.0.1:<vite>`;
 *   c. Vite straight: a module (`/main.js`, transformed once, then from Vite's cache);
 *   d. the same module through Portico;
 *   e. the same module through bench/load/bare-proxy.js (reference: the floor of any proxy process here).
 * Targets: b/a >= 70 % and d/c >= 70 %, each judged on the median of alternating pairs of short runs
 * (decision 0052). A miss prints BELOW but does not fail the run; a scenario that cannot run sets exit
 * code 1. Each target is checked first: Portico must answer exactly what Vite does.
 * Environment: as bench/load/run.js (BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_ROUNDS,
 * BENCH_PAIRS, BENCH_PAIR_SECONDS).
 * Results are also written to bench/results/devserver.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findFreePort,
  formatCheck,
  formatNotes,
  formatPairsNote,
  formatRow,
  HOST,
  ROOT,
  ratio,
  runBenchmark,
  runPairs,
  runRounds,
  settings,
  spawnChild,
  stopChildren,
  waitForLine,
  writeResults,
} from './_harness.js';

const TARGET = 0.7;

/** The checked ratios measured again in alternating pairs (decision 0052), as `[row, base]`. */
const PAIRS = [
  ['b', 'a'],
  ['d', 'c'],
];

/** A small Vite project: a page of about 1 KB and one module. */
function createProject() {
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-vite-'));
  const items = Array.from({ length: 12 }, (_, i) => `      <li><a href="/item/${i}">Item ${i}</a></li>`);
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '  <head><meta charset="utf-8"><title>bench</title></head>',
  ]
    .concat([
      '  <body>',
      '    <ul>',
      ...items,
      '    </ul>',
      '    <script type="module" src="/main.js"></script>',
    ])
    .concat(['  </body>', '</html>', ''])
    .join('\n');
  writeFileSync(join(dir, 'index.html'), html);
  writeFileSync(join(dir, 'main.js'), 'export const answer = 42;\ndocument.title = "bench " + answer;\n');
  writeFileSync(join(dir, 'staticwebapp.config.json'), '{ "globalHeaders": { "x-bench": "1" } }\n');
  return dir;
}

async function startVite(dir) {
  const port = await findFreePort();
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const args = [vite, dir, '--port', String(port), '--strictPort', '--host', HOST, '--clearScreen', 'false'];
  const child = spawnChild(args, {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  await waitForLine(child, (line) => line.includes('ready in'), 'vite');
  child.stdout.resume();
  return `http://${HOST}:${port}`;
}

/** The bare undici proxy of bench/load/run.js, in front of Vite (scenario e). */
async function startBareProxy(viteUrl) {
  const script = join(ROOT, 'bench', 'load', 'bare-proxy.js');
  const child = spawnChild([script, new URL(viteUrl).port], { stdio: ['pipe', 'pipe', 'pipe'] });
  const line = await waitForLine(child, (text) => text.startsWith('{'), 'bare-proxy.js');
  return `http://${HOST}:${JSON.parse(line).port}`;
}

async function startPortico(devServerUrl, configDir) {
  const port = await findFreePort();
  const args = [join(ROOT, 'bin', 'portico.js'), 'start', devServerUrl, '--swa-config-location', configDir];
  args.push('--port', String(port), '--host', HOST);
  const child = spawnChild(args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = `http://${HOST}:${port}`;
  await waitForLine(child, (line) => line.includes(url), 'portico start');
  child.stdout.resume();
  child.stderr.resume();
  return url;
}

/** Portico's answer must be Vite's: same status and body. */
async function checkTarget({ url, expected }) {
  const response = await fetch(url);
  const body = await response.text();
  if (response.status !== 200 || body !== expected) {
    throw new Error(`${url} answered ${response.status} with an unexpected body (${body.slice(0, 120)})`);
  }
}

async function target(base, path, viteUrl) {
  const expected = await (await fetch(viteUrl + path)).text();
  return { url: base + path, expected };
}

function formatRatio(value) {
  return value === undefined ? 'n/a' : `${(value * 100).toFixed(0)} %`;
}

function formatReport(rows, pairs) {
  const [a, b, c, d, e] = rows;
  return [
    '# Portico dev-server mode load benchmark',
    '',
    `${new Date().toISOString()}; Node ${process.version}; ${availableParallelism()} CPUs; ` +
      `${settings.connections} connections; ${settings.warmup} s warm-up + ${settings.duration} s per scenario; ` +
      `best of ${settings.rounds} round(s); Vite, Portico and the load generator in separate processes on loopback.`,
    '',
    '| scenario | req/s | p50 ms | p99 ms | ratio |',
    '|---|---|---|---|---|',
    formatRow(a),
    formatRow(b, ratio(b, a)),
    formatRow(c),
    formatRow(d, ratio(d, c)),
    formatRow(e, ratio(e, c)),
    '',
    `Portico against the bare proxy for the module (d/e): ${formatRatio(ratio(d, e))}; a fast upstream on few`,
    'cores mostly measures the cost of one more process hop, which any proxy pays (row e).',
    '',
    'Target check:',
    ...formatPairsNote(),
    formatCheck('page through Portico (b/a)', ratio(b, a), TARGET, undefined, pairs.get('b/a')),
    formatCheck('module through Portico (d/c)', ratio(d, c), TARGET, undefined, pairs.get('d/c')),
    ...formatNotes(rows),
    '',
  ].join('\n');
}

async function main() {
  const dir = createProject();
  try {
    const viteUrl = await startVite(dir);
    const porticoUrl = await startPortico(viteUrl, dir);
    const bareProxyUrl = await startBareProxy(viteUrl);
    const scenarios = [
      ['a. Vite straight, the page', () => target(viteUrl, '/', viteUrl)],
      ['b. portico start <vite>, the page', () => target(porticoUrl, '/', viteUrl)],
      ['c. Vite straight, a module', () => target(viteUrl, '/main.js', viteUrl)],
      ['d. portico start <vite>, the module', () => target(porticoUrl, '/main.js', viteUrl)],
      ['e. bare undici proxy to Vite, the module', () => target(bareProxyUrl, '/main.js', viteUrl)],
    ];
    const rows = await runRounds(scenarios, checkTarget);
    const pairs = await runPairs(scenarios, PAIRS, checkTarget);
    const report = formatReport(rows, pairs);
    process.stdout.write(`\n${report}`);
    writeResults('devserver.md', report);
    process.exitCode = rows.some((row) => row.error !== undefined) ? 1 : 0;
  } finally {
    await stopChildren();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBenchmark(main);
