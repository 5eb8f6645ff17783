/** `portico start` as a user runs it (CONTRACT §2): ready line, config errors, warnings, live reload, signals. */
import { execFileSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventually, send, writeApp } from '../helpers/app.js';
import { runCli, startCli } from '../helpers/cli.js';

/** A v4 ES-module Functions app whose `/api/greet?name=x` answers `Hello, x!`. */
const V4_ESM_API = fileURLToPath(new URL('../fixtures/functions/v4-esm', import.meta.url));
/** The line the API worker's inspector writes once it listens (through Portico's `[api]` tag). */
const INSPECTOR_LISTENING = /\[api\] Debugger listening on ws:\/\/127\.0\.0\.1:\d+\//;

describe('portico start', () => {
  it('prints its URL, serves the app and stops cleanly on SIGTERM', async () => {
    const dir = await writeApp({ 'index.html': 'hello' });
    const cli = await startCli(['start', dir, '--port', '0']);
    try {
      expect(cli.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await send(`${cli.url}/`)).text).toBe('hello');
    } finally {
      expect(await cli.stop()).toBe(0);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers other Host names only when --allowed-host or PORTICO_ALLOWED_HOSTS allows them (DNS rebinding)', async () => {
    const dir = await writeApp({ 'index.html': 'hello' });
    const cli = await startCli(
      ['start', dir, '--port', '0', '--allowed-host', 'tunnel.example,.lan.example'],
      undefined,
      { env: { ...process.env, PORTICO_ALLOWED_HOSTS: 'other.example' } },
    );
    // As a browser asks (fetch metadata): scripts are not checked.
    const withHost = (host: string) =>
      send(`${cli.url}/`, { headers: { host, 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' } });
    try {
      expect((await withHost('attacker.example')).status).toBe(403);
      expect((await withHost('attacker.example')).text).toContain('--allowed-host attacker.example');
      for (const host of ['tunnel.example', 'box.lan.example', 'other.example']) {
        expect((await withHost(host)).text, host).toBe('hello');
      }
      const bad = await runCli(['start', dir, '--port', '0', '--allowed-host', 'http://tunnel.example']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('"http://tunnel.example" is not a host name; give the name alone');
    } finally {
      expect(await cli.stop()).toBe(0);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('66. an invalid config is reported with its JSON path and exits non-zero without serving', async () => {
    const dir = await writeApp(
      { 'index.html': 'x' },
      { routez: [], routes: [{ route: '/a', allowRoles: ['x'] }] },
    );
    try {
      const result = await runCli(['start', dir, '--port', '0']);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('routez');
      expect(result.stderr).toMatch(/routes\[0\]/);
      expect(result.stdout).not.toMatch(/http:\/\//);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('66. lenient forms start with a warning', async () => {
    const dir = await writeApp({ 'index.html': 'x' }, { routes: [{ route: '/blocked', statusCode: '404' }] });
    const cli = await startCli(['start', dir, '--port', '0']);
    try {
      expect(cli.stderr()).toMatch(/warning/i);
      expect(cli.stderr()).toContain('routes[0].statusCode');
      expect((await send(`${cli.url}/blocked`)).status).toBe(404);
    } finally {
      await cli.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('sends a non-ASCII redirect target as its URL serialisation (punycode host, percent-encoded rest)', async () => {
    const dir = await writeApp(
      { 'index.html': 'x' },
      {
        routes: [
          { route: '/idn', redirect: 'https://例え.jp/日本?q=🎉' },
          { route: '/latin', redirect: 'https://bücher.de/straße?q=ü#fräg', statusCode: 301 },
          { route: '/forbidden', statusCode: 403 },
        ],
        responseOverrides: { '403': { redirect: 'https://例え.jp/ü' } },
      },
    );
    const cli = await startCli(['start', dir, '--port', '0']);
    try {
      const idn = await send(`${cli.url}/idn`);
      expect(idn.status, idn.text).toBe(302);
      expect(idn.header('location')).toBe('https://xn--r8jz45g.jp/%E6%97%A5%E6%9C%AC?q=%F0%9F%8E%89');
      const latin = await send(`${cli.url}/latin`);
      expect(latin.status).toBe(301);
      expect(latin.header('location')).toBe('https://xn--bcher-kva.de/stra%C3%9Fe?q=%C3%BC#fr%C3%A4g');
      const override = await send(`${cli.url}/forbidden`);
      expect(override.status).toBe(302);
      expect(override.header('location')).toBe('https://xn--r8jz45g.jp/%C3%BC');
      expect(cli.stderr()).not.toContain('ERR_INVALID_CHAR');
    } finally {
      await cli.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('warns once about a file whose name is not valid UTF-8, as deploy refuses it, and serves the rest', async () => {
    const dir = await writeApp({ 'index.html': 'hello', 'weird/ok.txt': 'ok' });
    await writeFile(
      Buffer.concat([Buffer.from(join(dir, 'weird', 'caf')), Buffer.from([0xe9]), Buffer.from('.txt')]),
      'x',
    );
    const cli = await startCli(['start', dir, '--port', '0']);
    try {
      expect((await send(`${cli.url}/weird/ok.txt`)).text).toBe('ok');
      const warning = `${join(dir, 'weird', 'caf')}\\xE9.txt: it has a name that is not valid UTF-8`;
      await eventually(async () => cli.stderr().includes(warning));
      expect(cli.stderr()).toContain('rename it');
      // A change walks the folder again: the warning is not repeated.
      await writeFile(join(dir, 'index.html'), 'hello again');
      await eventually(async () => (await send(`${cli.url}/`)).text === 'hello again');
      expect(cli.stderr().split(warning).length - 1).toBe(1);
    } finally {
      await cli.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a Standard-only feature on --plan free is an error that says how to fix it', async () => {
    const dir = await writeApp({ 'index.html': 'x' }, { networking: { allowedIpRanges: ['10.0.0.0/8'] } });
    try {
      const result = await runCli(['start', dir, '--port', '0', '--plan', 'free']);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('--plan standard');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('picks up edits to files and to the config without a restart, and fails closed on a broken config', async () => {
    const dir = await writeApp({ 'index.html': 'v1', 'private/index.html': 'private' }, {});
    const cli = await startCli(['start', dir, '--port', '0']);
    try {
      await writeFile(join(dir, 'index.html'), 'v2');
      await eventually(async () => (await send(`${cli.url}/`)).text === 'v2');
      await writeFile(join(dir, 'new.html'), 'new page');
      await eventually(async () => (await send(`${cli.url}/new`)).status === 200);
      const protect = { routes: [{ route: '/private/*', allowedRoles: ['authenticated'] }] };
      await writeFile(join(dir, 'staticwebapp.config.json'), JSON.stringify(protect));
      await eventually(async () => (await send(`${cli.url}/private/`)).status === 401);
      await writeFile(join(dir, 'staticwebapp.config.json'), '{ "routes": [ { "route": "/private/*", ');
      await eventually(async () => (await send(`${cli.url}/private/`)).status === 500);
      expect((await send(`${cli.url}/`)).status).toBe(500);
      await writeFile(join(dir, 'staticwebapp.config.json'), JSON.stringify(protect));
      await eventually(async () => (await send(`${cli.url}/private/`)).status === 401);
    } finally {
      await cli.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says which config it uses when a copy nearer the top now wins', async () => {
    const dir = await writeApp({
      'index.html': 'home',
      'sub/staticwebapp.config.json': JSON.stringify({ globalHeaders: { 'x-which': 'sub' } }),
    });
    const cli = await startCli(['start', dir, '--port', '0']);
    try {
      expect((await send(`${cli.url}/`)).headers['x-which']).toBe('sub');
      await writeFile(
        join(dir, 'staticwebapp.config.json'),
        JSON.stringify({ globalHeaders: { 'x-which': 'root' } }),
      );
      await eventually(async () => (await send(`${cli.url}/`)).headers['x-which'] === 'root', 20_000);
      await eventually(async () => `${cli.stdout()}${cli.stderr()}`.includes('config: now using'), 20_000);
      expect(`${cli.stdout()}${cli.stderr()}`).toMatch(/config: now using \S*staticwebapp\.config\.json/);
    } finally {
      await cli.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('--verbose logs one line per request with the rule that decided it', async () => {
    const dir = await writeApp(
      { 'index.html': 'x' },
      { routes: [{ route: '/admin/*', allowedRoles: ['admin'] }] },
    );
    const cli = await startCli(['start', dir, '--port', '0', '--verbose']);
    try {
      await eventually(async () =>
        /Serving .* \(1 file\) with .*staticwebapp\.config\.json/.test(cli.stdout()),
      );
      await send(`${cli.url}/admin/x?y=1`);
      await send(`${cli.url}/nope`);
      await eventually(async () => /GET \/nope 404/.test(cli.stderr()));
      expect(cli.stderr()).toMatch(/GET \/admin\/x\?y=… 401 [\d.]+ms \(routes\[0\] \/admin\/\*\)/);
    } finally {
      await cli.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('with --api, SIGTERM stops the server and its functions worker (no orphan process)', async () => {
    const dir = await writeApp({ 'index.html': 'x' });
    const apiDir = V4_ESM_API;
    const cli = await startCli(['start', dir, '--port', '0', '--api', apiDir]);
    try {
      expect((await send(`${cli.url}/api/greet?name=e2e`)).text).toBe('Hello, e2e!');
      const children = execFileSync('pgrep', ['-P', String(cli.child.pid)])
        .toString()
        .trim()
        .split('\n')
        .map(Number);
      expect(children.length).toBeGreaterThan(0);
      expect(await cli.stop()).toBe(0);
      await eventually(async () => children.every((pid) => !isAlive(pid)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('with --api, gives the worker the Node.js options of languageWorkers__node__arguments, unless --sandbox is set', async () => {
    const dir = await writeApp({ 'index.html': 'x' });
    const apiDir = V4_ESM_API;
    const env = { ...process.env, languageWorkers__node__arguments: '--inspect=127.0.0.1:0' };
    const args = ['start', dir, '--port', '0', '--api', apiDir];
    try {
      const cli = await startCli(args, undefined, { env });
      try {
        expect((await send(`${cli.url}/api/greet?name=e2e`)).text).toBe('Hello, e2e!');
        const output = () => cli.stdout() + cli.stderr();
        expect(output()).toContain('the worker runs Node.js with --inspect=127.0.0.1:0');
        // The worker's stderr comes through a pipe of its own, which may lag behind its answers.
        await eventually(async () => INSPECTOR_LISTENING.test(output()));
      } finally {
        await cli.stop();
      }
      const sandboxed = await runCli([...args, '--sandbox', 'node'], undefined, { env });
      expect(sandboxed.code).toBe(1);
      expect(sandboxed.stderr).toContain('languageWorkers__node__arguments cannot be used with --sandbox');
      expect(sandboxed.stderr).not.toContain('Debugger listening');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("with --api, --func-args' --language-worker options win over the setting, as the SWA CLI passes them to func", async () => {
    const dir = await writeApp({ 'index.html': 'x' });
    const apiDir = V4_ESM_API;
    const env = { ...process.env, languageWorkers__node__arguments: '--enable-source-maps' };
    const funcArgs = '--javascript --language-worker -- "--inspect=127.0.0.1:0"';
    const cli = await startCli(
      ['start', dir, '--port', '0', '--api', apiDir, '--func-args', funcArgs],
      undefined,
      {
        env,
      },
    );
    try {
      expect((await send(`${cli.url}/api/greet?name=e2e`)).text).toBe('Hello, e2e!');
      const output = () => cli.stdout() + cli.stderr();
      expect(output()).toContain(
        'the worker runs Node.js with --inspect=127.0.0.1:0 (--func-args --language-worker)',
      );
      expect(output()).toContain(
        '--func-args: Portico runs the Functions app without Core Tools (`func`), so it ignores --javascript',
      );
      await eventually(async () => INSPECTOR_LISTENING.test(output()));
    } finally {
      await cli.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing app folder clearly', async () => {
    const result = await runCli(['start', '/nonexistent/portico-app', '--port', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('/nonexistent/portico-app does not exist');
  });

  it('says to give the folder when --swa-config-location names the config file itself', async () => {
    const dir = await writeApp({ 'index.html': 'x' }, {});
    try {
      const file = join(dir, 'staticwebapp.config.json');
      const result = await runCli(['start', dir, '--swa-config-location', file, '--port', '0']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`is a file, not a folder: give the folder that holds it (${dir})`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says what is wrong with a dev server URL that is not one', async () => {
    const result = await runCli(['start', 'http://localhost:abc', '--port', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'The dev server URL "http://localhost:abc" (command line) is not an http(s) URL',
    );
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
