/**
 * What the load benchmarks (run.js, gateway.js) share: settings from the environment, child processes
 * started and always stopped, waiting for a ready line, a `portico serve` to measure, free ports, one autocannon measurement with its
 * warm-up, best-of-rounds, ratios measured in alternating pairs, and the Markdown report's rows, checks and
 * notes.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 20_000;

function readNumber(name, fallback) {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** BENCH_DURATION, BENCH_WARMUP (seconds), BENCH_CONNECTIONS, BENCH_ROUNDS, BENCH_PAIRS, BENCH_PAIR_SECONDS. */
export const settings = {
  duration: readNumber('BENCH_DURATION', 4),
  warmup: readNumber('BENCH_WARMUP', 1),
  connections: Math.round(readNumber('BENCH_CONNECTIONS', 32)),
  rounds: Math.round(readNumber('BENCH_ROUNDS', 1)),
  /** Alternating pairs of runs behind each checked ratio ({@link runPairs}); `BENCH_PAIRS=off` skips them. */
  pairs: process.env.BENCH_PAIRS === 'off' ? 0 : Math.round(readNumber('BENCH_PAIRS', 5)),
  /** Seconds of each run of a pair. */
  pairSeconds: readNumber('BENCH_PAIR_SECONDS', 2),
  /** Another checkout (built) whose managed functions run as one more row, to compare before and after. */
  baselineRoot: process.env.BENCH_BASELINE || undefined,
  /** Letters of the scenarios to run (`BENCH_ONLY=c,f,g`); every scenario when unset. */
  only: process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : undefined,
};

/** Child processes this script started; only these are ever stopped. */
const children = [];

/** Spawns a Node child that {@link stopChildren} will stop. */
export function spawnChild(args, options) {
  return spawnProcess(process.execPath, args, options);
}

/** Spawns any program (nginx) as a child that {@link stopChildren} will stop. */
export function spawnProcess(command, args, options) {
  const child = spawn(command, args, options);
  children.push(child);
  return child;
}

/** Resolves with the first stdout line of `child` that `match` accepts; rejects on exit or timeout. */
export function waitForLine(child, match, what) {
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

/**
 * Spawns `portico serve` on `dataDir` with `flags` (after the data folder, loopback ports and the
 * `portico.test` domain) and resolves once it announces it is ready, with its ports, admin URL, admin
 * token and pid; its output keeps draining so a chatty server never blocks on a full pipe.
 * BENCH_CPU_PROF=<dir> writes a CPU profile of it there (Node refuses --cpu-prof in NODE_OPTIONS);
 * `nodeFlags` and BENCH_SERVE_NODE_FLAGS (e.g. `--min-semi-space-size=32`) are Node flags it is started with. With
 * `gc: true` it runs with `--trace-gc-nvp`, and the result's `gc` counts its young-generation work
 * ({@link trackGc}) for {@link measure}.
 */
export async function startServe(dataDir, flags = [], { gc = false, nodeFlags: ownFlags = [] } = {}) {
  const [port, adminPort] = [await findFreePort(), await findFreePort()];
  const token = randomBytes(16).toString('hex');
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const nodeFlags = [...ownFlags, ...(process.env.BENCH_SERVE_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])];
  const args = [
    ...profile,
    ...nodeFlags,
    ...(gc ? ['--trace-gc-nvp'] : []),
    join(ROOT, 'bin', 'portico.js'),
    'serve',
    '--data',
    dataDir,
    '--host',
    HOST,
  ];
  args.push('--port', String(port), '--admin-port', String(adminPort), '--domain', 'portico.test', ...flags);
  const child = spawnChild(args, {
    cwd: ROOT,
    env: { ...process.env, PORTICO_ADMIN_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitForLine(child, (line) => line.startsWith('Portico service ready at'), 'portico serve');
  const totals = gc ? trackGc(child) : undefined;
  child.stdout.resume();
  child.stderr.resume();
  return {
    port,
    adminPort,
    adminUrl: `http://${HOST}:${adminPort}`,
    token,
    pid: child.pid,
    ...(totals === undefined ? {} : { gc: totals }),
  };
}

/**
 * V8's young-generation work in a process started with `--trace-gc-nvp`, counted from its scavenge
 * lines as they arrive: bytes allocated, and bytes that survived long enough to be promoted to the old
 * generation. Unlike req/s and CPU time, these hardly move with other work on the machine, so a change
 * that keeps per-request objects alive (in a long-lived set, say) shows as promoted bytes per request.
 */
function trackGc(child) {
  const totals = { allocated: 0, promoted: 0 };
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.includes(' gc=s ')) {
      totals.allocated += numberAfter(line, ' allocated=');
      totals.promoted += numberAfter(line, ' promoted=');
    }
  });
  return totals;
}

function numberAfter(line, key) {
  const start = line.indexOf(key);
  return start === -1 ? 0 : Number.parseInt(line.slice(start + key.length), 10) || 0;
}

function formatStderr(chunks) {
  const text = Buffer.concat(chunks).toString().trim();
  return text === '' ? '' : `:\n${text.split('\n').slice(-15).join('\n')}`;
}

/**
 * Spawns one of the comparison proxies of bench/load (bare-proxy.js, fast-gateway-proxy.js) in front of
 * the backend on `apiPort`, with `env` added to this process's environment; resolves with its URL and pid.
 */
export async function startProxyScript(file, apiPort, { env = {}, nodeFlags = [] } = {}) {
  const script = join(ROOT, 'bench', 'load', file);
  const child = spawnChild([...nodeFlags, script, String(apiPort)], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const line = await waitForLine(child, (text) => text.startsWith('{'), file);
  return { url: `http://${HOST}:${JSON.parse(line).port}`, pid: child.pid };
}

/** Starts bench/load/bare-servers.js in its own process and returns its ports `{ static, api }` and `pid`. */
export async function startBareServers(htmlFile) {
  const script = join(ROOT, 'bench', 'load', 'bare-servers.js');
  const child = spawnChild([script, htmlFile], { stdio: ['pipe', 'pipe', 'pipe'] });
  const line = await waitForLine(child, (text) => text.startsWith('{'), 'bare-servers.js');
  return { ...JSON.parse(line), pid: child.pid };
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** `pid` and its descendants (a worker process, nginx's workers), read from /proc now. */
function processTree(pid) {
  let children = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean);
  } catch {
    // Not Linux, or the process is gone: only the process itself.
  }
  return [pid, ...children.flatMap((child) => processTree(Number(child)))];
}

/** User + system CPU time, in seconds, of `pids` and their descendants; undefined when /proc cannot say. */
function readCpuSeconds(pids) {
  try {
    let ticks = 0;
    for (const pid of pids.flatMap(processTree)) {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** A port that was free a moment ago (Portico takes fixed ports). */
export async function findFreePort() {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** Resolves once `port` on 127.0.0.1 accepts connections; rejects when `child` exits or after 20 s. */
export async function waitForPort(port, child, what) {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (child.exitCode === null && child.signalCode === null) {
    if (await canConnect(port)) {
      return;
    }
    if (performance.now() > deadline) {
      throw new Error(`${what} was not listening after ${READY_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${what} exited (${child.signalCode ?? `code ${child.exitCode}`}) before it was ready`);
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = connect(port, HOST);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A warm-up run that is thrown away, then the measured run. With `pids` (the processes that serve the
 * target), also their CPU time per request (`cpuUs`, microseconds, children included): on a machine
 * shared with other work, req/s moves with the neighbours' load, CPU per request much less. With `gc` (a
 * `portico serve`'s counts from {@link startServe}), also the KB its young generation allocated and the
 * bytes it promoted per request (`allocatedKb`, `promotedBytes`).
 */
export async function measure(target) {
  await load(target, settings.warmup);
  return load(target, settings.duration, { latency: true });
}

/** One autocannon run of `seconds` on `target`, with the CPU and GC counts of {@link measure}. */
async function load({ url, headers, pids, gc }, seconds, { latency = false } = {}) {
  const cpuBefore = pids === undefined ? undefined : readCpuSeconds(pids);
  const gcBefore = gc === undefined ? undefined : { ...gc };
  const result = await autocannon({
    url,
    headers,
    connections: settings.connections,
    pipelining: 1,
    duration: seconds,
  });
  const cpuAfter = cpuBefore === undefined ? undefined : readCpuSeconds(pids);
  const total = result.requests.total;
  const cpu = cpuAfter === undefined || total === 0 ? {} : { cpuUs: ((cpuAfter - cpuBefore) * 1e6) / total };
  const young =
    gcBefore === undefined || total === 0
      ? {}
      : {
          allocatedKb: (gc.allocated - gcBefore.allocated) / 1024 / total,
          promotedBytes: (gc.promoted - gcBefore.promoted) / total,
        };
  return {
    rps: result.requests.average,
    ...(latency ? { p50: result.latency.p50, p99: result.latency.p99 } : {}),
    bad: result.non2xx + result.errors + result.timeouts,
    total,
    ...cpu,
    ...young,
  };
}

/**
 * Runs one scenario: `prepare` gives its target, `check` proves the target answers correctly, then it is
 * measured. A failure is recorded in the row instead of stopping the whole run.
 */
export async function runScenario(name, prepare, check, round) {
  if (settings.only !== undefined && !settings.only.has(idOf(name))) {
    return { name, error: 'skipped (BENCH_ONLY)' };
  }
  process.stderr.write(`round ${round}/${settings.rounds}: ${name} ...\n`);
  try {
    const target = await prepare();
    await check(target);
    return { name, ...(await measure(target)) };
  } catch (error) {
    return { name, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Runs the scenarios `settings.rounds` times in turn and keeps each one's best round (req/s; CPU: least). */
export async function runRounds(scenarios, check) {
  let best = [];
  for (let round = 1; round <= settings.rounds; round += 1) {
    const rows = [];
    for (const [name, prepare] of scenarios) {
      rows.push(await runScenario(name, prepare, check, round));
    }
    best = round === 1 ? rows : rows.map((row, i) => pickBest(best[i], row));
  }
  return best;
}

function pickBest(previous, next) {
  if (previous.error !== undefined || next.error !== undefined) {
    return previous.error !== undefined ? previous : next;
  }
  const best = { ...(next.rps > previous.rps ? next : previous) };
  // CPU and GC per request: the least of the rounds, the one least disturbed by other work on the machine.
  for (const key of ['cpuUs', 'allocatedKb', 'promotedBytes']) {
    const least = Math.min(previous[key] ?? Number.POSITIVE_INFINITY, next[key] ?? Number.POSITIVE_INFINITY);
    if (Number.isFinite(least)) {
      best[key] = least;
    }
  }
  return best;
}

/** The id of a scenario: its name up to the first dot (`d`, `g4`), as BENCH_ONLY names it. */
function idOf(name) {
  return name.split('.', 1)[0] ?? '';
}

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The ratios a report checks, each measured in `settings.pairs` alternating pairs of short runs (decision
 * 0052). Other work on a shared machine moves req/s by more than the differences these targets are about:
 * two rows measured a minute apart see two different machines, two runs seconds apart a closer one. So
 * each pair runs `row` and `base` for `settings.pairSeconds` each, back to back, in the opposite order to
 * the pair before (a b, b a, …, so a drift favours neither), after one warm-up run of each. A pair's ratio
 * is `row`'s req/s over `base`'s; the median of the pairs is kept, with the lowest and highest. A run with
 * a bad answer fails the pairs, as a row would. `wanted` lists `[row id, base id]`; a pair whose row is
 * not among `scenarios` (left out, as nginx's when it is not installed) or not in BENCH_ONLY is skipped.
 * `scenarios` and `check` are those of {@link runRounds}. Answers a map from `row/base` to `{ ratio, low, high, cpu,
 * count }` (`cpu`: the median of `base`'s CPU time per request over `row`'s), or to `{ error }`.
 */
export async function runPairs(scenarios, wanted, check) {
  const results = new Map();
  if (settings.pairs === 0) {
    return results;
  }
  const byId = new Map(scenarios.map(([name, prepare]) => [idOf(name), prepare]));
  const skipped = (id) => !byId.has(id) || (settings.only !== undefined && !settings.only.has(id));
  for (const [rowId, baseId] of wanted) {
    if (skipped(rowId) || skipped(baseId)) {
      continue;
    }
    const key = `${rowId}/${baseId}`;
    process.stderr.write(`pairs: ${key} ...\n`);
    try {
      results.set(
        key,
        await measurePairs(await prepared(byId, rowId, check), await prepared(byId, baseId, check)),
      );
    } catch (error) {
      results.set(key, { error: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}

async function prepared(byId, id, check) {
  const target = await byId.get(id)();
  await check(target);
  return target;
}

async function measurePairs(row, base) {
  await load(row, settings.warmup);
  await load(base, settings.warmup);
  const ratios = [];
  const cpus = [];
  for (let pair = 0; pair < settings.pairs; pair += 1) {
    const [first, second] = pair % 2 === 0 ? [row, base] : [base, row];
    const firstRun = await load(first, settings.pairSeconds);
    const secondRun = await load(second, settings.pairSeconds);
    const [rowRun, baseRun] = pair % 2 === 0 ? [firstRun, secondRun] : [secondRun, firstRun];
    for (const run of [rowRun, baseRun]) {
      // As for the rows, a ratio never rests on broken answers.
      if (run.bad > 0) {
        throw new Error(`${run.bad} of ${run.total} responses were errors, timeouts or non-2xx`);
      }
    }
    const pairRatio = ratio(rowRun, baseRun);
    if (pairRatio !== undefined) {
      ratios.push(pairRatio);
    }
    const cpu = cpuRatio(rowRun, baseRun);
    if (cpu !== undefined) {
      cpus.push(cpu);
    }
  }
  if (ratios.length === 0) {
    throw new Error('no request was answered');
  }
  return {
    ratio: median(ratios),
    low: Math.min(...ratios),
    high: Math.max(...ratios),
    ...(cpus.length === 0 ? {} : { cpu: median(cpus) }),
    count: ratios.length,
  };
}

/** `row` over `base` in requests per second, or undefined when either did not run. */
export function ratio(row, base) {
  return row.rps !== undefined && base.rps ? row.rps / base.rps : undefined;
}

/**
 * A table row; `value` is the row's ratio (none for the ceiling). With `cpu`, a column holds the serving
 * processes' CPU time per request ({@link measure}); with `gc`, two more hold the KB allocated and the
 * bytes promoted per request ({@link trackGc}); for tables whose header has those columns.
 */
export function formatRow(row, value, { cpu = false, gc = false } = {}) {
  const cells = [];
  if (cpu) {
    cells.push(cell(row.cpuUs, 0));
  }
  if (gc) {
    cells.push(cell(row.allocatedKb, 1), cell(row.promotedBytes, 0));
  }
  const extra = cells.map((text) => ` ${text} |`).join('');
  if (row.error !== undefined) {
    return `| ${row.name} | n/a | n/a | n/a | n/a |${cells.map(() => ' n/a |').join('')}`;
  }
  const shown = value === undefined ? '1.00 (ceiling)' : value.toFixed(2);
  return `| ${row.name} | ${Math.round(row.rps)} | ${row.p50} | ${row.p99} | ${shown} |${extra}`;
}

function cell(number, digits) {
  return number === undefined ? 'n/a' : number.toFixed(digits);
}

/**
 * `base`'s CPU time per request over `row`'s: what `row`'s req/s ratio to `base` would be if each were
 * bound by its own CPU alone. Steadier than req/s on a machine whose cores the load generator and the
 * backends share; undefined when either row has no CPU column.
 */
export function cpuRatio(row, base) {
  return row.cpuUs > 0 && base.cpuUs > 0 ? base.cpuUs / row.cpuUs : undefined;
}

/** The report's line on how checked ratios were measured, or none without pairs. */
export function formatPairsNote() {
  return settings.pairs === 0
    ? []
    : [
        `Checks with alternating pairs: ${settings.pairs} pairs of ${settings.pairSeconds} s runs of the row and its base, ` +
          'back to back, in turn first, after a warm-up of each; the verdict is on the median pair (decision 0052).',
      ];
}

const percent = (value) => `${(value * 100).toFixed(0)} %`;

/** The median of `paired` with its range and CPU ratio, then the table rows' ratio (`value`, `cpu`). */
function describePaired(paired, value, cpu) {
  const range = `${(paired.low * 100).toFixed(0)}–${percent(paired.high)}`;
  const pairCpu = paired.cpu === undefined ? '' : `, by CPU per request ${percent(paired.cpu)}`;
  const rowCpu = cpu === undefined ? '' : `, by CPU ${percent(cpu)}`;
  const rows = value === undefined ? '' : `; the table's rows ${percent(value)}${rowCpu}`;
  return `${percent(paired.ratio)}: median of ${paired.count} alternating pairs, range ${range}${pairCpu}${rows}`;
}

/** The CPU ratio of the table's rows, when there is one (for the end of a line). */
function byCpu(cpu) {
  return cpu === undefined ? '' : `; by CPU per request ${percent(cpu)}`;
}

/** Why a ratio has no pairs behind it, when they were tried and failed (for the end of a line). */
function pairsFailure(paired) {
  return paired?.error === undefined ? '' : `; pairs did not run: ${paired.error}`;
}

/**
 * A target line: PASS or BELOW, or NOT RUN. With `paired` (a result of {@link runPairs}), the verdict is on
 * its median, and the rows' ratio is shown beside it; else it is on `value`, the ratio of the table's rows
 * (req/s). `cpu`, when given ({@link cpuRatio}), is shown for the reader.
 */
export function formatCheck(label, value, target, cpu, paired) {
  if (paired !== undefined && paired.error === undefined) {
    const verdict = paired.ratio >= target ? 'PASS' : 'BELOW';
    return `- ${label}: ${verdict} (${describePaired(paired, value, cpu)}; target >= ${target * 100} %)`;
  }
  if (value === undefined) {
    return `- ${label}: NOT RUN (target >= ${target * 100} %)`;
  }
  const verdict = value >= target ? 'PASS' : 'BELOW';
  return `- ${label}: ${verdict} (${percent(value)}, target >= ${target * 100} %${byCpu(cpu)}${pairsFailure(paired)})`;
}

/**
 * A ratio shown beside the checks to explain one of them, with no target of its own: measured as a
 * checked ratio is ({@link formatCheck}), without a verdict.
 */
export function formatReference(label, value, cpu, paired) {
  if (paired !== undefined && paired.error === undefined) {
    return `- ${label}: ${describePaired(paired, value, cpu)}`;
  }
  if (value === undefined) {
    return `- ${label}: NOT RUN`;
  }
  return `- ${label}: ${percent(value)}${byCpu(cpu)}${pairsFailure(paired)}`;
}

/** Notes on scenarios that did not run or had bad responses. */
export function formatNotes(rows) {
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

/** Writes the report to bench/results/<file>. */
export function writeResults(file, report) {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), report);
  process.stderr.write(`\nwritten to ${join('bench', 'results', file)}\n`);
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

/** Stops every child this script started. */
export async function stopChildren() {
  await Promise.all(children.map(stopChild));
}

/** Runs `main`, stopping the children on SIGINT/SIGTERM and reporting a failure with exit code 1. */
export function runBenchmark(main) {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      void stopChildren().finally(() => process.exit(130));
    });
  }
  main().catch((error) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
