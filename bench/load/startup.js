/**
 * Start-up benchmark of the CLI (issue 16 item 1): how long commands take to start and how much memory
 * `portico start` holds, each against bare `node` measured in the same run on the same machine.
 *
 *   npm run build && node bench/load/startup.js      (or npm run bench:startup)
 *
 * Measured BENCH_STARTUP_RUNS times (default 7), the scenarios of a group in turn, the median kept:
 *   a. `node -e 0`, spawn to exit (the floor of any Node.js command);
 *   b. `portico --help`, spawn to exit;
 *   c. `portico site list` against a running `portico serve`, spawn to exit;
 *   d. `node -e <listen and answer 200>`, spawn to first 200 (the floor of any Node.js server);
 *   e. `portico start <small static site>`, spawn to first 200;
 *   f. idle RSS of d and of e, one second after their first 200;
 *   g. `portico start <URL of a dev server>` (a bare node:http server standing for Vite), spawn to the
 *      first 200 through it, and its idle RSS;
 *   h. `portico start <small static site> --api <a v4 functions app>` (bench/load/functions-app), spawn
 *      to the first 200 of the page, and its idle RSS (the API's worker process not counted);
 *   i. `portico start <a folder of 3,000 files in 30 folders>`, spawn to first 200, and its idle RSS.
 * Targets: b/a <= 2, c/a <= 2, e <= 0.5 s, idle RSS of e <= 70 MB; the e/d and RSS ratios are reported
 * too, and g, h and i with no target. A miss prints BELOW but does not fail the run; a scenario that cannot run sets exit code 1.
 * Results are also written to bench/results/startup.md.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  findFreePort,
  HOST,
  ROOT,
  runBenchmark,
  spawnChild,
  stopChildren,
  waitForLine,
  writeResults,
} from './_harness.js';

const RUNS = Math.max(1, Math.round(Number(process.env.BENCH_STARTUP_RUNS) || 7));
const BIN = join(ROOT, 'bin', 'portico.js');
const POLL_MS = 5;
const FIRST_200_TIMEOUT_MS = 30_000;
const IDLE_MS = 1_000;
const MB = 1024 * 1024;

/** A Node.js server answering 200, the floor of e. */
const BARE_SERVER = `require('node:http').createServer((q, s) => s.end('ok')).listen(+process.argv[1], '${HOST}')`;

/** Milliseconds from spawning `node <args>` to its exit; rejects when it exits with an error. */
async function timeToExit(args) {
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = [];
  child.stderr.on('data', (chunk) => stderr.push(chunk));
  const [code] = await once(child, 'exit');
  if (code !== 0) {
    throw new Error(`node ${args.join(' ')} exited with ${code}: ${Buffer.concat(stderr)}`);
  }
  return performance.now() - started;
}

/** Status of one GET, or undefined when nothing listens yet. */
function status(port) {
  return new Promise((resolve) => {
    const req = request({ host: HOST, port, path: '/', agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode));
    });
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

/** RSS of a running process in bytes (Linux /proc). */
function rssOf(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((text) => text.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? Number.NaN) * 1024;
}

/** Polls `port` until it answers 200; throws when `child` exits first or after the timeout. */
async function until200(child, port, what) {
  const started = performance.now();
  while ((await status(port)) !== 200) {
    if (
      child.exitCode !== null ||
      child.signalCode !== null ||
      performance.now() - started > FIRST_200_TIMEOUT_MS
    ) {
      throw new Error(`${what} never answered 200`);
    }
    await sleep(POLL_MS);
  }
}

/** Spawns a server (in `cwd`, when given), times spawn to first 200, reads its idle RSS, stops it. */
async function timeToFirst200(args, port, cwd) {
  const started = performance.now();
  const child = spawnChild(args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(cwd === undefined ? {} : { cwd }),
  });
  await until200(child, port, `node ${args.join(' ')}`);
  const ms = performance.now() - started;
  await sleep(IDLE_MS);
  const rss = rssOf(child.pid);
  const stopped = once(child, 'exit');
  child.kill('SIGTERM');
  await stopped;
  return { ms, rss };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Runs each `[name, measure]` RUNS times, in turn (a, b, c, a, b, c, …) so that a change in the
 * machine's load hits the baseline and Portico alike, and keeps the median of each (of each field).
 */
async function interleaved(scenarios) {
  const samples = scenarios.map(() => []);
  for (let run = 0; run < RUNS; run += 1) {
    process.stderr.write(`run ${run + 1}/${RUNS}\n`);
    for (const [index, [, measure]] of scenarios.entries()) {
      samples[index].push(await measure());
    }
  }
  return samples.map((values) =>
    typeof values[0] === 'number'
      ? median(values)
      : Object.fromEntries(Object.keys(values[0]).map((key) => [key, median(values.map((v) => v[key]))])),
  );
}

/** A running `portico serve` and the arguments that reach its management API. */
async function startServe(dataDir) {
  const child = spawnChild(
    [BIN, 'serve', '--data', dataDir, '--port', '0', '--admin-port', '0', '--host', HOST],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const line = await waitForLine(child, (text) => /Management API at http/.test(text), 'portico serve');
  const adminUrl = /Management API at (http:\/\/\S+)/.exec(line)?.[1] ?? '';
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  return ['--url', adminUrl, '--token', token];
}

/** The functions app of run.js: one v4 HTTP function, `@azure/functions` from Portico's own node_modules. */
const FUNCTIONS_APP = join(ROOT, 'bench', 'load', 'functions-app');

/** A built site the size of a documentation site: 3,000 small files in 30 folders. */
function createLargeSite(dir) {
  mkdirSync(dir);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>bench</title><h1>large</h1>\n');
  for (let folder = 0; folder < 30; folder += 1) {
    mkdirSync(join(dir, `section-${folder}`));
    for (let file = 0; file < 100; file += 1) {
      writeFileSync(join(dir, `section-${folder}`, `page-${file}.html`), `<p>page ${folder}/${file}</p>\n`);
    }
  }
  return dir;
}

/** A bare node:http server standing for a framework's dev server, for the run; its URL. */
async function startDevServerStandIn() {
  const port = await findFreePort();
  const child = spawnChild(['-e', BARE_SERVER, String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  await until200(child, port, 'the stand-in dev server');
  return `http://${HOST}:${port}`;
}

function check(label, value, target, unit) {
  const verdict = value <= target ? 'PASS' : 'BELOW';
  return `- ${label}: ${verdict} (${value.toFixed(2)}${unit}, target <= ${target}${unit})`;
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'portico-bench-startup-'));
  try {
    const site = join(work, 'site');
    const data = join(work, 'data');
    mkdirSync(site);
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>bench</title><h1>hello</h1>\n');
    const connection = await startServe(data);
    const [nodeExit, help, siteList] = await interleaved([
      ['node -e 0', () => timeToExit(['-e', '0'])],
      ['portico --help', () => timeToExit([BIN, '--help'])],
      ['portico site list', () => timeToExit([BIN, 'site', 'list', ...connection])],
    ]);
    const large = createLargeSite(join(work, 'large'));
    const devServer = await startDevServerStandIn();
    // Run from the site's folder, as from a project: a dev-server start looks for its config there.
    const startAt = (args) => async () => {
      const port = await findFreePort();
      return timeToFirst200([BIN, 'start', ...args, '--port', String(port), '--host', HOST], port, site);
    };
    const [bare, start, proxied, withApi, largeStart] = await interleaved([
      [
        'bare node server',
        async () => {
          const port = await findFreePort();
          return timeToFirst200(['-e', BARE_SERVER, String(port)], port);
        },
      ],
      ['portico start', startAt([site])],
      ['portico start <dev server>', startAt([devServer])],
      ['portico start --api', startAt([site, '--api', FUNCTIONS_APP])],
      ['portico start <3,000 files>', startAt([large])],
    ]);
    const row = (label, measured) =>
      `| ${label} | ${measured.ms.toFixed(0)} | ${(measured.ms / bare.ms).toFixed(2)} | ${(measured.rss / MB).toFixed(1)} | ${(measured.rss / bare.rss).toFixed(2)} |`;
    const lines = [
      `# Start-up benchmark (${new Date().toISOString()}, ${availableParallelism()} cores, median of ${RUNS})`,
      '',
      '| Scenario | Time (ms) | vs node | Idle RSS (MB) | vs node |',
      '| --- | ---: | ---: | ---: | ---: |',
      `| node -e 0 (spawn to exit) | ${nodeExit.toFixed(0)} | 1.00 | | |`,
      `| portico --help | ${help.toFixed(0)} | ${(help / nodeExit).toFixed(2)} | | |`,
      `| portico site list (against serve) | ${siteList.toFixed(0)} | ${(siteList / nodeExit).toFixed(2)} | | |`,
      `| bare node:http server (spawn to first 200) | ${bare.ms.toFixed(0)} | 1.00 | ${(bare.rss / MB).toFixed(1)} | 1.00 |`,
      row('portico start (spawn to first 200)', start),
      row('portico start in front of a dev server (no target)', proxied),
      row('portico start --api, first 200 of the page (no target)', withApi),
      row('portico start of 3,000 files (no target)', largeStart),
      '',
      'Targets:',
      check('portico --help / node -e 0', help / nodeExit, 2, 'x'),
      check('portico site list / node -e 0', siteList / nodeExit, 2, 'x'),
      check('portico start first 200', start.ms / 1000, 0.5, ' s'),
      check('portico start idle RSS', start.rss / MB, 70, ' MB'),
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    writeResults('startup.md', `${lines.join('\n')}\n`);
  } finally {
    await stopChildren();
    rmSync(work, { recursive: true, force: true });
  }
}

runBenchmark(main);
