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

/**
 * SIGTERM, then SIGKILL if it has not exited 10 s later: a `portico serve` in the middle of an ACME
 * order waits for acme-client's retry timers before its event loop empties.
 */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
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
      // Loopback services here listen on IPv4: no AAAA answers, so validators connect to 127.0.0.1.
      '-defaultIPv6',
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
  /** How many certificates pebble has issued so far. */
  issued(): number;
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
  /** Names pebble refuses to issue for (an ACME refusal). */
  blocklist?: string[];
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
        ...(options.blocklist === undefined ? {} : { domainBlocklist: options.blocklist }),
      },
    }),
  );
  const child = spawn('pebble', ['-config', join(dir, 'config.json'), '-dnsserver', options.dnsServer], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' },
  });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  await waitForOutput(child, 'Listening on', 'pebble');
  return {
    issued: () => log.match(/Issued certificate serial/g)?.length ?? 0,
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

/** The JSON of a management answer, as loosely as these tests read it. */
export interface AdminBody {
  readonly properties: Readonly<
    Record<string, string | boolean | null | { source: string; notAfter: string }>
  >;
}

/** A `portico serve` child process. */
export interface ServeProcess {
  readonly adminUrl: string;
  readonly httpsPort: number;
  readonly token: string;
  output(): string;
  /** A management call with the admin token. */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: AdminBody }>;
  stop(): Promise<void>;
}

/**
 * Starts the built CLI's `portico serve` with `args` (and `PORTICO_ADMIN_TOKEN`), trusting the extra CA
 * in `caFile` as an operator would (NODE_EXTRA_CA_CERTS); resolves once it prints its URLs.
 */
export async function startServeProcess(args: string[], caFile: string): Promise<ServeProcess> {
  const bin = new URL('../../bin/portico.js', import.meta.url).pathname;
  const token = 'acme-test-admin-token-0123456789';
  const child = spawn(process.execPath, [bin, 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Every node of one service shares the service key (docs/security.md); a node with its own key file
    // would be refused on a database another node sealed data in.
    env: {
      ...process.env,
      NODE_EXTRA_CA_CERTS: caFile,
      PORTICO_ADMIN_TOKEN: token,
      PORTICO_SECRET_KEY: 'acme-test-service-key-shared-by-every-node',
    },
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  await waitForOutput(child, 'Portal at', 'portico serve');
  const adminUrl = /Management API at (http:\/\/\S+)/.exec(out)?.[1] ?? '';
  return {
    adminUrl,
    httpsPort: Number(/HTTPS on port (\d+)/.exec(out)?.[1]),
    token,
    output: () => out,
    async admin(method, path, body) {
      const response = await fetch(`${adminUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return {
        status: response.status,
        json: (text === '' ? { properties: {} } : JSON.parse(text)) as AdminBody,
      };
    },
    stop: () => stop(child),
  };
}
