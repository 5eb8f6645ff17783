/**
 * CPU time per warm managed-function call, by process (decision 0033): what one `/api` request costs the
 * edge (with the supervisor, in the same process) and the worker(s), in microseconds of CPU, counted from
 * /proc. Unlike requests per second, CPU per request barely moves when other work shares the machine,
 * so it compares builds honestly on a busy machine. Linux only.
 *
 *   npm run build && node bench/load/functions-cost.js
 *
 * Rows: `portico start --api` on the bench's functions app with one worker, with
 * FUNCTIONS_WORKER_PROCESS_COUNT=2, and, with BENCH_BASELINE=<a folder holding another build's bin/ and
 * dist/>, that build with one worker (before and after in the same run). Each row sends BENCH_REQUESTS
 * (default 20 000) requests over BENCH_CONNECTIONS (default 32) keep-alive connections after a warm-up,
 * BENCH_ROUNDS times in turn (default 1; 3 on a shared machine), and keeps its cheapest round. Results also go to
 * bench/results/functions-cost.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
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
import { API_BODY } from './bare-servers.js';

const FUNCTION_PATH = '/api/bench';
const REQUESTS = Number(process.env.BENCH_REQUESTS) > 0 ? Number(process.env.BENCH_REQUESTS) : 20_000;
const WARMUP_REQUESTS = 2_000;
/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** Starts `portico start --api` from `root` and resolves once the function answers. */
async function startFunctions({ root = ROOT, workers = 1 }) {
  const port = await findFreePort();
  const args = [join(root, 'bin', 'portico.js'), 'start', join(ROOT, 'bench', 'load', 'functions-app')];
  args.push('--api', join(ROOT, 'bench', 'load', 'functions-app'), '--port', String(port), '--host', HOST);
  const env = { ...process.env, FUNCTIONS_WORKER_PROCESS_COUNT: String(workers) };
  const child = spawnChild(args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'ignore'] });
  const url = `http://${HOST}:${port}${FUNCTION_PATH}`;
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    const body = await fetch(url).then(
      (response) => (response.ok ? response.text() : undefined),
      () => undefined,
    );
    if (body === API_BODY) {
      return { url, pid: child.pid };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`portico start --api from ${root} did not answer ${url} within 60 s`);
}

/** utime + stime, in ticks, of `pid` and of each of its descendants, by role. */
function cpuTicks(rootPid) {
  const parents = new Map();
  const ticks = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(name), Number(fields[1]));
      ticks.set(Number(name), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The process ended while the table was read.
    }
  }
  const isBelow = (pid) => {
    for (let at = parents.get(pid); at !== undefined && at > 1; at = parents.get(at)) {
      if (at === rootPid) {
        return true;
      }
    }
    return false;
  };
  let workers = 0;
  for (const [pid, value] of ticks) {
    if (isBelow(pid)) {
      workers += value;
    }
  }
  return { edge: ticks.get(rootPid) ?? 0, workers };
}

/** One measured round: CPU microseconds per request of the edge and of the workers. */
async function measureRound(target) {
  await autocannon({ url: target.url, connections: settings.connections, amount: WARMUP_REQUESTS });
  const before = cpuTicks(target.pid);
  const result = await autocannon({ url: target.url, connections: settings.connections, amount: REQUESTS });
  const after = cpuTicks(target.pid);
  const done = result.requests.total;
  const bad = result.non2xx + result.errors + result.timeouts;
  const perRequest = (ticks) => (ticks * 1_000_000) / TICKS_PER_SECOND / done;
  return {
    edgeUs: perRequest(after.edge - before.edge),
    workerUs: perRequest(after.workers - before.workers),
    rps: result.requests.average,
    bad,
  };
}

function formatRow(name, row) {
  if (row === undefined) {
    return `| ${name} | n/a | n/a | n/a | n/a |`;
  }
  const total = row.edgeUs + row.workerUs;
  return `| ${name} | ${row.edgeUs.toFixed(0)} | ${row.workerUs.toFixed(0)} | ${total.toFixed(0)} | ${Math.round(row.rps)} |`;
}

async function main() {
  if (process.platform !== 'linux') {
    throw new Error('functions-cost.js reads /proc and runs on Linux only');
  }
  const rows = [
    ['portico --api, 1 worker', { workers: 1 }],
    ['portico --api, FUNCTIONS_WORKER_PROCESS_COUNT=2', { workers: 2 }],
    ...(settings.baselineRoot === undefined
      ? []
      : [[`the build in ${settings.baselineRoot}, 1 worker`, { root: settings.baselineRoot }]]),
  ];
  try {
    const targets = [];
    for (const [, options] of rows) {
      targets.push(await startFunctions(options));
    }
    const best = rows.map(() => undefined);
    for (let round = 1; round <= settings.rounds; round += 1) {
      for (const [index, [name]] of rows.entries()) {
        process.stderr.write(`round ${round}/${settings.rounds}: ${name} ...\n`);
        const row = await measureRound(targets[index]);
        const previous = best[index];
        if (previous === undefined || row.edgeUs + row.workerUs < previous.edgeUs + previous.workerUs) {
          best[index] = row;
        }
      }
    }
    const report = [
      '# Managed functions: CPU per warm call',
      '',
      `${new Date().toISOString()}; Node ${process.version}; ${availableParallelism()} CPUs; ` +
        `${REQUESTS} requests over ${settings.connections} connections per round; cheapest of ` +
        `${settings.rounds} round(s). CPU from /proc (10 ms ticks), so rows compare; req/s depends on ` +
        'what else runs on the machine.',
      '',
      '| scenario | edge + supervisor µs | worker(s) µs | total µs | req/s |',
      '|---|---|---|---|---|',
      ...rows.map(([name], index) => formatRow(name, best[index])),
      '',
      ...best.filter((row) => row !== undefined && row.bad > 0).map(() => 'Some responses were errors.'),
    ].join('\n');
    process.stdout.write(`\n${report}\n`);
    writeResults('functions-cost.md', `${report}\n`);
  } finally {
    await stopChildren();
  }
}

runBenchmark(main);
