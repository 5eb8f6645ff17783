/**
 * `portico start <url> --run "<command>"` as users run it (CONTRACT §2): the command's output, waiting
 * for its URL, and its whole process tree stopped however Portico stops (SIGINT, SIGTERM, the command
 * crashing, a failed start). The fixture command has a grandchild that listens; its port must be free
 * once Portico has exited. Also: a port in use and `--version`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventually, send, writeApp } from '../helpers/app.js';
import { BIN, runCli, startCli } from '../helpers/cli.js';
import { findFreePort, isPortFree } from '../helpers/devserver.js';

const TREE = fileURLToPath(new URL('../fixtures/devserver/tree.js', import.meta.url));
const STUBBORN = fileURLToPath(new URL('../fixtures/devserver/stubborn.js', import.meta.url));
const API_DIR = fileURLToPath(new URL('../fixtures/functions/v4-esm', import.meta.url));
const READY_MS = 60_000;

async function startTree(port: number, extra: string[] = []) {
  const args = [
    'start',
    `http://localhost:${port}`,
    '--port',
    '0',
    '--run',
    `node ${TREE} ${port}`,
    ...extra,
  ];
  return startCli(args, READY_MS);
}

describe('portico start <url> --run', { timeout: 120_000 }, () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
    'waits for the dev server, prefixes its output, and on %s stops its whole process tree',
    async (signal) => {
      const port = await findFreePort();
      const cli = await startTree(port);
      try {
        const page = await send(`${cli.url}/`);
        expect(page.status).toBe(200);
        expect(page.text).toMatch(/dev server pid \d+/);
        expect(cli.stderr()).toContain('[run] server: listening on');
        expect(cli.stdout()).toContain(`Serving the dev server at http://localhost:${port}`);
      } finally {
        expect(await cli.stop(signal)).toBe(0);
      }
      expect(await isPortFree(port)).toBe(true);
    },
  );

  it('says how to stop at once on Ctrl-C, and a second Ctrl-C kills a dev server that ignores SIGTERM', async () => {
    const port = await findFreePort();
    const cli = await startCli(
      ['start', `http://localhost:${port}`, '--port', '0', '--run', `node ${STUBBORN} ${port}`],
      READY_MS,
    );
    const exited = once(cli.child, 'exit');
    const pidOf = () => Number(/stubborn: listening \(pid (\d+)\)/.exec(cli.stderr())?.[1] ?? 0);
    try {
      await eventually(async () => pidOf() > 0, 5_000);
      cli.child.kill('SIGINT');
      await eventually(async () => cli.stderr().includes('press Ctrl-C again to stop at once'), 5_000);
      await new Promise((resolve) => setTimeout(resolve, 700));
      cli.child.kill('SIGINT');
      const [code] = await exited;
      // A stop asked for by a signal exits 0, at once or not (decision 0111).
      expect(code).toBe(0);
      await eventually(async () => isPortFree(port), 3_000);
    } finally {
      cli.child.kill('SIGKILL');
      const pid = pidOf();
      try {
        // Never 0: that would signal this test's own process group.
        if (pid > 0) {
          process.kill(pid, 'SIGKILL');
        }
      } catch {
        // Stopped, as it should be.
      }
    }
  });

  it('warns when something already answers at the URL before --run started (another app, a stale dev server)', async () => {
    const stale = createHttpServer((_req, res) => res.end('another app')).listen(0, '127.0.0.1');
    await once(stale, 'listening');
    const address = stale.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const command = `sleep 602.${port}`;
    try {
      const cli = await startCli(
        ['start', `http://localhost:${port}`, '--port', '0', '--run', command],
        READY_MS,
      );
      try {
        expect(cli.stderr()).toContain(
          `http://localhost:${port} already answered before "${command}" started: it may be another app's dev server`,
        );
        expect(cli.stderr()).toContain('Stop it, or give this app');
      } finally {
        expect(await cli.stop('SIGTERM')).toBe(0);
      }
    } finally {
      stale.close();
    }
  });

  it('applies edits of a config found below the config folder (public/ of a Vite project)', async () => {
    const dir = await writeApp({
      'public/staticwebapp.config.json': JSON.stringify({
        routes: [{ route: '/old', redirect: '/new', statusCode: 301 }],
      }),
    });
    const port = await findFreePort();
    const cli = await startTree(port, ['--swa-config-location', dir]);
    try {
      expect((await send(`${cli.url}/old`)).headers.location).toBe(`${cli.url}/new`);
      await writeFile(
        join(dir, 'public/staticwebapp.config.json'),
        JSON.stringify({ routes: [{ route: '/old', redirect: '/newer', statusCode: 301 }] }),
      );
      await eventually(
        async () => (await send(`${cli.url}/old`)).headers.location === `${cli.url}/newer`,
        20_000,
      );
      await writeFile(join(dir, 'public/staticwebapp.config.json'), '{ "routes": [');
      await eventually(async () => (await send(`${cli.url}/old`)).status === 500, 20_000);
      expect(cli.stderr()).toContain('config is now invalid');
    } finally {
      expect(await cli.stop('SIGTERM')).toBe(0);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits with the code of a dev command that crashes, stopping its grandchild too', async () => {
    const port = await findFreePort();
    const cli = await startTree(port);
    const exited = once(cli.child, 'exit');
    await send(`${cli.url}/crash`);
    const [code] = await exited;
    expect(code).toBe(7);
    expect(cli.stderr()).toContain('exited with code 7');
    expect(await isPortFree(port)).toBe(true);
  });

  it('exits with the code and output of a command that ends before its URL answers', async () => {
    const port = await findFreePort();
    const result = await runCli(
      ['start', `http://localhost:${port}`, '--port', '0', '--run', 'echo "cannot find vite" >&2; exit 3'],
      READY_MS,
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('[run] cannot find vite');
    expect(result.stderr).toContain(`before http://localhost:${port} answered`);
    expect(result.stdout).not.toContain('ready at');
  });

  it('gives up after --devserver-timeout, naming the URL and the command, and stops the command', async () => {
    const port = await findFreePort();
    const command = `sleep 600.${port}`;
    const result = await runCli(
      ['start', `http://localhost:${port}`, '--port', '0', '--devserver-timeout', '1', '--run', command],
      READY_MS,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`did not answer at http://localhost:${port} within 1 s`);
    expect(result.stderr).toContain(`"${command}"`);
    expect(result.stderr).toContain('--devserver-timeout');
    expect(spawnSync('pgrep', ['-f', command]).status).toBe(1);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'stops the command on %s while it waits for the dev server (a slow first compile)',
    async (signal) => {
      const port = await findFreePort();
      const command = `sleep 601.${port}`;
      const child = spawn(
        process.execPath,
        [BIN, 'start', `http://localhost:${port}`, '--port', '0', '--run', command],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const exited = once(child, 'exit');
      // `^`: the command itself, not Portico, whose own command line holds it too.
      const running = () => spawnSync('pgrep', ['-f', `^${command}`]).status === 0;
      await eventually(async () => running(), READY_MS);
      child.kill(signal);
      const [code] = await exited;
      // As once it is running (decision 0111).
      expect(code).toBe(0);
      expect(running()).toBe(false);
    },
  );

  it("Ctrl-C while the dev server starts, with --api: the worker's exit (it got the Ctrl-C too) is no crash, and Portico exits 0", async () => {
    const devPort = await findFreePort();
    const port = await findFreePort();
    // A dev server slow to stop (it ignores SIGTERM: killed after the grace period), as a busy one can
    // be: the worker's exit comes long before the stop is done.
    const sleep = `sleep 603.${devPort}`;
    const command = `trap "" TERM; ${sleep}`;
    // Its own process group, as a terminal's foreground job: the group's Ctrl-C reaches Portico and its
    // API worker (never the --run command, which Portico starts in a group of its own).
    const child = spawn(
      process.execPath,
      [
        BIN,
        'start',
        `http://localhost:${devPort}`,
        '--port',
        String(port),
        '--api',
        API_DIR,
        '--run',
        command,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = once(child, 'exit');
    try {
      const running = () => spawnSync('pgrep', ['-f', `^${sleep}`]).status === 0;
      // The edge listens and /api answers while the dev server is still awaited: the worker is ready.
      await eventually(
        async () =>
          (await send(`http://127.0.0.1:${port}/api/greet?name=x`).catch(() => undefined))?.status === 200,
        READY_MS,
      );
      expect(running()).toBe(true);
      process.kill(-(child.pid ?? 0), 'SIGINT');
      const [code] = await exited;
      expect(code, stderr).toBe(0);
      expect(stderr).not.toContain('unexpectedly');
      expect(stderr).not.toContain('restarting in');
      expect(running()).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it("refuses a dev server URL that is Portico's own address instead of forwarding to itself", async () => {
    const port = await findFreePort();
    const result = await runCli(
      ['start', `http://localhost:${port}`, '--port', String(port), '--run', `node ${TREE} ${port}`],
      READY_MS,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`The dev server URL http://localhost:${port} is Portico's own address`);
    expect(result.stderr).not.toContain('[run]');
  });

  it('reads ./.env as the SWA CLI does: its values reach the --run command, which gets BROWSER=none; set ones win', async () => {
    const dir = await writeApp({ 'index.html': 'home' });
    // Saved on Windows: a byte order mark and CRLF line ends.
    await writeFile(join(dir, '.env'), '\uFEFFFROM_DOTENV=yes\r\nALREADY_SET=from-file\r\n');
    const script =
      "require('fs').writeFileSync('seen.txt', [process.env.FROM_DOTENV, process.env.ALREADY_SET, process.env.BROWSER].join())";
    const cli = await startCli(['start', '.', '--port', '0', '--run', `node -e "${script}"`], READY_MS, {
      cwd: dir,
      env: { ...process.env, ALREADY_SET: 'from-env' },
    });
    try {
      await eventually(
        async () => (await send(`${cli.url}/seen.txt`)).text === 'yes,from-env,none',
        READY_MS,
      );
      expect(cli.stderr()).toContain('read 1 of the 2 variables of');
      expect((await send(`${cli.url}/.env`)).status).toBe(404);
    } finally {
      await cli.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs --run beside a folder (a build watcher, as the SWA CLI does), and serves on when it fails', async () => {
    const dir = await writeApp({ 'index.html': 'home' });
    const cli = await startCli(['start', dir, '--port', '0', '--run', 'echo watching; exit 3'], READY_MS);
    try {
      await eventually(async () => cli.stderr().includes('the --run command exited with code 3'), READY_MS);
      expect(cli.stderr()).toContain('watching');
      expect((await send(`${cli.url}/`)).text).toBe('home');
    } finally {
      await cli.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('portico start: port in use, --version', { timeout: 120_000 }, () => {
  it('says when --host is not an address of this machine, instead of a bare errno', async () => {
    const dir = await writeApp({ 'index.html': 'x' });
    try {
      const result = await runCli(['start', dir, '--host', '10.99.99.99', '--port', '0'], READY_MS);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        '10.99.99.99 is not an address of this machine, so portico start cannot listen on it (--host).',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits at once with code 1 and a hint when the port is taken', async () => {
    const holder = createServer().listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const address = holder.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const dir = await writeApp({ 'index.html': 'x' });
    try {
      const result = await runCli(['start', dir, '--port', String(port)], READY_MS);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(result.stderr).toContain('--port');
      const devMode = await runCli(
        [
          'start',
          'http://localhost:9',
          '--swa-config-location',
          dir,
          '--port',
          String(port),
          '--run',
          'sleep 600',
        ],
        READY_MS,
      );
      expect(devMode.code).toBe(1);
      expect(devMode.stderr).toContain('already in use');
      expect(devMode.stderr).not.toContain('[run]');
    } finally {
      holder.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits when the API folder is unusable in dev-server mode (the config watcher does not hold it)', async () => {
    const dir = await writeApp({}, {});
    try {
      const result = await runCli(
        [
          'start',
          'http://localhost:9',
          '--swa-config-location',
          dir,
          '--api',
          '/nonexistent/api',
          '--port',
          '0',
        ],
        READY_MS,
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('/nonexistent/api');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("--version prints the package version (the contract), the build being in serve's ready line", async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    // `npm run build` in a git checkout records the commit (scripts/build-info.js) for serve and /metrics.
    const build = JSON.parse(
      readFileSync(new URL('../../dist/build-info.json', import.meta.url), 'utf8'),
    ) as {
      commit?: string;
    };
    expect(build.commit).toMatch(/^[0-9a-f]{7,}$/);
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });
});
