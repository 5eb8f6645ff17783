/**
 * Upload benchmark: the deploy upload path of `portico serve` on SQLite, measured over REST.
 *
 *   npm run build && node bench/load/upload.js      (BENCH_UPLOAD_FILES, default 5000;
 *                                                    BENCH_UPLOAD_MB, default 200; 0 skips it)
 *
 *   1. a deployment of BENCH_UPLOAD_FILES tiny files: create, upload every file (4 at a time, as the CLI
 *      does), commit; the time of each step;
 *   2. one file of BENCH_UPLOAD_MB MB uploaded to a fresh deployment, streamed from this process: the
 *      server's peak resident memory (sampled from /proc every 20 ms) against its resident memory before.
 *
 * The ports come from BENCH_PORT (default 43510) and BENCH_PORT + 1.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOST, ROOT, spawnChild, stopChildren, waitForLine } from './_harness.js';

const FILES = Math.max(1, Math.round(Number(process.env.BENCH_UPLOAD_FILES) || 5000));
const BIG_MB = Number(process.env.BENCH_UPLOAD_MB ?? 200);
const PORT = Number(process.env.BENCH_PORT) || 43510;
const SITES_PATH =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/portico/providers/Microsoft.Web/staticSites';

/** One request; `body` is a Buffer, or a function that writes the body to the request and ends it. */
function call(adminUrl, method, path, token, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const url = new URL(`${adminUrl}${path}`);
    const out = request(url, { method, headers: { authorization: `Bearer ${token}`, ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if ((res.statusCode ?? 0) >= 300) {
          reject(new Error(`${method} ${path} answered ${res.statusCode}: ${text.slice(0, 300)}`));
          return;
        }
        resolve(text === '' ? undefined : JSON.parse(text));
      });
    });
    out.once('error', reject);
    if (typeof body === 'function') {
      body(out);
    } else {
      out.end(body);
    }
  });
}

const json = (value) => [Buffer.from(JSON.stringify(value)), { 'content-type': 'application/json' }];
const sha256 = (data) => createHash('sha256').update(data).digest('hex');

function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

async function runLimited(items, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

async function timeManyFiles(adminUrl, token) {
  const files = Array.from({ length: FILES }, (_, i) => {
    const data = Buffer.from(`file ${i} ${randomBytes(8).toString('hex')}\n`);
    return { path: `f/${String(i).padStart(6, '0')}.txt`, size: data.length, sha256: sha256(data), data };
  });
  files.push({ path: 'index.html', size: 3, sha256: sha256(Buffer.from('hi\n')), data: Buffer.from('hi\n') });
  const listing = {
    environment: 'production',
    app: files.map(({ path, size, sha256 }) => ({ path, size, sha256 })),
  };
  let started = performance.now();
  const created = await call(adminUrl, 'POST', '/deploy/v1/deployments', token, ...json(listing));
  const createMs = performance.now() - started;
  const byHash = new Map(files.map((f) => [f.sha256, f]));
  started = performance.now();
  await runLimited(created.missing, 4, (hash) =>
    call(
      adminUrl,
      'PUT',
      `/deploy/v1/deployments/${created.id}/files/${hash}`,
      token,
      byHash.get(hash).data,
      {
        'content-type': 'application/octet-stream',
      },
    ),
  );
  const uploadMs = performance.now() - started;
  started = performance.now();
  await call(adminUrl, 'POST', `/deploy/v1/deployments/${created.id}/commit`, token);
  const commitMs = performance.now() - started;
  return { count: created.missing.length, createMs, uploadMs, commitMs };
}

async function peakOfBigUpload(adminUrl, token, pid) {
  const size = BIG_MB * 1024 * 1024;
  const chunk = randomBytes(1024 * 1024);
  const hash = createHash('sha256');
  for (let sent = 0; sent < size; sent += chunk.length) {
    hash.update(chunk);
  }
  const digest = hash.digest('hex');
  const listing = { environment: 'big', app: [{ path: 'big.bin', size, sha256: digest }] };
  const created = await call(adminUrl, 'POST', '/deploy/v1/deployments', token, ...json(listing));
  const before = rssOf(pid);
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
  }, 20);
  const write = async (out) => {
    for (let sent = 0; sent < size; sent += chunk.length) {
      if (!out.write(chunk)) {
        await new Promise((resolve) => out.once('drain', resolve));
      }
    }
    out.end();
  };
  await call(
    adminUrl,
    'PUT',
    `/deploy/v1/deployments/${created.id}/files/${digest}`,
    token,
    (out) => {
      write(out);
    },
    { 'content-type': 'application/octet-stream', 'content-length': String(size) },
  );
  clearInterval(timer);
  return { before, peak };
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'portico-bench-upload-'));
  const adminToken = randomBytes(16).toString('hex');
  try {
    const child = spawnChild(
      [
        join(ROOT, 'bin', 'portico.js'),
        'serve',
        '--data',
        join(work, 'data'),
        '--host',
        HOST,
        '--port',
        String(PORT),
        '--admin-port',
        String(PORT + 1),
        '--domain',
        'portico.test',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, PORTICO_ADMIN_TOKEN: adminToken },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    await waitForLine(child, (line) => line.startsWith('Portico service ready at'), 'portico serve');
    child.stdout.resume();
    child.stderr.resume();
    const adminUrl = `http://${HOST}:${PORT + 1}`;
    await call(
      adminUrl,
      'PUT',
      `${SITES_PATH}/bench`,
      adminToken,
      ...json({ location: 'local', sku: { name: 'Standard' } }),
    );
    const secrets = await call(adminUrl, 'POST', `${SITES_PATH}/bench/listSecrets`, adminToken);
    const token = secrets.properties.apiKey;
    const many = await timeManyFiles(adminUrl, token);
    process.stdout.write(
      `${many.count} tiny files: create ${many.createMs.toFixed(0)} ms, upload ${many.uploadMs.toFixed(0)} ms (${(many.uploadMs / many.count).toFixed(2)} ms/file), commit ${many.commitMs.toFixed(0)} ms\n`,
    );
    if (BIG_MB > 0) {
      const big = await peakOfBigUpload(adminUrl, token, child.pid);
      const mb = (bytes) => (bytes / 1024 / 1024).toFixed(0);
      process.stdout.write(
        `${BIG_MB} MB upload: server RSS ${mb(big.before)} MB before, peak ${mb(big.peak)} MB\n`,
      );
    }
  } finally {
    await stopChildren();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
