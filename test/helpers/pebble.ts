/**
 * Let's Encrypt's test servers from Debian's `pebble` package, started on loopback for a test file:
 * `pebble-challtestsrv` as the DNS server whose records tests set over its management API, and `pebble`
 * itself (an ACME server) resolving through it and validating HTTP-01 on a port the test names.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCa } from './certificates.js';

/** A free TCP port on 127.0.0.1 (the servers need explicit ports). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** Resolves when `child` prints `text` (on stdout or stderr); rejects when it exits first. */
function waitForOutput(child: ChildProcess, text: string, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) {
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${seen}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
}

/** The DNS server of the tests. */
export interface TestDns {
  /** `127.0.0.1:<port>`, for `--dns-server` and pebble's `-dnsserver`. */
  readonly server: string;
  setCname(host: string, target: string): Promise<void>;
  clearCname(host: string): Promise<void>;
  setTxt(host: string, value: string): Promise<void>;
  clearTxt(host: string): Promise<void>;
  addA(host: string, address: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts `pebble-challtestsrv` with only its DNS server and its management API. */
export async function startTestDns(): Promise<TestDns> {
  const [dnsPort, managementPort] = [await freePort(), await freePort()];
  const child = spawn(
    'pebble-challtestsrv',
    [
      '-dns01',
      `127.0.0.1:${dnsPort}`,
      '-management',
      `127.0.0.1:${managementPort}`,
      '-http01',
      '',
      '-https01',
      '',
      '-tlsalpn01',
      '',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitForOutput(child, 'Starting management server', 'pebble-challtestsrv');
  const call = async (path: string, body: unknown) => {
    const response = await fetch(`http://127.0.0.1:${managementPort}/${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      throw new Error(`challtestsrv ${path}: ${response.status} ${await response.text()}`);
    }
  };
  const fqdn = (host: string) => (host.endsWith('.') ? host : `${host}.`);
  return {
    server: `127.0.0.1:${dnsPort}`,
    setCname: (host, target) => call('set-cname', { host: fqdn(host), target: fqdn(target) }),
    clearCname: (host) => call('clear-cname', { host: fqdn(host) }),
    setTxt: (host, value) => call('set-txt', { host: fqdn(host), value }),
    clearTxt: (host) => call('clear-txt', { host: fqdn(host) }),
    addA: (host, address) => call('add-a', { host: fqdn(host), addresses: [address] }),
    close: () => stop(child),
  };
}

/** A running pebble. */
export interface TestPebble {
  /** The ACME directory URL. */
  readonly directory: string;
  /** PEM of the CA that signed pebble's own HTTPS certificate (for NODE_EXTRA_CA_CERTS-like trust). */
  readonly tlsCa: string;
  /** PEM of the root that signs the certificates pebble issues. */
  root(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts pebble on loopback: HTTP-01 validation goes to `httpPort` (Portico's plain listener), names
 * resolve through `dnsServer`, certificates live `validitySeconds`.
 */
export async function startPebble(options: {
  httpPort: number;
  dnsServer: string;
  validitySeconds?: number;
}): Promise<TestPebble> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-pebble-'));
  const ca = await createTestCa('Pebble HTTPS Test CA');
  const pair = await ca.issue(['localhost', '127.0.0.1']);
  await writeFile(join(dir, 'cert.pem'), pair.cert);
  await writeFile(join(dir, 'key.pem'), pair.key);
  const [listenPort, managementPort] = [await freePort(), await freePort()];
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${listenPort}`,
        managementListenAddress: `127.0.0.1:${managementPort}`,
        certificate: join(dir, 'cert.pem'),
        privateKey: join(dir, 'key.pem'),
        httpPort: options.httpPort,
        tlsPort: await freePort(),
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        ...(options.validitySeconds === undefined
          ? {}
          : { certificateValidityPeriod: options.validitySeconds }),
      },
    }),
  );
  const child = spawn('pebble', ['-config', join(dir, 'config.json'), '-dnsserver', options.dnsServer], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' },
  });
  await waitForOutput(child, 'Listening on', 'pebble');
  return {
    directory: `https://localhost:${listenPort}/dir`,
    tlsCa: ca.cert,
    async root() {
      const { request } = await import('node:https');
      return new Promise((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: managementPort, path: '/roots/0', servername: 'localhost', ca: ca.cert },
          (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => {
              body += chunk.toString();
            });
            res.on('end', () => resolve(body));
          },
        );
        req.on('error', reject);
        req.end();
      });
    },
    close: () => stop(child),
  };
}
