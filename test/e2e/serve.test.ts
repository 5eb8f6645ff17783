/**
 * The real CLI against a real `portico serve` process (issue 4 "Done when"): create, deploy app + API,
 * request by Host, settings reaching the function, token reset, an invalid deploy rejected while the old
 * one serves, restart on the same data, and a `kill -9` in the middle of an upload.
 */

import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, send, writeApp } from '../helpers/app.js';
import { CLI_RUNS_TIMEOUT, type RunningCli, runCli, startCli, timeoutFor } from '../helpers/cli.js';

const API_DIR = fileURLToPath(new URL('../fixtures/serve/api', import.meta.url));

interface Server {
  cli: RunningCli;
  adminUrl: string;
  port: number;
}

async function startServe(dataDir: string): Promise<Server> {
  const cli = await startCli(
    ['serve', '--data', dataDir, '--port', '0', '--admin-port', '0', '--domain', 'portico.test'],
    20_000,
  );
  await eventually(async () => /Management API at (http:\/\/\S+)/.test(cli.stdout()));
  // The ready line scripts wait for keeps its start; the build it names comes last (a rolling upgrade).
  expect(cli.stdout()).toMatch(
    /^Portico service ready at http:\/\/\S+ \(sites by Host, \*\.portico\.test; version \d+\.\d+\.\d+\+[0-9a-f]{7,}\)$/m,
  );
  const adminUrl = /Management API at (http:\/\/\S+)/.exec(cli.stdout())?.[1] ?? '';
  return { cli, adminUrl, port: Number(new URL(cli.url).port) };
}

describe('portico serve driven by the portico CLI', { timeout: CLI_RUNS_TIMEOUT.three }, () => {
  let dataDir: string;
  let server: Server;
  let token: string;
  let host: string;
  const cli = (args: string[], timeoutMs = 60_000) =>
    runCli([...args, '--url', server.adminUrl, '--token', token], timeoutMs);
  const get = (hostname: string, path: string, cookie?: string) =>
    send(`http://127.0.0.1:${server.port}${path}`, {
      headers: { host: `${hostname}:${server.port}`, ...(cookie === undefined ? {} : { cookie }) },
    });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'portico-e2e-serve-'));
    server = await startServe(dataDir);
    token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
  }, 30_000);
  afterAll(async () => {
    await server.cli.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('writes the admin token with mode 0600 and says where it is', async () => {
    const { stat } = await import('node:fs/promises');
    expect((await stat(join(dataDir, 'admin-token'))).mode & 0o777).toBe(0o600);
    expect(server.cli.stdout()).toContain('admin-token');
  });

  it('says where the service key is, and warns that its file sits beside the database', async () => {
    expect(server.cli.stdout()).toMatch(/Service key: in \S*service-key/);
    expect(server.cli.stderr()).toMatch(
      /warning: The service key file \S*service-key is in the same folder as the database[^\n]*--secret-key-file/,
    );
  });

  it('shell-quotes the key file in the command it prints, so a --data folder with a space still works', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'portico-e2e-spaced-'));
    const spaced = join(parent, 'dåta dir');
    const other = await startCli(
      ['serve', '--data', spaced, '--port', '0', '--admin-port', '0', '--domain', 'portico.test'],
      20_000,
    );
    try {
      await eventually(async () => other.stderr().includes('mv '));
      expect(other.stderr()).toContain(
        `mv '${join(spaced, 'service-key')}' /etc/portico/service-key, then start`,
      );
    } finally {
      await other.stop();
      await rm(parent, { recursive: true, force: true });
    }
  });

  it('documents --secret-key-file and PORTICO_SECRET_KEY_FILE in serve --help', async () => {
    const help = await runCli(['serve', '--help']);
    expect(help.stdout).toContain('--secret-key-file <path>');
    expect(help.stdout).toContain('PORTICO_SECRET_KEY_FILE');
  });

  it('exits non-zero with a clear message when the key file holds no key', async () => {
    const other = await mkdtemp(join(tmpdir(), 'portico-e2e-badkey-'));
    const keyFile = join(other, 'service-key');
    await writeFile(keyFile, 'not a key\n');
    const run = await runCli([
      'serve',
      '--data',
      other,
      '--port',
      '0',
      '--admin-port',
      '0',
      '--secret-key-file',
      keyFile,
    ]);
    await rm(other, { recursive: true, force: true });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `Cannot use the service key file ${keyFile}: it does not hold a service key`,
    );
  });

  it(
    'refuses a taken port, one port for two listeners, or a --data file, naming the flag and creating no data folder',
    async () => {
      const parent = await mkdtemp(join(tmpdir(), 'portico-e2e-startfail-'));
      const fresh = join(parent, 'data');
      const taken = Number(new URL(server.cli.url).port);
      const aFile = join(parent, 'a-file');
      await writeFile(aFile, 'x');
      try {
        const inUse = await runCli(['serve', '--data', fresh, '--port', String(taken), '--admin-port', '0']);
        expect(inUse.code).toBe(1);
        expect(inUse.stderr).toContain(
          `Port ${taken} on 127.0.0.1 is already in use, so portico serve cannot listen there (--port).`,
        );
        expect(existsSync(fresh)).toBe(false);
        const same = await runCli(['serve', '--data', fresh, '--port', '42296', '--admin-port', '42296']);
        expect(same.code).toBe(1);
        expect(same.stderr).toContain('--port and --admin-port are both 42296');
        expect(existsSync(fresh)).toBe(false);
        const file = await runCli(['serve', '--data', aFile, '--port', '0', '--admin-port', '0']);
        expect(file.code).toBe(1);
        expect(file.stderr).toContain(`--data ${aFile} is not a folder.`);
        const below = await runCli([
          'serve',
          '--data',
          join(aFile, 'sub'),
          '--port',
          '0',
          '--admin-port',
          '0',
        ]);
        expect(below.code).toBe(1);
        expect(below.stderr).toContain(
          `--data ${join(aFile, 'sub')} cannot be created: ${aFile} is not a folder.`,
        );
        // Under /proc every mkdir answers ENOENT: Node's recursive mkdir never returned there.
        const proc = await runCli([
          'serve',
          '--data',
          '/proc/portico/data',
          '--port',
          '0',
          '--admin-port',
          '0',
        ]);
        expect(proc.code).toBe(1);
        expect(proc.stderr).toContain(
          "--data /proc/portico/data cannot be created: ENOENT: no such file or directory, mkdir '/proc/portico'.",
        );
        // An unset shell variable ("--data $DATA") must not make the current folder the data folder.
        const empty = await runCli(['serve', '--data', '', '--port', '0', '--admin-port', '0']);
        expect(empty.code).not.toBe(0);
        expect(empty.stderr).toContain('expected a folder path, got an empty value');
        // Let's Encrypt refuses such a contact at every order: said at start instead.
        const email = await runCli(['serve', '--data', fresh, '--acme-email', 'not an email']);
        expect(email.code).not.toBe(0);
        expect(email.stderr).toContain("option '--acme-email <address>' argument 'not an email' is invalid");
        expect(email.stderr).toContain('expected one e-mail address, e.g. ops@example.com.');
        const adminHost = await runCli([
          'serve',
          '--data',
          fresh,
          '--port',
          '0',
          '--admin-port',
          '0',
          '--admin-host',
          '10.255.255.1',
        ]);
        expect(adminHost.code).toBe(1);
        expect(adminHost.stderr).toContain('cannot listen on it (--admin-host)');
        const domain = await runCli(['serve', '--data', fresh, '--domain', 'http://x.com', '--port', '0']);
        expect(domain.code).not.toBe(0);
        expect(domain.stderr).toContain('expected a domain name such as sites.example.com');
        expect(existsSync(fresh)).toBe(false);
      } finally {
        await rm(parent, { recursive: true, force: true });
      }
    },
    timeoutFor(11),
  );

  it('says so when the CLI is pointed at the sites port instead of the admin port', async () => {
    const wrong = await runCli(['site', 'list', '--url', server.cli.url, '--token', 'x']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      `${server.cli.url} is the sites port of portico serve, not its management API: point --url (or PORTICO_URL) at the admin port`,
    );
  });

  it("says how to give the right admin token with the CLI's own options when it is refused", async () => {
    const refused = await runCli(['site', 'list', '--url', server.adminUrl, '--token', 'not-the-token']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `The admin token was missing or refused by ${server.adminUrl}: give the one portico serve uses with --token, --token-file or PORTICO_TOKEN`,
    );
  });

  it('says which preconfigured sign-in providers are set up, and how to set up the others', () => {
    expect(server.cli.stdout()).toContain(
      'Sign-in: no preconfigured provider set up; to set up github (PORTICO_GITHUB_CLIENT_ID/SECRET), aad (PORTICO_AAD_CLIENT_ID/SECRET)',
    );
    expect(server.cli.stdout()).toMatch(
      /their callback URL is http:\/\/identity\.[a-z.]+:\d+\/\.auth\/login\/<github\|aad>\/callback/,
    );
  });

  it('says which sandbox managed functions run in (the strongest this machine offers)', async () => {
    await eventually(async () => /Functions sandbox: .*Node permission model/.test(server.cli.stdout()));
    expect(server.cli.stdout()).toContain('(see docs/security.md)');
  });

  it('prints the portal URL, which serves the portal page', async () => {
    const portal = /Portal at (http:\/\/\S+\/)/.exec(server.cli.stdout())?.[1] ?? '';
    expect(portal).toBe(`${server.adminUrl}/`);
    const page = await send(portal);
    expect(page.status).toBe(200);
    expect(page.header('content-type')).toMatch(/^text\/html/);
    expect(page.header('content-security-policy')).toContain("default-src 'none'");
  });

  it('creates a site and shows it as JSON', async () => {
    const created = await cli(['site', 'create', 'shop', '--plan', 'standard']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/deploymentToken:/);
    const shown = await cli(['site', 'show', 'shop', '--json']);
    const site = JSON.parse(shown.stdout) as {
      properties: { defaultHostname: string };
      sku: { name: string };
    };
    expect(site.sku.name).toBe('Standard');
    host = site.properties.defaultHostname;
    expect(host).toMatch(/\.portico\.test$/);
  });

  it('deploys an app with its API and serves both by Host, with app settings reaching the function', async () => {
    const app = await writeApp({ 'index.html': '<h1>e2e one</h1>' });
    const deployed = await cli(['deploy', app, '--api', API_DIR, '--site', 'shop']);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stdout).toContain(`Deployed to http://${host}:${server.port}`);
    // The deployment's log, printed while the server installs the API's dependencies.
    expect(deployed.stderr).toMatch(/^ {2}npm install: \d+ packages? resolved, \d+ fetched, \d+ s…$/m);
    expect(deployed.stderr).toMatch(/^ {2}npm install finished after \d+ s/m);
    expect((await get(host, '/')).text).toContain('e2e one');
    const set = await cli(['settings', 'set', '--site', 'shop', 'GREETING=from settings']);
    expect(set.code, set.stderr).toBe(0);
    const answer = await get(host, '/api/setting/GREETING');
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json()).toMatchObject({ value: 'from settings' });
    const listed = JSON.parse(
      (await cli(['settings', 'list', '--site', 'shop', '--json'])).stdout,
    ) as unknown;
    expect(listed).toEqual({ properties: { GREETING: 'from settings' } });
  }, 90_000);

  it('redeploys unchanged content without uploads or npm, and says so', async () => {
    const app = await writeApp({ 'index.html': '<h1>e2e again</h1>' });
    const deploy = () => cli(['deploy', app, '--api', API_DIR, '--site', 'shop', '--env', 'again']);
    const first = await deploy();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/^ {2}Dependencies unchanged .* reused without running npm/m);
    const again = await deploy();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('The server already has every file; nothing to upload.');
    expect(again.stderr).toMatch(/^ {2}Unchanged: the same content as deployment .*\(no npm\)/m);
    const againHost = host.replace('.', '-again.');
    expect((await get(againHost, '/')).text).toContain('e2e again');
    expect((await get(againHost, '/api/setting/GREETING')).json()).toMatchObject({ value: 'from settings' });
    expect((await cli(['env', 'delete', '--site', 'shop', 'again', '--yes'])).code).toBe(0);
  }, 90_000);

  it('says at deploy when the deployed API does not load, while the content goes live', async () => {
    const api = await mkdtemp(join(tmpdir(), 'portico-broken-api-'));
    try {
      await cp(API_DIR, api, { recursive: true });
      await writeFile(
        join(api, 'src', 'functions', 'broken.js'),
        "const { app } = require('@azure/functions');\napp.http('broken', {\n",
      );
      const app = await writeApp({ 'index.html': '<h1>e2e broken api</h1>' });
      const deployed = await cli(['deploy', app, '--api', api, '--site', 'shop', '--env', 'brokenapi']);
      expect(deployed.code, deployed.stderr).toBe(0);
      expect(deployed.stderr).toContain('the content is live, but the API does not load');
      expect(deployed.stderr).toContain('broken.js');
      const brokenHost = host.replace('.', '-brokenapi.');
      expect((await get(brokenHost, '/')).text).toContain('e2e broken api');
      expect((await get(brokenHost, '/api/setting/GREETING')).status).toBe(502);
    } finally {
      await cli(['env', 'delete', '--site', 'shop', 'brokenapi', '--yes']);
      await rm(api, { recursive: true, force: true });
    }
  }, 90_000);

  it('says at deploy which package a .funcignore left out of node_modules and which file needs it, naming no server folder', async () => {
    // v3 (function.json): the worker's bundled library runs it, so node_modules holds only the app's own packages.
    const api = await writeApp({
      'host.json': '{ "version": "2.0" }',
      'package.json': JSON.stringify({ dependencies: { present: '1.0.0', 'left-out': '1.0.0' } }),
      '.funcignore': 'node_modules/left-out\n',
      'hello/function.json': JSON.stringify({
        bindings: [
          { type: 'httpTrigger', direction: 'in', name: 'req', authLevel: 'anonymous' },
          { type: 'http', direction: 'out', name: 'res' },
        ],
      }),
      'hello/index.js':
        "const v = require('present');\nmodule.exports = async (context) => { context.res = { body: v }; };\n",
      'node_modules/present/package.json': JSON.stringify({ name: 'present', main: 'index.js' }),
      'node_modules/present/index.js': "module.exports = require('left-out');\n",
      'node_modules/left-out/package.json': JSON.stringify({ name: 'left-out', main: 'index.js' }),
      'node_modules/left-out/index.js': "module.exports = 'hi';\n",
    });
    const app = await writeApp({ 'index.html': '<h1>e2e partial modules</h1>' });
    try {
      const deployed = await cli(['deploy', app, '--api', api, '--site', 'shop', '--env', 'partialmodules']);
      expect(deployed.code, deployed.stderr).toBe(0);
      expect(deployed.stderr).toContain('the content is live, but the API does not load');
      expect(deployed.stderr).toContain(
        '"node_modules/present/index.js" requires the package "left-out", which node_modules does not hold (while loading "hello/index.js"). The deployed node_modules folder is incomplete: check that .funcignore leaves none of it out',
      );
      expect(deployed.stderr).not.toContain(dataDir);
      expect(deployed.stderr).not.toContain('/home/site/wwwroot');
      const partialHost = host.replace('.', '-partialmodules.');
      const call = await get(partialHost, '/api/hello');
      expect(call.status).toBe(502);
      expect(call.text).not.toContain(dataDir);
    } finally {
      await cli(['env', 'delete', '--site', 'shop', 'partialmodules', '--yes']);
      await rm(api, { recursive: true, force: true });
      await rm(app, { recursive: true, force: true });
    }
  }, 90_000);

  it("prints the API's warnings at deploy: a timer Static Web Apps does not run", async () => {
    const api = await mkdtemp(join(tmpdir(), 'portico-timer-api-'));
    try {
      await cp(API_DIR, api, { recursive: true });
      await writeFile(
        join(api, 'src', 'functions', 'nightly.js'),
        "const { app } = require('@azure/functions');\napp.timer('nightly', { schedule: '0 0 3 * * *', handler: async () => {} });\n",
      );
      const app = await writeApp({ 'index.html': '<h1>e2e timer api</h1>' });
      const deployed = await cli(['deploy', app, '--api', api, '--site', 'shop', '--env', 'timerapi']);
      expect(deployed.code, deployed.stderr).toBe(0);
      expect(deployed.stderr).toMatch(
        /^portico: warning: API: Static Web Apps runs HTTP-triggered functions only; these functions are not started: nightly \(timerTrigger\)\.$/m,
      );
      expect(server.cli.stdout() + server.cli.stderr()).toContain('nightly (timerTrigger)');
      const timerHost = host.replace('.', '-timerapi.');
      expect((await get(timerHost, '/api/setting/GREETING')).status).toBe(200);
    } finally {
      await cli(['env', 'delete', '--site', 'shop', 'timerapi', '--yes']);
      await rm(api, { recursive: true, force: true });
    }
  }, 90_000);

  it('rejects an invalid config with its JSON path and keeps serving the previous deployment', async () => {
    const broken = await writeApp({ 'index.html': 'broken' }, { navigationFallback: { rewrite: 5 } });
    const result = await cli(['deploy', broken, '--site', 'shop']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('navigationFallback.rewrite');
    expect((await get(host, '/')).text).toContain('e2e one');
  });

  it('keeps the ETag of an unchanged file across deploys, so browsers keep their 304s', async () => {
    const first = await writeApp({ 'same.css': 'body{}', 'page.html': 'one' });
    const second = await writeApp({ 'same.css': 'body{}', 'page.html': 'two' });
    const etagHost = host.replace('.', '-etags.');
    try {
      expect((await cli(['deploy', first, '--site', 'shop', '--env', 'etags'])).code).toBe(0);
      const before = (await get(etagHost, '/same.css')).headers.etag;
      expect(before).toMatch(/^"[0-9a-f]{32}"$/);
      expect((await cli(['deploy', second, '--site', 'shop', '--env', 'etags'])).code).toBe(0);
      expect((await get(etagHost, '/page.html')).text).toBe('two');
      expect((await get(etagHost, '/same.css')).headers.etag).toBe(before);
    } finally {
      await cli(['env', 'delete', '--site', 'shop', 'etags', '--yes']);
      await Promise.all([first, second].map((dir) => rm(dir, { recursive: true, force: true })));
    }
  });

  it("prints the config's warnings at deploy, as portico start does", async () => {
    const app = await writeApp(
      { 'index.html': 'x' },
      { routes: [{ route: '/a*b', allowedRoles: ['admin'] }] },
    );
    try {
      const deployed = await cli(['deploy', app, '--site', 'shop', '--env', 'warned']);
      expect(deployed.code, deployed.stderr).toBe(0);
      expect(deployed.stderr).toMatch(
        /warning: app\/staticwebapp\.config\.json: routes\[0\]\.route: .*never matches/,
      );
      expect(deployed.stderr).not.toContain('/cache/');
    } finally {
      await cli(['env', 'delete', '--site', 'shop', 'warned', '--yes']);
      await rm(app, { recursive: true, force: true });
    }
  });

  it('sends a non-ASCII redirect target as its URL serialisation, as portico start does', async () => {
    const app = await writeApp(
      { 'index.html': 'x' },
      { routes: [{ route: '/idn', redirect: 'https://例え.jp/日本?q=🎉' }] },
    );
    try {
      const deployed = await cli(['deploy', app, '--site', 'shop', '--env', 'idn']);
      expect(deployed.code, deployed.stderr).toBe(0);
      const answer = await get(host.replace('.', '-idn.'), '/idn');
      expect(answer.status, answer.text).toBe(302);
      expect(answer.header('location')).toBe('https://xn--r8jz45g.jp/%E6%97%A5%E6%9C%AC?q=%F0%9F%8E%89');
    } finally {
      await cli(['env', 'delete', '--site', 'shop', 'idn', '--yes']);
      await rm(app, { recursive: true, force: true });
    }
  });

  it('refuses an empty app folder and an API folder that is no Functions app before sending anything', async () => {
    const empty = await writeApp({});
    const notApi = await writeApp({ 'readme.txt': 'not an API' });
    const app = await writeApp({ 'index.html': 'x' });
    try {
      const nothing = await cli(['deploy', empty, '--site', 'shop', '--env', 'emptyapp']);
      expect(nothing.code).toBe(1);
      expect(nothing.stderr).toContain(`The app folder ${empty} holds no file to deploy; nothing was sent.`);
      const wrongApi = await cli(['deploy', app, '--api', notApi, '--site', 'shop', '--env', 'emptyapp']);
      expect(wrongApi.code).toBe(1);
      expect(wrongApi.stderr).toContain(`The API folder ${notApi} is not an Azure Functions app`);
      // Nothing reached the server: no environment was made.
      expect((await cli(['env', 'list', '--site', 'shop'])).stdout).not.toContain('emptyapp');
    } finally {
      await Promise.all([empty, notApi, app].map((dir) => rm(dir, { recursive: true, force: true })));
    }
  });

  it('isolates a preview environment and lists it', async () => {
    const app = await writeApp({ 'index.html': '<h1>e2e preview</h1>' });
    const deployed = await cli(['deploy', app, '--site', 'shop', '--env', 'preview']);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect((await get(host.replace('.', '-preview.'), '/')).text).toContain('e2e preview');
    expect((await get(host, '/')).text).toContain('e2e one');
    const envs = JSON.parse((await cli(['env', 'list', '--site', 'shop', '--json'])).stdout) as {
      value: { name: string }[];
    };
    expect(envs.value.map((e) => e.name)).toEqual(['default', 'preview']);
  });

  it('leaves .env files out of a deploy unless asked, and never serves dotfiles but /.well-known/', async () => {
    const app = await writeApp({
      'index.html': '<h1>dotfiles</h1>',
      '.env': 'SECRET=1',
      'sub/.env.local': 'SECRET=2',
      '.npmrc': 'token',
      '.well-known/security.txt': 'Contact: mailto:security@example.com',
    });
    const dots = host.replace('.', '-dots.');
    const deployed = await cli(['deploy', app, '--site', 'shop', '--env', 'dots']);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stderr).toContain('Left out 2 .env files');
    expect(deployed.stderr).toContain('.env, sub/.env.local');
    expect(deployed.stderr).toContain('--include-dotenv');
    expect((await get(dots, '/.env')).status).toBe(404);
    expect((await get(dots, '/.npmrc')).status).toBe(404);
    expect((await get(dots, '/.well-known/security.txt')).text).toContain('Contact:');

    const withDotenv = await cli(['deploy', app, '--site', 'shop', '--env', 'dots', '--include-dotenv']);
    expect(withDotenv.code, withDotenv.stderr).toBe(0);
    expect(withDotenv.stderr).not.toContain('Left out');
    expect((await get(dots, '/.env')).status).toBe(404);
    expect((await get(dots, '/sub/.env.local')).status).toBe(404);
    await rm(app, { recursive: true, force: true });
  }, 90_000);

  it('names the links it leaves out (outside the folder, or dangling), and refuses a backslash in a name', async () => {
    const app = await writeApp({ 'index.html': '<h1>links</h1>' });
    const named = await writeApp({ 'index.html': 'x', 'back\\slash.txt': 'x' });
    try {
      await symlink('/etc/passwd', join(app, 'outside.txt'));
      await symlink(join(app, 'missing.txt'), join(app, 'dangling.txt'));
      const deployed = await cli(['deploy', app, '--site', 'shop', '--env', 'links']);
      expect(deployed.code, deployed.stderr).toBe(0);
      expect(deployed.stderr).toContain('Left out 2 links');
      expect(deployed.stderr).toContain('(dangling.txt, outside.txt)');
      const refused = await cli(['deploy', named, '--site', 'shop', '--env', 'links']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('"back\\\\slash.txt"');
      expect(refused.stderr).toContain('has a backslash in its name');
    } finally {
      await cli(['env', 'delete', '--site', 'shop', 'links', '--yes']);
      await Promise.all([app, named].map((dir) => rm(dir, { recursive: true, force: true })));
    }
  });

  it('refuses a file whose name is not valid UTF-8, naming it by its bytes', async () => {
    const app = await writeApp({ 'index.html': 'x', 'weird/ok.txt': 'x' });
    try {
      await writeFile(
        Buffer.concat([Buffer.from(join(app, 'weird', 'caf')), Buffer.from([0xe9]), Buffer.from('.txt')]),
        'x',
      );
      const refused = await cli(['deploy', app, '--site', 'shop', '--env', 'badname']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('The file "weird/caf\\xE9.txt"');
      expect(refused.stderr).toContain('has a name that is not valid UTF-8');
      expect(refused.stderr).toContain('rename it');
      expect(refused.stderr).not.toContain('ENOENT');
    } finally {
      await rm(app, { recursive: true, force: true });
    }
  });

  it(
    'invites a user, and a minted session takes the roles by opening the invitation link',
    async () => {
      const invited = await cli([
        'users',
        'invite',
        '--site',
        'shop',
        '--provider',
        'github',
        '--user',
        'octocat',
        '--roles',
        'admin',
        '--json',
      ]);
      expect(invited.code, invited.stderr).toBe(0);
      const link = new URL(
        (JSON.parse(invited.stdout) as { properties: { invitationUrl: string } }).properties.invitationUrl,
      );
      expect(link.host).toBe(`${host}:${server.port}`);
      const minted = await cli([
        'users',
        'session',
        '--site',
        'shop',
        '--provider',
        'github',
        '--user',
        'octocat',
      ]);
      expect(minted.code, minted.stderr).toBe(0);
      const cookie = /^Cookie: (.+)$/m.exec(minted.stdout)?.[1] ?? '';
      expect(cookie).toMatch(/^StaticWebAppsAuthCookie=/);
      // The session alone has no role yet (as on Azure): the command says how to take the invitation's.
      expect(minted.stdout).toMatch(/^roles:\s+anonymous,authenticated$/m);
      expect(minted.stderr).toContain('octocat has an invitation not accepted yet (roles admin on');
      expect(minted.stderr).toContain(
        'open its link (the invitationUrl portico users invite printed) with this cookie',
      );
      const roles = async () =>
        (await get(host, '/.auth/me', cookie)).json<{ clientPrincipal: { userRoles: string[] } }>()
          .clientPrincipal.userRoles;
      expect(await roles()).toEqual(['anonymous', 'authenticated']);
      expect((await get(host, link.pathname, cookie)).status).toBe(302);
      expect(await roles()).toEqual(['anonymous', 'authenticated', 'admin']);
      const again = await cli([
        'users',
        'session',
        '--site',
        'shop',
        '--provider',
        'github',
        '--user',
        'octocat',
      ]);
      expect(again.stdout).toMatch(/^roles:\s+anonymous,authenticated,admin$/m);
      expect(again.stderr).not.toContain('not accepted yet');
      // A provider the site does not offer is refused, as users invite refuses it: no cookie that reads as nobody.
      const twitter = await cli([
        'users',
        'session',
        '--site',
        'shop',
        '--provider',
        'twitter',
        '--user',
        'octocat',
      ]);
      expect(twitter.code).toBe(1);
      expect(twitter.stdout).not.toContain('Cookie:');
      expect(twitter.stderr).toContain("provider 'twitter' is not one the site offers");
      const listed = await cli(['users', 'list', '--site', 'shop']);
      expect(listed.stdout).toMatch(/github\s+[0-9a-f]{32}\s+octocat\s+admin/);
    },
    timeoutFor(7),
  );

  it('stops accepting the old deployment token after a reset', async () => {
    const old = JSON.parse((await cli(['site', 'token', 'shop', '--json'])).stdout) as {
      properties: { apiKey: string };
    };
    expect((await cli(['site', 'reset-token', 'shop'])).code).toBe(0);
    const app = await writeApp({ 'index.html': 'should not deploy' });
    const refused = await cli(['deploy', app, '--deployment-token', old.properties.apiKey]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/deployment token/i);
    expect((await get(host, '/')).text).toContain('e2e one');
  });

  it('survives kill -9 in the middle of an upload: the old deployment serves after a restart and deploys work again', async () => {
    const deployToken = (
      JSON.parse((await cli(['site', 'token', 'shop', '--json'])).stdout) as {
        properties: { apiKey: string };
      }
    ).properties.apiKey;
    const big = Buffer.alloc(8 * 1024 * 1024, 7);
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256').update(big).digest('hex');
    const started = await send(`${server.adminUrl}/deploy/v1/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${deployToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ app: [{ path: 'index.html', size: big.length, sha256 }] }),
    });
    expect(started.status).toBe(201);
    const { id } = started.json<{ id: string }>();
    // Send the headers and half of the body, then kill the server without warning.
    const admin = new URL(server.adminUrl);
    const socket = connect(Number(admin.port), admin.hostname);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `PUT /deploy/v1/deployments/${id}/files/${sha256} HTTP/1.1\r\nHost: ${admin.host}\r\nAuthorization: Bearer ${deployToken}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${big.length}\r\n\r\n`,
    );
    socket.write(big.subarray(0, big.length / 2));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await server.cli.stop('SIGKILL')).toBe(null);
    socket.destroy();

    server = await startServe(dataDir);
    expect((await get(host, '/')).text).toContain('e2e one');
    const app = await writeApp({ 'index.html': '<h1>e2e after crash</h1>' });
    const again = await cli(['deploy', app, '--site', 'shop']);
    expect(again.code, again.stderr).toBe(0);
    expect((await get(host, '/')).text).toContain('e2e after crash');
    const list = JSON.parse((await cli(['deploy', 'list', '--site', 'shop', '--json'])).stdout) as {
      value: { name: string; properties: { status: string; active: boolean } }[];
    };
    const interrupted = list.value.find((d) => d.name === id);
    expect(interrupted?.properties.active).toBe(false);
    expect(interrupted?.properties.status).not.toBe('Succeeded');
  }, 90_000);

  it('deletes the site and everything it served', async () => {
    expect((await cli(['site', 'delete', 'shop', '--yes'])).code).toBe(0);
    expect((await get(host, '/')).status).toBe(404);
    const shown = await cli(['site', 'show', 'shop']);
    expect(shown.code).not.toBe(0);
    expect(shown.stderr).toContain("No static site named 'shop'");
  });
});
