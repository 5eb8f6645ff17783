/**
 * How the deploy-time npm install reaches registries on an operator's network: behind the operator's own
 * proxy (the usual corporate setup), with hosts that do not resolve, and what the deployer and the
 * operator are told when it fails.
 * @see the QA findings on `portico serve`'s npm installs (decision 0101)
 */

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { writeApp } from '../helpers/app.js';
import { createTestCa } from '../helpers/certificates.js';
import {
  deployFolders,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

function restoreVariable(name: string, value: string | undefined): void {
  if (value === undefined) {
    delete process.env[name];
  } else {
    process.env[name] = value;
  }
}

const API_DIR = fileURLToPath(new URL('../fixtures/serve/api', import.meta.url));
/** A name only the operator's proxy knows (the server's DNS does not): corporate DNS behind a proxy. */
const CORP_HOST = 'registry.corp.test';

interface DeploymentBody {
  properties: { status: string; log: string | null };
}

/** A tarball of `name` 1.0.0 with `files` besides its package.json (`tar`, as `npm pack` makes them). */
async function packPackage(
  name: string,
  pkg: Record<string, unknown> = {},
  files: Record<string, string> = {},
) {
  const dir = await mkdtemp(join(tmpdir(), 'portico-pkg-'));
  await mkdir(join(dir, 'package'));
  await writeFile(
    join(dir, 'package', 'package.json'),
    JSON.stringify({ name, version: '1.0.0', main: 'index.js', ...pkg }),
  );
  await writeFile(join(dir, 'package', 'index.js'), 'module.exports = 42;\n');
  for (const [file, text] of Object.entries(files)) {
    await writeFile(join(dir, 'package', file), text);
  }
  await promisify(execFile)('tar', ['czf', join(dir, 'p.tgz'), '-C', dir, 'package']);
  return readFile(join(dir, 'p.tgz'));
}

/** A registry serving `packages` (name → tarball), its tarball URLs on the host npm asked for. */
function createRegistry(packages: Map<string, Buffer>): Server {
  return createServer(registryHandler(packages, 'http'));
}

function registryHandler(packages: Map<string, Buffer>, scheme: 'http' | 'https') {
  return (req: IncomingMessage, res: ServerResponse) => {
    const origin = () => `${scheme}://${req.headers.host ?? ''}`;
    const url = decodeURIComponent(req.url ?? '/');
    // The public registry's layout: `/<name>/-/<basename>-<version>.tgz`.
    const tarball = /^\/(.+)\/-\/[^/]+-1\.0\.0\.tgz$/.exec(url)?.[1];
    const name = tarball ?? url.slice(1);
    const data = packages.get(name);
    if (data === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    } else if (tarball !== undefined) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(data);
    } else {
      const version = {
        name,
        version: '1.0.0',
        // As the public registry says of a package with install scripts.
        ...(name.includes('native') ? { hasInstallScript: true } : {}),
        dist: {
          tarball: `${origin()}/${name}/-/${name.split('/').at(-1)}-1.0.0.tgz`,
          integrity: `sha512-${createHash('sha512').update(data).digest('base64')}`,
        },
      };
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ name, 'dist-tags': { latest: '1.0.0' }, versions: { '1.0.0': version } }));
    }
  };
}

/**
 * An operator's forward proxy on loopback (CONNECT and absolute-form HTTP), which alone resolves
 * {@link CORP_HOST} (to 127.0.0.1), and records the hosts it was asked for.
 */
function createOperatorProxy(seen: string[]): Server {
  const resolve = (host: string) => (host === CORP_HOST ? '127.0.0.1' : host);
  const server = createServer((req, res) => {
    const target = new URL(req.url ?? '');
    seen.push(target.host);
    const upstream = request(
      { host: resolve(target.hostname), port: target.port, path: target.pathname, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, socket: Socket) => {
    seen.push(req.url ?? '');
    const [host = '', port = '443'] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), resolve(host), () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  return server;
}

/** The registry over HTTPS on localhost, its certificate signed by a CA of its own that nothing trusts. */
async function startSecureRegistry(packages: Map<string, Buffer>) {
  const ca = await createTestCa();
  const leaf = await ca.issue(['localhost']);
  const server = createHttpsServer(
    { cert: `${leaf.cert.trim()}\n${ca.cert.trim()}\n`, key: leaf.key },
    registryHandler(packages, 'https'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    caCert: ca.cert,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function apiVariant(pkg: Record<string, unknown>, files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-api-'));
  await cp(API_DIR, dir, { recursive: true });
  const base = { name: 'fixture-serve-api', version: '1.0.0', private: true, main: 'src/functions/*.js' };
  await writeFile(join(dir, 'package.json'), JSON.stringify({ ...base, ...pkg }));
  for (const [name, text] of Object.entries(files)) {
    await writeFile(join(dir, name), text);
  }
  return dir;
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'PORTICO_NPM_ALLOWED_HOSTS'];

describe('npm installs of deployed APIs on the operator’s network', () => {
  let t: TestService;
  let token: string;
  const logged: string[] = [];
  let internal: Server;
  const internalSeen: string[] = [];
  let registry: Server;
  let registryPort = 0;
  const packages = new Map<string, Buffer>();

  beforeAll(async () => {
    t = await startTestService({
      logger: createLogger({ level: 'info', write: (line) => logged.push(line) }),
    });
    const created = await t.admin('PUT', `${SITES_PATH}/netdeps`, { sku: { name: 'Standard' } });
    token = created.json<{ properties: { apiKey: string } }>().properties.apiKey;
    // A service of the server's on loopback, which no tenant's install may reach.
    internal = createServer((req, res) => {
      internalSeen.push(req.url ?? '');
      res.writeHead(500, { 'content-type': 'text/plain' }).end('INTERNAL_SECRET_ANSWER');
    });
    await listen(internal);
    packages.set('@corp/tiny', await packPackage('@corp/tiny'));
    packages.set(
      '@corp/native',
      await packPackage(
        '@corp/native',
        { scripts: { install: 'node-gyp rebuild' } },
        { 'binding.gyp': '{}' },
      ),
    );
    registry = createRegistry(packages);
    registryPort = await listen(registry);
  });
  afterEach(() => {
    for (const name of PROXY_VARIABLES) {
      delete process.env[name];
    }
  });
  afterAll(async () => {
    await t.close();
    await removeData(t.dataDir);
    await new Promise((resolve) => internal.close(resolve));
    await new Promise((resolve) => registry.close(resolve));
  });

  const deploy = async (api: string) =>
    deployFolders(t.service, token, await writeApp({ 'index.html': 'x' }), { apiDir: api });

  describe('behind the operator’s proxy', () => {
    let proxy: Server;
    const proxySeen: string[] = [];

    beforeAll(async () => {
      proxy = createOperatorProxy(proxySeen);
      await listen(proxy);
    });
    afterAll(async () => {
      await new Promise((resolve) => proxy.close(resolve));
    });

    const useProxy = (noProxy: string) => {
      const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      process.env.HTTPS_PROXY = url;
      process.env.HTTP_PROXY = url;
      process.env.NO_PROXY = noProxy;
    };

    it('installs from a registry only the proxy can resolve', async () => {
      useProxy('localhost,127.0.0.1');
      const deployed = await deploy(
        await apiVariant(
          { dependencies: { '@corp/tiny': '1.0.0' } },
          { '.npmrc': `@corp:registry=http://${CORP_HOST}:${registryPort}/\n` },
        ),
      );
      expect(deployed.status, deployed.text).toBe(200);
      expect(deployed.json<DeploymentBody>().properties.log).toMatch(/^added 1 package/m);
      expect(proxySeen).toContain(`${CORP_HOST}:${registryPort}`);
    }, 120_000);

    /** @see the QA finding: NO_PROXY=localhost,127.0.0.1 sent npm straight to the server's loopback. */
    for (const noProxy of ['localhost,127.0.0.1', '']) {
      it(`refuses a tenant registry on the server's loopback${noProxy === '' ? ' through the proxy' : ` that NO_PROXY=${noProxy} names`}`, async () => {
        useProxy(noProxy);
        const { port } = internal.address() as AddressInfo;
        const deployed = await deploy(
          await apiVariant(
            { dependencies: { '@evil/x': '1.0.0' } },
            { '.npmrc': `@evil:registry=http://127.0.0.1:${port}/\n` },
          ),
        );
        expect(deployed.status, deployed.text).toBe(400);
        expect(deployed.text).toContain(`npm was sent to 127.0.0.1:${port} is 127.0.0.1, a loopback address`);
        expect(deployed.text).not.toContain('INTERNAL_S');
        expect(internalSeen).toEqual([]);
      }, 120_000);
    }
  });

  /** A registry of the operator's on loopback, allowed by PORTICO_NPM_ALLOWED_HOSTS. */
  const allowRegistry = () => {
    process.env.PORTICO_NPM_ALLOWED_HOSTS = `127.0.0.1:${registryPort}`;
  };

  it('names the packages whose install scripts were not run, after a successful install', async () => {
    allowRegistry();
    const deployed = await deploy(
      await apiVariant(
        { dependencies: { '@corp/native': '1.0.0', '@corp/tiny': '1.0.0' } },
        { '.npmrc': `@corp:registry=http://127.0.0.1:${registryPort}/\n` },
      ),
    );
    expect(deployed.status, deployed.text).toBe(200);
    const log = deployed.json<DeploymentBody>().properties.log ?? '';
    expect(log).toMatch(/^Install scripts not run: @corp\/native\. .*may not work/m);
    expect(log).not.toMatch(/Install scripts not run: .*tiny/);
    // npm's summary ends its progress; storing the files says so.
    const lines = log.split('\n');
    const added = lines.findIndex((line) => line.startsWith('added 2 packages'));
    expect(added).toBeGreaterThan(-1);
    expect(lines.slice(added).filter((line) => line.startsWith('npm install: '))).toEqual([]);
    expect(log).toMatch(/^npm install finished after \d+ s: 2 packages resolved, 2 fetched\.$/m);
    expect(log).toMatch(/^Storing the installed node_modules .*\nStored \d+ node_modules files\.$/m);
    expect(log).not.toContain('Log files were not written');
  }, 120_000);

  /** @see the QA finding: a token on a line without `=` was echoed into the deployment log. */
  it('names a malformed .npmrc line by number, never its token', async () => {
    allowRegistry();
    const secret = 'ghp_R3alLookingTokenValue0123456789';
    const deployed = await deploy(
      await apiVariant(
        { dependencies: { '@corp/tiny': '1.0.0' } },
        {
          '.npmrc': [
            `@corp:registry=http://127.0.0.1:${registryPort}/`,
            `//npm.pkg.github.com/:_authToken ${secret}`,
            'glpat-AbCdEfGhIjKlMnOp1234',
            '',
          ].join('\n'),
        },
      ),
    );
    expect(deployed.status, deployed.text).toBe(200);
    const log = deployed.json<DeploymentBody>().properties.log ?? '';
    expect(log).toContain(
      '.npmrc: left out line 2 (//npm.pkg.github.com/:_authToken …), line 3: not a key=value setting',
    );
    expect(deployed.text).not.toContain(secret.slice(4));
    expect(deployed.text).not.toContain('AbCdEf');
  }, 120_000);

  /** @see the QA finding: npm's retries of an untrusted certificate looked like progress for minutes. */
  it('shows npm’s first retry and the certificate hint at once, and tells the operator', async () => {
    const secure = await startSecureRegistry(packages);
    try {
      const { port } = secure;
      process.env.PORTICO_NPM_ALLOWED_HOSTS = `localhost:${port}`;
      const deployed = await deploy(
        await apiVariant(
          { dependencies: { '@corp/tiny': '1.0.0' } },
          {
            '.npmrc': [
              `@corp:registry=https://localhost:${port}/`,
              'fetch-retries=1',
              'fetch-retry-mintimeout=100',
              'fetch-retry-maxtimeout=200',
              '',
            ].join('\n'),
          },
        ),
      );
      expect(deployed.status, deployed.text).toBe(400);
      const listed = await t.admin('GET', `${SITES_PATH}/netdeps/builds/default/deployments`);
      const [failed] = listed.json<{ value: DeploymentBody[] }>().value;
      const lines = (failed?.properties.log ?? '').split('\n');
      const retry = lines.indexOf(
        `npm install: retrying https://localhost:${port}/@corp%2ftiny: SELF_SIGNED_CERT_IN_CHAIN`,
      );
      expect(retry, lines.join('\n')).toBeGreaterThan(-1);
      expect(lines[retry + 1]).toMatch(/^npm install: The server's npm does not trust/);
      expect(lines.slice(0, retry).filter((line) => line.startsWith('npm error'))).toEqual([]);
      expect(lines.join('\n')).not.toMatch(/package resolved/);
      expect(logged.join('\n')).toMatch(
        /npm install for site 'netdeps', environment 'production', deployment \S+ failed: npm does not trust the registry's TLS certificate \(SELF_SIGNED_CERT_IN_CHAIN\)/,
      );
    } finally {
      await secure.close();
    }
  }, 120_000);

  /** @see the QA finding: an operator behind a TLS-inspecting proxy trusts its CA with NODE_EXTRA_CA_CERTS. */
  it('installs from a registry whose CA only the operator’s NODE_EXTRA_CA_CERTS names, wherever that file is', async () => {
    const secure = await startSecureRegistry(packages);
    // Outside every folder the functions sandbox shows npm.
    const caDir = await mkdtemp(join(tmpdir(), 'portico-operator-ca-'));
    const caFile = join(caDir, 'corp-ca.pem');
    await writeFile(caFile, secure.caCert);
    // npm_config_cafile, when the machine sets one, would make npm trust only that file's CAs.
    const before = { extra: process.env.NODE_EXTRA_CA_CERTS, cafile: process.env.npm_config_cafile };
    process.env.NODE_EXTRA_CA_CERTS = caFile;
    delete process.env.npm_config_cafile;
    try {
      const { port } = secure;
      process.env.PORTICO_NPM_ALLOWED_HOSTS = `localhost:${port}`;
      const deployed = await deploy(
        await apiVariant(
          { dependencies: { '@corp/tiny': '1.0.0' } },
          { '.npmrc': `@corp:registry=https://localhost:${port}/\nfetch-retries=0\n` },
        ),
      );
      expect(deployed.status, deployed.text).toBe(200);
    } finally {
      restoreVariable('NODE_EXTRA_CA_CERTS', before.extra);
      restoreVariable('npm_config_cafile', before.cafile);
      await rm(caDir, { recursive: true, force: true });
      await secure.close();
    }
  }, 120_000);

  it('says a registry host does not resolve, and lets npm try again', async () => {
    const deployed = await deploy(
      await apiVariant(
        { dependencies: { '@corp/tiny': '1.0.0' } },
        {
          '.npmrc': [
            '@corp:registry=http://no-such-registry.invalid/',
            'fetch-retries=1',
            'fetch-retry-mintimeout=100',
            'fetch-retry-maxtimeout=200',
            '',
          ].join('\n'),
        },
      ),
    );
    expect(deployed.status, deployed.text).toBe(400);
    const { message } = deployed.json<{ error: { message: string } }>().error;
    expect(message).toContain(
      "The server cannot resolve no-such-registry.invalid:80: check the registry URL (the API's .npmrc, package.json or package-lock.json) or the server's DNS",
    );
    expect(message).not.toMatch(/loopback|refused/);
    expect(message).toContain('npm install: retrying http://no-such-registry.invalid/@corp%2ftiny');
  }, 120_000);
});
