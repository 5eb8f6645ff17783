/**
 * HTTPS load benchmark of `portico serve` (issue 18): the same ~1 KB static page over HTTPS and over
 * plain HTTP in the same run (target: HTTPS >= 60 % of HTTP), and full TLS handshakes per second.
 *
 *   npm run build && node bench/load/https.js
 *
 * Two `portico serve` processes on their own data folders: one plain HTTP, one with `--https-port` and a
 * throw-away certificate for `*.portico.test` (made with the openssl CLI). Both serve the same deployed
 * site, checked with one request first. Keep-alive connections for the page runs (as browsers do); a new
 * connection per handshake for the handshake run. Results are also written to bench/results/https.md.
 * Environment: BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS (as bench/load/run.js).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import autocannon from 'autocannon';
import {
  findFreePort,
  formatCheck,
  HOST,
  ROOT,
  runBenchmark,
  settings,
  spawnChild,
  stopChildren,
  waitForLine,
  writeResults,
} from './_harness.js';

const TARGET = 0.6;
const TOKEN = 'bench-admin-token-0123456789abcdef';
const PAGE = `<!doctype html>\n<title>Portico HTTPS load test</title>\n<h1>HTTPS</h1>\n`.padEnd(1024, '\n');

function makeCertificate(dir) {
  execFileSync('openssl', [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
    ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2'],
    ...['-subj', '/CN=portico.test', '-addext', 'subjectAltName=DNS:portico.test,DNS:*.portico.test'],
  ]);
}

/** Starts `portico serve` (with HTTPS when `tlsDir` is given); returns its ports. */
async function startServe(dataDir, tlsDir) {
  const [port, adminPort, httpsPort] = [await findFreePort(), await findFreePort(), await findFreePort()];
  const args = [join(ROOT, 'bin', 'portico.js'), 'serve', '--data', dataDir, '--domain', 'portico.test'];
  args.push('--port', String(port), '--admin-port', String(adminPort), '--host', HOST);
  if (tlsDir !== undefined) {
    args.push('--https-port', String(httpsPort), '--tls-cert', join(tlsDir, 'cert.pem'));
    args.push('--tls-key', join(tlsDir, 'key.pem'), '--acme-directory', 'http://127.0.0.1:9/directory');
  }
  const child = spawnChild(args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORTICO_ADMIN_TOKEN: TOKEN },
  });
  await waitForLine(child, (line) => line.startsWith('Portal at'), 'portico serve');
  child.stdout.resume();
  child.stderr.resume();
  return { port, adminPort, httpsPort };
}

/** Creates the site and deploys the page with the CLI; returns its host name. */
function deploySite(adminPort, appDir) {
  const env = { ...process.env, PORTICO_URL: `http://${HOST}:${adminPort}`, PORTICO_TOKEN: TOKEN };
  const cli = (...args) =>
    execFileSync(process.execPath, [join(ROOT, 'bin', 'portico.js'), ...args], { env });
  cli('site', 'create', 'bench', '--plan', 'standard');
  cli('deploy', appDir, '--site', 'bench');
  return JSON.parse(cli('site', 'show', 'bench', '--json').toString()).properties.defaultHostname;
}

async function checkPage(url, host) {
  const { request } = await import('undici');
  const { Agent } = await import('undici');
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false, servername: host } });
  const response = await request(url, { headers: { host }, dispatcher });
  const body = await response.body.text();
  if (response.statusCode !== 200 || body !== PAGE) {
    throw new Error(`${url} answered ${response.statusCode} with an unexpected body (${body.slice(0, 80)})`);
  }
}

async function measurePage(url, host) {
  await checkPage(url, host);
  const base = { url, headers: { host }, connections: settings.connections, servername: host };
  await autocannon({ ...base, duration: settings.warmup });
  const result = await autocannon({ ...base, duration: settings.duration });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

/** Full handshakes (a new TCP + TLS connection each) per second over `connections` parallel loops. */
async function measureHandshakes(port, host) {
  const deadline = performance.now() + settings.duration * 1000;
  let count = 0;
  const handshake = () =>
    new Promise((resolve, reject) => {
      const socket = connect({ host: HOST, port, servername: host, rejectUnauthorized: false }, () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', reject);
    });
  const loop = async () => {
    while (performance.now() < deadline) {
      await handshake();
      count += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: settings.connections }, loop));
  return count / ((performance.now() - started) / 1000);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-https-'));
  try {
    const appDir = join(dir, 'app');
    execFileSync('mkdir', ['-p', appDir]);
    writeFileSync(join(appDir, 'index.html'), PAGE);
    writeFileSync(join(appDir, 'staticwebapp.config.json'), '{}\n');
    makeCertificate(dir);
    const plain = await startServe(join(dir, 'plain'));
    const secure = await startServe(join(dir, 'secure'), dir);
    const plainHost = deploySite(plain.adminPort, appDir);
    const secureHost = deploySite(secure.adminPort, appDir);
    process.stderr.write('HTTP static ...\n');
    const http = await measurePage(`http://${HOST}:${plain.port}/index.html`, plainHost);
    process.stderr.write('HTTPS static ...\n');
    const https = await measurePage(`https://${HOST}:${secure.httpsPort}/index.html`, secureHost);
    process.stderr.write('TLS handshakes ...\n');
    const handshakes = await measureHandshakes(secure.httpsPort, secureHost);
    const report = [
      '# Portico HTTPS load benchmark',
      '',
      `${new Date().toISOString()}; Node ${process.version}; ${availableParallelism()} CPUs; ` +
        `${settings.connections} connections; ${settings.warmup} s warm-up + ${settings.duration} s per run; ` +
        'keep-alive; ECDSA P-256 certificate; load generator and servers in separate processes on loopback.',
      '',
      '| scenario | req/s | p50 ms | p99 ms |',
      '|---|---|---|---|',
      `| HTTP static, 1 KB page | ${Math.round(http.rps)} | ${http.p50} | ${http.p99} |`,
      `| HTTPS static, same page | ${Math.round(https.rps)} | ${https.p50} | ${https.p99} |`,
      `| TLS handshakes (new connection each) | ${Math.round(handshakes)} /s | | |`,
      '',
      formatCheck('HTTPS static / HTTP static', https.rps / http.rps, TARGET),
      '',
    ].join('\n');
    process.stdout.write(report);
    writeResults('https.md', report);
  } finally {
    await stopChildren();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBenchmark(main);
