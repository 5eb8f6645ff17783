/**
 * A deployed API's dependencies, installed by the server: reused when nothing that decides them changed,
 * and never a way for a tenant to reach the server's secrets or folders through npm.
 * @see issue 16 item 2 (deploys without needless work), issue 13 (tenant isolation)
 */

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeApp } from '../helpers/app.js';
import {
  deployFolders,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

const API_DIR = fileURLToPath(new URL('../fixtures/serve/api', import.meta.url));

/**
 * A function answering an id drawn when its worker process started (process ids repeat in the sandbox's
 * own namespace), so a test sees whether the API was restarted.
 */
const PID_FUNCTION = `const { app } = require('@azure/functions');
const started = require('node:crypto').randomUUID();
app.http('pid', { methods: ['GET'], authLevel: 'anonymous', handler: async () => ({ jsonBody: { pid: started } }) });
`;

/** A tarball of the package `@portico-test/tiny` 1.0.0 (`tar`, as `npm pack` makes them). */
async function packTinyPackage(): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-tiny-'));
  await mkdir(join(dir, 'package'));
  await writeFile(
    join(dir, 'package', 'package.json'),
    JSON.stringify({ name: '@portico-test/tiny', version: '1.0.0', main: 'index.js' }),
  );
  await writeFile(join(dir, 'package', 'index.js'), 'module.exports = 42;\n');
  await promisify(execFile)('tar', ['czf', join(dir, 'tiny.tgz'), '-C', dir, 'package']);
  return readFile(join(dir, 'tiny.tgz'));
}

/** The registry document of `@portico-test/tiny`, its tarball served by the test registry at `port`. */
function packument(port: number, tarball: Buffer): unknown {
  const version = {
    name: '@portico-test/tiny',
    version: '1.0.0',
    main: 'index.js',
    dist: {
      tarball: `http://127.0.0.1:${port}/tarballs/tiny-1.0.0.tgz`,
      shasum: createHash('sha1').update(tarball).digest('hex'),
      integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
    },
  };
  return { name: '@portico-test/tiny', 'dist-tags': { latest: '1.0.0' }, versions: { '1.0.0': version } };
}

/** A TCP listener answering as an SSH server does, recording each connection: what git's ssh would reach. */
async function startFakeSsh(): Promise<{ server: TcpServer; port: number; connections: string[] }> {
  const connections: string[] = [];
  const server = createTcpServer((socket) => {
    connections.push(String(socket.remotePort));
    socket.on('error', () => socket.destroy());
    socket.end('SSH-2.0-OpenSSH_9.2p1 fake\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, connections };
}

interface DeploymentBody {
  properties: { status: string; log: string | null; error?: string | null };
}

/** A copy of the fixture API with `package.json` fields replaced and extra files. */
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

describe('API dependencies installed at deploy', () => {
  let t: TestService;
  let host: string;
  let token: string;

  beforeAll(async () => {
    t = await startTestService();
    const created = await t.admin('PUT', `${SITES_PATH}/deps`, { sku: { name: 'Standard' } });
    const body = created.json<{ properties: { defaultHostname: string; apiKey: string } }>();
    host = body.properties.defaultHostname;
    token = body.properties.apiKey;
  });
  afterAll(async () => {
    await t.close();
    await removeData(t.dataDir);
  });

  it('reuses the installed node_modules when package.json, lockfile and Node are unchanged', async () => {
    const app = await writeApp({ 'index.html': 'v1' });
    const first = await deployFolders(t.service, token, app, { apiDir: API_DIR });
    expect(first.status, first.text).toBe(200);
    expect(first.json<DeploymentBody>().properties.log).not.toMatch(/reused/);

    const app2 = await writeApp({ 'index.html': 'v2' });
    const second = await deployFolders(t.service, token, app2, { apiDir: API_DIR });
    expect(second.status, second.text).toBe(200);
    expect(second.json<DeploymentBody>().properties.log).toMatch(
      /Dependencies unchanged .* node_modules files were reused without running npm/,
    );
    expect((await t.get(host, '/')).text).toContain('v2');
    const answer = await t.get(host, '/api/setting/NOTHING');
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json()).toMatchObject({ name: 'NOTHING', value: null });
  }, 120_000);

  it('an unchanged redeploy keeps the live files and the running API, without npm', async () => {
    const api = await apiVariant(
      { dependencies: { '@azure/functions': '^4.16.5' }, description: 'pid' },
      { 'src/functions/pid.js': PID_FUNCTION },
    );
    const app = await writeApp({ 'index.html': 'same content' });
    const first = await deployFolders(t.service, token, app, { apiDir: api });
    expect(first.status, first.text).toBe(200);
    const pid = (await t.get(host, '/api/pid')).json<{ pid: string }>().pid;

    const again = await deployFolders(t.service, token, app, { apiDir: api });
    expect(again.status, again.text).toBe(200);
    const body = again.json<DeploymentBody & { name: string }>();
    expect(body.name).not.toBe(first.json<{ name: string }>().name);
    expect(body.properties.log).toMatch(
      /^Unchanged: the same content as deployment \S+ .*nothing was staged, installed \(no npm\) or restarted/,
    );
    expect((await t.get(host, '/')).text).toContain('same content');
    expect((await t.get(host, '/api/pid')).json<{ pid: string }>().pid).toBe(pid);
    const listed = await t.admin('GET', `${SITES_PATH}/deps/builds/default/deployments`);
    const [newest] = listed.json<{ value: { name: string; properties: { active: boolean } }[] }>().value;
    expect(newest).toMatchObject({ name: body.name, properties: { active: true } });

    // A change of static files only takes the full path, and the same API keeps running (decision 0047).
    const changed = await deployFolders(t.service, token, await writeApp({ 'index.html': 'changed' }), {
      apiDir: api,
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.json<DeploymentBody>().properties.log).toMatch(/Dependencies unchanged/);
    expect((await t.get(host, '/')).text).toContain('changed');
    expect((await t.get(host, '/api/pid')).json<{ pid: string }>().pid).toBe(pid);
  }, 120_000);

  it('starts the API again when its files or its app settings change, and only then', async () => {
    const files = { 'src/functions/pid.js': PID_FUNCTION };
    const api = await apiVariant(
      { dependencies: { '@azure/functions': '^4.16.5' }, description: 'pid' },
      files,
    );
    const first = await deployFolders(t.service, token, await writeApp({ 'index.html': 'a' }), {
      apiDir: api,
    });
    expect(first.status, first.text).toBe(200);
    const pidOf = async () => (await t.get(host, '/api/pid')).json<{ pid: string }>().pid;
    const pid = await pidOf();

    const edited = await apiVariant(
      { dependencies: { '@azure/functions': '^4.16.5' }, description: 'pid' },
      { ...files, 'src/functions/note.txt': 'an API file changed\n' },
    );
    const second = await deployFolders(t.service, token, await writeApp({ 'index.html': 'b' }), {
      apiDir: edited,
    });
    expect(second.status, second.text).toBe(200);
    const afterApiChange = await pidOf();
    expect(afterApiChange).not.toBe(pid);

    const settings = await t.admin('PUT', `${SITES_PATH}/deps/config/appsettings`, {
      properties: { GREETING: 'hello' },
    });
    expect(settings.status, settings.text).toBe(200);
    await expect.poll(pidOf, { timeout: 20_000 }).not.toBe(afterApiChange);

    // Back to the first API: its folder is still on disk, and it starts from there.
    const third = await deployFolders(t.service, token, await writeApp({ 'index.html': 'c' }), {
      apiDir: api,
    });
    expect(third.status, third.text).toBe(200);
    expect((await t.get(host, '/')).text).toContain('c');
    expect(await pidOf()).not.toBe(pid);
  }, 120_000);

  it('installs again when package.json changes, read past the byte order mark Visual Studio writes', async () => {
    const changed = await apiVariant({
      dependencies: { '@azure/functions': '^4.16.5' },
      description: 'changed',
    });
    const file = join(changed, 'package.json');
    await writeFile(file, `\uFEFF${await readFile(file, 'utf8')}`);
    const app = await writeApp({ 'index.html': 'v3' });
    const deployed = await deployFolders(t.service, token, app, { apiDir: changed });
    expect(deployed.status, deployed.text).toBe(200);
    expect(deployed.json<DeploymentBody>().properties.log).not.toMatch(/reused/);
  }, 120_000);

  it.each([
    [
      'a file: dependency',
      { dependencies: { secrets: 'file:../../../..' } },
      /dependencies\.secrets: "file:\.\.\/\.\.\/\.\.\/\.\."/,
    ],
    [
      'a path dependency',
      { dependencies: { data: '/var/lib/portico' } },
      /dependencies\.data: "\/var\/lib\/portico"/,
    ],
    [
      'a link: override',
      { dependencies: { x: '^1.0.0' }, overrides: { x: 'link:/etc' } },
      /overrides\.x: "link:\/etc"/,
    ],
    [
      'a folder named without ./ (npm reads a name with a slash as a path)',
      { dependencies: { x: 'a/../../../../../../etc' } },
      /dependencies\.x: "a\/\.\.\/\.\.\//,
    ],
    [
      'a tarball named without ./, in overrides',
      { dependencies: { y: '^1.0.0' }, overrides: { y: 'ab/../../../y.tgz', z: '$y' } },
      /overrides\.y: "ab\/\.\.\//,
    ],
    ['workspaces', { dependencies: { x: '^1.0.0' }, workspaces: ['../../..'] }, /workspaces/],
    [
      'a git repository on the server’s disk, in any case',
      { dependencies: { repo: 'GIT+File:///var/lib/portico/.git' } },
      /dependencies\.repo: "GIT\+File:/,
    ],
  ])(
    'refuses %s before running npm, naming it, and keeps the previous deployment',
    async (_, pkg, named) => {
      const api = await apiVariant(pkg);
      const app = await writeApp({ 'index.html': 'refused' });
      const deployed = await deployFolders(t.service, token, app, { apiDir: api });
      expect(deployed.status, deployed.text).toBe(400);
      const { message } = deployed.json<{ error: { message: string } }>().error;
      expect(message).toMatch(named);
      expect(message).toMatch(/Publish those packages .* or deploy the API with its node_modules folder/);
      expect((await t.get(host, '/')).text).not.toContain('refused');
    },
    60_000,
  );

  it('refuses a lockfile entry that links a folder of the server', async () => {
    const lock = {
      name: 'fixture-serve-api',
      lockfileVersion: 3,
      packages: {
        '': { dependencies: { x: '^1.0.0' } },
        'node_modules/x': { resolved: '../../other-site/api', link: true },
      },
    };
    const api = await apiVariant(
      { dependencies: { x: '^1.0.0' } },
      { 'package-lock.json': JSON.stringify(lock) },
    );
    const deployed = await deployFolders(t.service, token, await writeApp({ 'index.html': 'x' }), {
      apiDir: api,
    });
    expect(deployed.status, deployed.text).toBe(400);
    expect(deployed.json<{ error: { message: string } }>().error.message).toMatch(
      /package-lock\.json node_modules\/x: a link to a folder/,
    );
  }, 60_000);

  describe('npm sees none of the server’s environment', () => {
    let registry: Server;
    const seen: string[] = [];
    const secret = 'portico-secret-value-9f3c';
    // The operator's own registry token, given to npm as docs/security.md says: npm still uses it for its
    // registry, but a tenant's .npmrc cannot name it.
    const operatorSetting = 'npm_config_//npm.internal.example/:_authToken';
    const operatorToken = 'operator-npm-token-71c2';

    beforeAll(async () => {
      process.env.PORTICO_TEST_LEAK = secret;
      process.env[operatorSetting] = operatorToken;
      registry = createServer((req, res) => {
        seen.push(`${req.url ?? ''} ${req.headers.authorization ?? ''}`);
        res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
      });
      await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
      // The test registry is on loopback: the operator lets installs reach it.
      process.env.PORTICO_NPM_ALLOWED_HOSTS = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      delete process.env.PORTICO_NPM_ALLOWED_HOSTS;
      delete process.env.PORTICO_TEST_LEAK;
      delete process.env[operatorSetting];
      await new Promise((resolve) => registry.close(resolve));
    });

    it('a project .npmrc cannot send a server variable, or the operator’s npm token, to a registry', async () => {
      const { port } = registry.address() as AddressInfo;
      // A lone CR ends a line for npm: the proxy line must not hide behind the registry line.
      const npmrc = [
        `@leak:registry=http://127.0.0.1:${port}/\${PORTICO_TEST_LEAK}/`,
        `//127.0.0.1:${port}/:_authToken=\${PORTICO_TEST_LEAK}|\${${operatorSetting}}`,
        `registry=http://127.0.0.1:${port}/\rproxy=http://127.0.0.1:${port}/`,
      ].join('\n');
      const api = await apiVariant(
        { dependencies: { 'portico-no-such-package': '1.0.0' } },
        { '.npmrc': `${npmrc}\n` },
      );
      const deployed = await deployFolders(t.service, token, await writeApp({ 'index.html': 'x' }), {
        apiDir: api,
      });
      expect(deployed.status, deployed.text).toBe(400);
      expect(deployed.text).toMatch(/Installing the API's dependencies/);
      expect(deployed.text).toContain('.npmrc: left out @leak:registry, //127.0.0.1:');
      expect(deployed.text).toContain('.npmrc: left out proxy: the server');
      expect(deployed.text).not.toContain(secret);
      expect(seen.length).toBeGreaterThan(0);
      // Through a proxy the request line would name the whole URL.
      expect(seen.filter((line) => !line.startsWith('/'))).toEqual([]);
      expect(seen.join('\n')).not.toContain(secret);
      expect(seen.join('\n')).not.toContain(operatorToken);
    }, 120_000);

    it('a project .npmrc cannot make npm read the server’s files or install globally', async () => {
      const { port } = registry.address() as AddressInfo;
      // A file of the server's: npm prints each line of a config file it does not understand, so a
      // project naming it as its user or global config would read it into the deployment log.
      const outside = await mkdtemp(join(tmpdir(), 'portico-outside-'));
      const serverFile = join(outside, 'server-secret');
      await writeFile(serverFile, 'server-secret-line-4be1\n');
      const otherFile = join(outside, 'other-secret');
      await writeFile(otherFile, 'other-secret-line-77d0\n');
      const prefix = join(outside, 'prefix');
      const api = await apiVariant(
        { dependencies: { 'portico-no-such-package': '1.0.0' } },
        {
          '.npmrc': [
            `registry=http://127.0.0.1:${port}/`,
            `userconfig=${serverFile}`,
            `globalconfig=${otherFile}`,
            `cafile=${serverFile}`,
            'global=true',
            `prefix=${prefix}`,
            '',
          ].join('\n'),
        },
      );
      const before = seen.length;
      const deployed = await deployFolders(t.service, token, await writeApp({ 'index.html': 'x' }), {
        apiDir: api,
      });
      expect(deployed.status, deployed.text).toBe(400);
      expect(deployed.text).not.toContain('server-secret-line-4be1');
      expect(deployed.text).not.toContain('other-secret-line-77d0');
      expect(deployed.text).toContain(
        '.npmrc: left out userconfig, globalconfig, cafile, global, prefix: the server',
      );
      // The registry the project names is still the one npm asks; nothing was installed under the prefix.
      expect(seen.length).toBeGreaterThan(before);
      expect(await readFile(join(api, '.npmrc'), 'utf8')).toContain('global=true');
      await expect(
        readFile(join(prefix, 'lib', 'node_modules', 'fixture-serve-api', 'package.json')),
      ).rejects.toThrow();
    }, 120_000);
  });

  describe('a tenant sending npm to the server’s own addresses', () => {
    let internal: Server;
    const seen: string[] = [];

    beforeAll(async () => {
      // A service of the server's on loopback, which no tenant's install may reach.
      internal = createServer((req, res) => {
        seen.push(req.url ?? '');
        res.writeHead(200, { 'content-type': 'text/plain' }).end('internal-secret-3a7f');
      });
      await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      await new Promise((resolve) => internal.close(resolve));
    });

    const cases = [
      ['a registry in .npmrc', 'registry=http://127.0.0.1:PORT/\n', { 'portico-no-such-package': '1.0.0' }],
      ['a tarball URL in package.json', undefined, { tiny: 'http://localhost:PORT/tiny.tgz' }],
      // A URL writes it [::ffff:7f00:1]. @see the tester's report on IPv4 addresses written as IPv6
      [
        'a registry in IPv6 form',
        'registry=http://[::ffff:127.0.0.1]:PORT/\n',
        { 'portico-no-such-package': '1.0.0' },
      ],
    ] as const;
    for (const [what, npmrc, dependencies] of cases) {
      it(`refuses ${what} on loopback, naming it, and the internal server gets no request`, async () => {
        const { port } = internal.address() as AddressInfo;
        const withPort = (text: string) => text.replace('PORT', String(port));
        const api = await apiVariant(
          {
            dependencies: Object.fromEntries(Object.entries(dependencies).map(([k, v]) => [k, withPort(v)])),
          },
          npmrc === undefined ? {} : { '.npmrc': withPort(npmrc) },
        );
        const deployed = await deployFolders(t.service, token, await writeApp({ 'index.html': 'x' }), {
          apiDir: api,
        });
        expect(deployed.status, deployed.text).toBe(400);
        expect(deployed.json<{ error: { message: string } }>().error.message).toMatch(
          new RegExp(
            `npm was sent to (127\\.0\\.0\\.1|localhost|\\[::ffff:7f00:1\\]):${port} is [^,]+, a loopback address`,
          ),
        );
        expect(deployed.text).not.toContain('internal-secret-3a7f');
        expect(seen).toEqual([]);
      }, 120_000);
    }

    for (const [spelling, written] of [
      ['', (own: string) => own],
      [' written as IPv6', (own: string) => `[::ffff:${own}]`],
    ] as const) {
      it(`refuses the server's own non-loopback address${spelling}, where a service bound to all addresses answers`, async () => {
        const own = Object.values(networkInterfaces())
          .flatMap((list) => list ?? [])
          .find((info) => info.family === 'IPv4' && !info.internal)?.address;
        if (own === undefined) {
          return; // A machine with loopback only has no such address.
        }
        const everywhere = createServer((_req, res) => res.end('all-interfaces-secret'));
        await new Promise<void>((resolve) => everywhere.listen(0, '0.0.0.0', resolve));
        try {
          const { port } = everywhere.address() as AddressInfo;
          const api = await apiVariant(
            { dependencies: { 'portico-no-such-package': '1.0.0' } },
            { '.npmrc': `registry=http://${written(own)}:${port}/\n` },
          );
          const deployed = await deployFolders(t.service, token, await writeApp({ 'index.html': 'x' }), {
            apiDir: api,
          });
          expect(deployed.status, deployed.text).toBe(400);
          expect(deployed.text).toMatch(/:\d+ is [^,]+, one of the server's own addresses/);
          expect(deployed.text).toContain(
            spelling === '' ? `${own}:${port} is ${own},` : `(${own}, written as IPv6)`,
          );
          expect(deployed.text).not.toContain('all-interfaces-secret');
        } finally {
          await new Promise((resolve) => everywhere.close(resolve));
        }
      }, 120_000);
    }

    /** @see decision 0104: a `git+ssh://` dependency made the server's npm run ssh to any host and port. */
    it('refuses ssh dependencies, which take no proxy and could reach any port, saying what to use', async () => {
      const ssh = await startFakeSsh();
      try {
        const api = await apiVariant({ dependencies: { x: `git+ssh://git@127.0.0.1:${ssh.port}/x.git` } });
        const deployed = await deployFolders(t.service, token, await writeApp({ 'index.html': 'x' }), {
          apiDir: api,
        });
        expect(deployed.status, deployed.text).toBe(400);
        expect(deployed.text).toContain(
          'ssh dependencies cannot be installed by the server: use an https URL, a github: shorthand, or a tarball',
        );
        expect(deployed.text).toContain('package.json dependencies.x');
        expect(deployed.text).not.toContain('SSH-2.0');
        expect(ssh.connections).toEqual([]);
      } finally {
        await new Promise((resolve) => ssh.server.close(resolve));
      }
    }, 120_000);

    it('refuses git:// dependencies, which take no proxy and could reach any port', async () => {
      const { port } = internal.address() as AddressInfo;
      const api = await apiVariant({ dependencies: { x: `git://127.0.0.1:${port}/x.git` } });
      const deployed = await deployFolders(t.service, token, await writeApp({ 'index.html': 'x' }), {
        apiDir: api,
      });
      expect(deployed.status, deployed.text).toBe(400);
      expect(deployed.text).toContain("transport 'git' not allowed");
      expect(seen).toEqual([]);
    }, 120_000);
  });

  describe('install progress and secrets', () => {
    const secret = 'tenant-registry-token-5e1d';
    let registry: Server;
    let port = 0;
    const seenAuth: string[] = [];

    let tarball: Buffer = Buffer.alloc(0);

    beforeAll(async () => {
      tarball = await packTinyPackage();
      registry = createServer((req, res) => {
        seenAuth.push(req.headers.authorization ?? '');
        if (req.headers.authorization !== `Bearer ${secret}`) {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"token needed"}');
        } else if (req.url === '/tarballs/tiny-1.0.0.tgz') {
          res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(tarball);
        } else if (req.url?.startsWith('/@portico-test') === true) {
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify(packument(port, tarball)));
        } else {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
        }
      });
      await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
      port = (registry.address() as AddressInfo).port;
      process.env.PORTICO_NPM_ALLOWED_HOSTS = `127.0.0.1:${port}`;
    });
    afterAll(async () => {
      delete process.env.PORTICO_NPM_ALLOWED_HOSTS;
      await new Promise((resolve) => registry.close(resolve));
    });

    const apiWith = (version: string) =>
      apiVariant(
        { dependencies: { '@portico-test/tiny': version } },
        {
          '.npmrc': `@portico-test:registry=http://127.0.0.1:${port}/\n//127.0.0.1:${port}/:_authToken=${secret}\n`,
        },
      );

    it('shows npm’s progress in the deployment log, and never the registry token', async () => {
      const deployed = await deployFolders(t.service, token, await writeApp({ 'index.html': 'tiny' }), {
        apiDir: await apiWith('1.0.0'),
      });
      expect(deployed.status, deployed.text).toBe(200);
      expect(seenAuth).toContain(`Bearer ${secret}`);
      const { name, properties } = deployed.json<DeploymentBody & { name: string }>();
      expect(properties.log).toMatch(/^npm install: 1 package resolved, 0 fetched, \d+ s…$/m);
      expect(properties.log).toMatch(/^added 1 package/m);
      expect(properties.log).toMatch(/^npm install finished after \d+ s: 1 package resolved, 1 fetched\.$/m);
      const shown = await t.admin('GET', `/deploy/v1/deployments/${name}`, undefined, token);
      expect(shown.status, shown.text).toBe(200);
      expect(shown.json<DeploymentBody>().properties.log).toBe(properties.log);
      expect(deployed.text).not.toContain(secret);
    }, 120_000);

    /** @see decision 0104: a dev-only ssh dependency was refused though `--omit=dev` never fetches it. */
    it('deploys with an ssh devDependency its lockfile holds as dev-only, which npm never fetches', async () => {
      const ssh = await startFakeSsh();
      try {
        const lint = `git+ssh://git@127.0.0.1:${ssh.port}/team/lint.git#semver:^1.0.0`;
        const lockfile = {
          name: 'fixture-serve-api',
          version: '1.0.0',
          lockfileVersion: 3,
          requires: true,
          packages: {
            '': {
              name: 'fixture-serve-api',
              version: '1.0.0',
              dependencies: { '@portico-test/tiny': '1.0.0' },
              devDependencies: { 'corp-lint': lint },
            },
            'node_modules/@portico-test/tiny': {
              version: '1.0.0',
              resolved: `http://127.0.0.1:${port}/tarballs/tiny-1.0.0.tgz`,
              integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
            },
            'node_modules/corp-lint': {
              version: '1.0.0',
              resolved: `git+ssh://git@127.0.0.1:${ssh.port}/team/lint.git#${'0123456789'.repeat(4)}`,
              dev: true,
            },
          },
        };
        const api = await apiVariant(
          { dependencies: { '@portico-test/tiny': '1.0.0' }, devDependencies: { 'corp-lint': lint } },
          {
            '.npmrc': `@portico-test:registry=http://127.0.0.1:${port}/\n//127.0.0.1:${port}/:_authToken=${secret}\n`,
            'package-lock.json': JSON.stringify(lockfile),
          },
        );
        const deployed = await deployFolders(t.service, token, await writeApp({ 'index.html': 'lint' }), {
          apiDir: api,
        });
        expect(deployed.status, deployed.text).toBe(200);
        expect(deployed.json<DeploymentBody>().properties.log).toMatch(/^added 1 package/m);
        expect(ssh.connections).toEqual([]);

        // Without the lockfile, npm resolves the devDependency (over ssh) though it installs none: refused.
        const unlocked = await apiVariant(
          { dependencies: { '@portico-test/tiny': '1.0.0' }, devDependencies: { 'corp-lint': lint } },
          {
            '.npmrc': `@portico-test:registry=http://127.0.0.1:${port}/\n//127.0.0.1:${port}/:_authToken=${secret}\n`,
          },
        );
        const refused = await deployFolders(t.service, token, await writeApp({ 'index.html': 'lint' }), {
          apiDir: unlocked,
        });
        expect(refused.status, refused.text).toBe(400);
        expect(refused.text).toContain('ssh dependencies cannot be installed by the server');
        expect(refused.text).toContain('package.json devDependencies.corp-lint');
        expect(ssh.connections).toEqual([]);
      } finally {
        await new Promise((resolve) => ssh.server.close(resolve));
      }
    }, 120_000);

    it('never gives an install without the token what an install with it put in the npm cache', async () => {
      // The package the token holder installed above, pinned by a lockfile to the same tarball: with one
      // cache for every site, npm (--prefer-offline) would take it from there without asking the registry.
      const lockfile = {
        name: 'fixture-serve-api',
        version: '1.0.0',
        lockfileVersion: 3,
        requires: true,
        packages: {
          '': {
            name: 'fixture-serve-api',
            version: '1.0.0',
            dependencies: { '@portico-test/tiny': '1.0.0' },
          },
          'node_modules/@portico-test/tiny': {
            version: '1.0.0',
            resolved: `http://127.0.0.1:${port}/tarballs/tiny-1.0.0.tgz`,
            integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
          },
        },
      };
      const api = await apiVariant(
        { dependencies: { '@portico-test/tiny': '1.0.0' } },
        {
          '.npmrc': `@portico-test:registry=http://127.0.0.1:${port}/\n`,
          'package-lock.json': JSON.stringify(lockfile),
        },
      );
      const deployed = await deployFolders(t.service, token, await writeApp({ 'index.html': 'no token' }), {
        apiDir: api,
      });
      expect(deployed.status, deployed.text).toBe(400);
      expect(deployed.text).toMatch(/npm install --omit=dev\) failed/);
    }, 120_000);

    it('keeps the token out of a failed install’s error and log', async () => {
      const deployed = await deployFolders(t.service, token, await writeApp({ 'index.html': 'no tiny' }), {
        apiDir: await apiWith('9.9.9'),
      });
      expect(deployed.status, deployed.text).toBe(400);
      expect(deployed.text).toMatch(/npm install --omit=dev\) failed \(exit code \d+\)/);
      // npm's own lines, not Portico's progress lines (they stay in the deployment's log).
      expect(deployed.text).toContain('Last output of npm:\\nnpm error code ETARGET');
      expect(deployed.text).not.toMatch(/npm install: \d+ package/);
      expect(deployed.text).not.toContain(secret);
      // npm's "complete log" line would name a folder of the server.
      expect(deployed.text).not.toContain(t.dataDir);
      expect(deployed.text).not.toContain('_logs');
      const listed = await t.admin('GET', `${SITES_PATH}/deps/builds/default/deployments`);
      const [failed] = listed.json<{ value: DeploymentBody[] }>().value;
      expect(failed?.properties.status).toBe('Failed');
      expect(failed?.properties.log).toMatch(/npm install: 1 package resolved/);
      expect(listed.text).not.toContain(secret);
    }, 120_000);
  });
});

/**
 * A git dependency whose repository has a prepare script: npm clones it and starts a second npm in the
 * clone, which reads the repository's own `.npmrc` and gets none of the first one's flags. Run without
 * bubblewrap (`--sandbox node`), where npm has the server's view of the machine: nothing of the
 * repository may run there.
 */
describe('a git dependency of a deployed API', () => {
  let t: TestService;
  let gitServer: Server;
  let token: string;
  let root: string;
  const run = promisify(execFile);

  beforeAll(async () => {
    t = await startTestService({ sandbox: 'node' });
    const created = await t.admin('PUT', `${SITES_PATH}/gitdeps`, { sku: { name: 'Standard' } });
    token = created.json<{ properties: { apiKey: string } }>().properties.apiKey;
    root = await mkdtemp(join(tmpdir(), 'portico-git-'));
    gitServer = createServer((req, res) => {
      // Git's "dumb" HTTP protocol: the bare repository's files as they are.
      readFile(join(root, decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/')))
        .then((data) => res.writeHead(200).end(data))
        .catch(() => res.writeHead(404).end());
    });
    await new Promise<void>((resolve) => gitServer.listen(0, '127.0.0.1', resolve));
    process.env.PORTICO_NPM_ALLOWED_HOSTS = `127.0.0.1:${(gitServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    delete process.env.PORTICO_NPM_ALLOWED_HOSTS;
    await t.close();
    await removeData(t.dataDir);
    await new Promise((resolve) => gitServer.close(resolve));
  });

  /** A bare repository `name.git` served over HTTP, made from `files` (executable when the name ends in .sh). */
  async function gitRepository(name: string, files: Record<string, string>): Promise<string> {
    const work = await mkdtemp(join(tmpdir(), 'portico-git-work-'));
    for (const [file, text] of Object.entries(files)) {
      await writeFile(join(work, file), text, { mode: file.endsWith('.sh') ? 0o755 : 0o644 });
    }
    const git = (...args: string[]) =>
      run('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: work });
    await git('init', '-q');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'one');
    await run('git', ['clone', '-q', '--bare', work, join(root, `${name}.git`)]);
    await run('git', ['update-server-info'], { cwd: join(root, `${name}.git`) });
    const { port } = gitServer.address() as AddressInfo;
    return `git+http://127.0.0.1:${port}/${name}.git`;
  }

  it('never runs a git program the repository’s .npmrc names, nor its scripts, and installs it', async () => {
    const markers = await mkdtemp(join(tmpdir(), 'portico-git-markers-'));
    const mark = (name: string) => `node -e "require('fs').writeFileSync('${join(markers, name)}', 'ran')"`;
    const inner = await gitRepository('inner', {
      'package.json': JSON.stringify({ name: 'inner', version: '1.0.0', main: 'index.js' }),
      'index.js': 'module.exports = 1;\n',
    });
    // A script makes npm prepare the clone with a second npm, which needs git for `inner`: the
    // repository's .npmrc names its own program as git.
    const outer = await gitRepository('outer', {
      'package.json': JSON.stringify({
        name: 'outer',
        version: '1.0.0',
        main: 'index.js',
        scripts: { prepare: mark('prepare') },
        dependencies: { inner },
      }),
      'index.js': 'module.exports = 7;\n',
      '.npmrc': 'git=./pwn.sh\n',
      'pwn.sh': `#!/bin/sh\n${mark('git')}\nexec git "$@"\n`,
    });
    const api = await apiVariant({ dependencies: { outer } });
    const deployed = await deployFolders(t.service, token, await writeApp({ 'index.html': 'git' }), {
      apiDir: api,
    });
    expect(deployed.status, deployed.text).toBe(200);
    expect(deployed.json<DeploymentBody>().properties.log).toMatch(/^added 2 packages/m);
    expect(await readdir(markers)).toEqual([]);
  }, 120_000);

  /** @see the tester's report: a git dependency's `noproxy` sent the npm preparing it straight to loopback. */
  it('keeps the npm preparing a git dependency on the guard, whatever the repository’s .npmrc says', async () => {
    const seen: string[] = [];
    const internal = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"internal-secret-5b2e"}');
    });
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = internal.address() as AddressInfo;
      const outer = await gitRepository('noproxy', {
        'package.json': JSON.stringify({
          name: 'noproxy',
          version: '1.0.0',
          scripts: { prepare: 'node -e 0' },
          dependencies: { 'is-number': '7.0.0' },
        }),
        '.npmrc': [
          `registry=http://127.0.0.1:${port}/`,
          'noproxy=127.0.0.1',
          'proxy=',
          'https-proxy=',
          '',
        ].join('\n'),
      });
      const api = await apiVariant({ dependencies: { outer } });
      const deployed = await deployFolders(t.service, token, await writeApp({ 'index.html': 'git' }), {
        apiDir: api,
      });
      expect(deployed.status, deployed.text).toBe(400);
      expect(deployed.text).toContain(`npm was sent to 127.0.0.1:${port} is 127.0.0.1, a loopback address`);
      expect(deployed.text).not.toContain('internal-secret-5b2e');
      expect(seen).toEqual([]);
    } finally {
      await new Promise((resolve) => internal.close(resolve));
    }
  }, 120_000);

  /** @see decision 0104: git's ssh is refused for a git dependency's own dependencies too. */
  it('never lets git use ssh for a git dependency’s own dependency, and says what to use instead', async () => {
    const ssh = await startFakeSsh();
    try {
      const outer = await gitRepository('via-ssh', {
        'package.json': JSON.stringify({
          name: 'via-ssh',
          version: '1.0.0',
          dependencies: { inner: `git+ssh://git@127.0.0.1:${ssh.port}/inner.git` },
        }),
        'index.js': 'module.exports = 3;\n',
      });
      const api = await apiVariant({ dependencies: { outer } });
      const deployed = await deployFolders(t.service, token, await writeApp({ 'index.html': 'git' }), {
        apiDir: api,
      });
      expect(deployed.status, deployed.text).toBe(400);
      expect(deployed.text).toContain('ssh dependencies cannot be installed by the server');
      expect(deployed.text).toContain("transport 'ssh' not allowed");
      expect(ssh.connections).toEqual([]);
    } finally {
      await new Promise((resolve) => ssh.server.close(resolve));
    }
  }, 120_000);

  it('never runs a file of a git dependency that another one’s .npmrc names in node-options', async () => {
    const markers = await mkdtemp(join(tmpdir(), 'portico-git-markers-'));
    const inner = await gitRepository('preloaded', {
      'package.json': JSON.stringify({
        name: 'preloaded',
        version: '1.0.0',
        scripts: { prepare: 'node -e 0' },
      }),
      'index.js': 'module.exports = 1;\n',
      'pwn.js': `require('fs').writeFileSync(${JSON.stringify(join(markers, 'preload'))}, 'ran');\n`,
    });
    // npm passes node-options on as NODE_OPTIONS: to the npm it starts in the clone of `preloaded`.
    const outer = await gitRepository('preloading', {
      'package.json': JSON.stringify({
        name: 'preloading',
        version: '1.0.0',
        scripts: { prepare: 'node -e 0' },
        dependencies: { preloaded: inner },
      }),
      'index.js': 'module.exports = 2;\n',
      '.npmrc': 'node-options=--require ./pwn.js\n',
    });
    const api = await apiVariant({ dependencies: { outer } });
    const deployed = await deployFolders(t.service, token, await writeApp({ 'index.html': 'git' }), {
      apiDir: api,
    });
    expect(await readdir(markers)).toEqual([]);
    expect(deployed.status, deployed.text).toBe(200);
  }, 120_000);
});
