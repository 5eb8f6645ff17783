/**
 * Deploy benchmark (issue 16 item 2): the wall time of `portico deploy` (the built CLI, spawn to exit)
 * against a running `portico serve`, for a site with static files and an API with a dependency that the
 * server installs:
 *
 *   npm run build && node bench/load/deploy.js      (or npm run bench:deploy)
 *
 *   1. first deploy (every file uploaded, npm install on the server, the API started on first call);
 *   2. the same content again, BENCH_DEPLOY_RUNS times (default 5), the median kept: nothing to upload,
 *      no npm, the live files and the running API kept;
 *   3. the server's part of 2 alone: create and commit over REST from this process, as often;
 *   4. one static file changed, as often, the median kept: one upload, the installed dependencies reused,
 *      the running API kept (decision 0047).
 * Each deploy is checked: the page serves its content and `/api` answers 200 afterwards. Target:
 * the unchanged deploy <= 1 s. `portico --version` (spawn to exit) is the floor of any CLI command and
 * is measured in the same run. Results are also written to bench/results/deploy.md.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOST, ROOT, runBenchmark, startServe, stopChildren, writeResults } from './_harness.js';

const RUNS = Math.max(1, Math.round(Number(process.env.BENCH_DEPLOY_RUNS) || 5));
const BIN = join(ROOT, 'bin', 'portico.js');
const SITES_PATH =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/portico/providers/Microsoft.Web/staticSites';
const API_FIXTURE = join(ROOT, 'bench', 'load', 'functions-app');
const STATIC_FILES = 40;
const TARGET_UNCHANGED_S = 1;

/** A static site of {@link STATIC_FILES} small files plus index.html saying `marker`. */
function writeSite(dir, marker) {
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), `<!doctype html><title>bench</title><h1>${marker}</h1>\n`);
  for (let i = 0; i < STATIC_FILES; i += 1) {
    writeFileSync(
      join(dir, 'assets', `part-${i}.js`),
      `export const part${i} = ${'"x".repeat(40);'.repeat(20)}\n`,
    );
  }
}

/** Runs the built CLI; resolves with its stdout and the milliseconds from spawn to exit. */
async function runCli(args) {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = [];
  const err = [];
  child.stdout.on('data', (chunk) => out.push(chunk));
  child.stderr.on('data', (chunk) => err.push(chunk));
  const [code] = await once(child, 'exit');
  const ms = performance.now() - started;
  if (code !== 0) {
    throw new Error(`portico ${args.join(' ')} exited with ${code}: ${Buffer.concat(err)}`);
  }
  return { ms, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/** One GET with a `Host` header (fetch does not let a script set it). */
function get(port, host, path) {
  return new Promise((resolve, reject) => {
    const req = request({ host: HOST, port, path, headers: { host }, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
    });
    req.once('error', reject);
    req.end();
  });
}

/** A JSON call of the management or deployment API. */
async function callApi(adminUrl, method, path, token, body) {
  const response = await fetch(`${adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  }
  return text === '' ? undefined : JSON.parse(text);
}

/** The file list of a folder as the deployment API wants it (sorted `/` paths, sizes, SHA-256). */
function listFiles(dir, prefix = '') {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => {
      const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) {
        return listFiles(dir, path);
      }
      const data = readFileSync(join(dir, path));
      return [{ path, size: data.length, sha256: createHash('sha256').update(data).digest('hex') }];
    })
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

/**
 * Milliseconds of the server's part of a deploy of content it has: create the deployment, then commit
 * (no upload is needed), measured from this process.
 */
async function timeRestDeploy(adminUrl, deploymentToken, site, api) {
  const listing = { environment: 'production', app: listFiles(site), api: listFiles(api) };
  const started = performance.now();
  const created = await callApi(adminUrl, 'POST', '/deploy/v1/deployments', deploymentToken, listing);
  if (created.missing.length > 0) {
    throw new Error(`the server lacks ${created.missing.length} contents of an unchanged deploy`);
  }
  const committed = await callApi(
    adminUrl,
    'POST',
    `/deploy/v1/deployments/${created.id}/commit`,
    deploymentToken,
  );
  const ms = performance.now() - started;
  if (!committed.properties.log?.startsWith('Unchanged')) {
    throw new Error(`an unchanged deploy took the full path: ${committed.properties.log}`);
  }
  return ms;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'portico-bench-deploy-'));
  try {
    const { port, adminUrl, token } = await startServe(join(work, 'data'));
    const connection = ['--url', adminUrl, '--token', token];
    const created = JSON.parse(
      (await runCli(['site', 'create', 'bench', '--plan', 'standard', '--json', ...connection])).stdout,
    );
    const host = created.properties.defaultHostname;

    const site = join(work, 'site');
    const api = join(work, 'api');
    writeSite(site, 'v1');
    cpSync(API_FIXTURE, api, { recursive: true });
    const deployArgs = ['deploy', site, '--api', api, '--site', 'bench', ...connection];
    // The deploy's wall time, then how long the first /api call after it takes (a restarted API
    // answers it cold), then the page checked.
    const deploy = async (marker) => {
      const result = await runCli(deployArgs);
      const started = performance.now();
      const call = await get(port, host, '/api/bench');
      const apiMs = performance.now() - started;
      const page = await get(port, host, '/');
      if (!page.text.includes(marker) || call.status !== 200) {
        throw new Error(
          `after a deploy: / answered ${page.status} ${page.text.slice(0, 80)}, /api/bench ${call.status} ${call.text.slice(0, 200)}`,
        );
      }
      return { ...result, apiMs };
    };
    const floor = [];
    const unchanged = [];
    const unchangedApi = [];
    const changed = [];
    const changedApi = [];
    process.stderr.write('first deploy (npm install on the server) ...\n');
    const first = await deploy('v1');
    for (let run = 0; run < RUNS; run += 1) {
      process.stderr.write(`run ${run + 1}/${RUNS}\n`);
      floor.push((await runCli(['--version'])).ms);
      const again = await deploy('v1');
      unchanged.push(again.ms);
      unchangedApi.push(again.apiMs);
    }
    const lastUnchanged = (await deploy('v1')).stderr;
    const secrets = await callApi(adminUrl, 'POST', `${SITES_PATH}/bench/listSecrets`, token);
    const server = [];
    for (let run = 0; run < RUNS; run += 1) {
      server.push(await timeRestDeploy(adminUrl, secrets.properties.apiKey, site, api));
    }
    for (let run = 0; run < RUNS; run += 1) {
      writeSite(site, `v${run + 2}`);
      const next = await deploy(`v${run + 2}`);
      changed.push(next.ms);
      changedApi.push(next.apiMs);
    }
    const f = median(floor);
    const u = median(unchanged);
    const c = median(changed);
    const verdict = u / 1000 <= TARGET_UNCHANGED_S ? 'PASS' : 'BELOW';
    const lines = [
      `# Deploy benchmark (${new Date().toISOString()}, ${availableParallelism()} cores, median of ${RUNS})`,
      '',
      `A site of ${STATIC_FILES + 1} static files and an API with one dependency (@azure/functions), deployed with \`portico deploy\` (spawn to exit) to \`portico serve\` on SQLite.`,
      '',
      '| Deploy | Time (ms) | vs first | vs portico --version | first /api call after it (ms) |',
      '| --- | ---: | ---: | ---: | ---: |',
      `| portico --version (the floor of a CLI command) | ${f.toFixed(0)} | | 1.00 | |`,
      `| first (uploads, npm install) | ${first.ms.toFixed(0)} | 1.00 | ${(first.ms / f).toFixed(2)} | ${first.apiMs.toFixed(0)} |`,
      `| unchanged content | ${u.toFixed(0)} | ${(u / first.ms).toFixed(3)} | ${(u / f).toFixed(2)} | ${median(unchangedApi).toFixed(0)} |`,
      `| unchanged content, server only (create + commit over REST) | ${median(server).toFixed(0)} | ${(median(server) / first.ms).toFixed(3)} | | |`,
      `| one static file changed | ${c.toFixed(0)} | ${(c / first.ms).toFixed(3)} | ${(c / f).toFixed(2)} | ${median(changedApi).toFixed(0)} |`,
      '',
      `Target: unchanged deploy <= ${TARGET_UNCHANGED_S} s: ${verdict} (${(u / 1000).toFixed(2)} s)`,
      '',
      'What the CLI printed for an unchanged deploy:',
      '',
      '```',
      lastUnchanged.trim(),
      '```',
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    writeResults('deploy.md', `${lines.join('\n')}\n`);
  } finally {
    await stopChildren();
    rmSync(work, { recursive: true, force: true });
  }
}

runBenchmark(main);
