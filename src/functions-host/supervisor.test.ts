/** The supervisor over a fake worker (real child processes, real HTTP on loopback): start-up and shutdown. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, send } from '../../test/helpers/app.js';
import {
  closeHosts,
  FAST_TIMINGS,
  isAlive,
  openHost,
  type RecordingLogger,
  recordingLogger,
  writeApiDir,
} from '../../test/helpers/functions-host.js';
import { isUserError, PorticoError } from '../shared/errors.js';

afterEach(closeHosts);

interface Ping {
  pid: number;
  execArgv: string[];
  cwd: string;
}

async function ping(url: string): Promise<Ping> {
  const response = await send(`${url}/api/ping`);
  expect(response.status).toBe(200);
  return response.json<Ping>();
}

async function envOf(url: string, name: string): Promise<string | null> {
  return (await send(`${url}/api/env?name=${name}`)).json<{ value: string | null }>().value;
}

function rejection(promise: Promise<unknown>): Promise<PorticoError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(PorticoError);
      return error as PorticoError;
    },
  );
}

describe('createFunctionsHost: start', () => {
  it('starts the worker, waits for ready and reports its URL and functions', async () => {
    const apiDir = await writeApiDir();
    const host = openHost({
      apiDir,
      env: { FAKE_WORKER_WARNING: 'timer trigger "nightly" is not supported' },
    });
    const info = await host.start();
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(host.url).toBe(info.url);
    expect(info.functions).toEqual([
      { name: 'ping', methods: ['GET'], route: 'ping', authLevel: 'anonymous' },
      { name: 'roles', methods: ['POST'], route: 'roles', authLevel: 'function' },
      { name: 'any', methods: null, route: 'any/{*rest}', authLevel: 'anonymous' },
    ]);
    expect(info.warnings).toEqual(['timer trigger "nightly" is not supported']);
    const pong = await ping(info.url);
    expect(pong.cwd).toBe(apiDir);
    expect(pong.execArgv).toContain('--max-old-space-size=512');
  });

  it('calls onFirstSpawn once: when the first worker has been started, before start() resolves', async () => {
    const calls: string[] = [];
    let phase = 'starting';
    const host = openHost({ apiDir: await writeApiDir(), onFirstSpawn: () => calls.push(phase) });
    await host.start();
    phase = 'started';
    await host.restart();
    expect(calls).toEqual(['starting']);
  });

  it('passes the memory limit to the worker', async () => {
    const host = openHost({ apiDir: await writeApiDir(), maxMemoryMb: 64 });
    const { url } = await host.start();
    expect((await ping(url)).execArgv).toContain('--max-old-space-size=64');
  });

  it('starts the worker with a larger young generation (decision 0120), unless NODE_OPTIONS sets one', async () => {
    const host = openHost({ apiDir: await writeApiDir() });
    const { url } = await host.start();
    expect((await ping(url)).execArgv).toContain('--max-semi-space-size=64');
    const chosen = openHost({
      apiDir: await writeApiDir(),
      appSettings: { NODE_OPTIONS: '--max-semi-space-size=8' },
    });
    const second = await chosen.start();
    expect((await ping(second.url)).execArgv).not.toContain('--max-semi-space-size=64');
  });

  it("rejects with the worker's fatal message as a user error", async () => {
    const apiDir = await writeApiDir({ FATAL: 'main matches no file: dist/index.js; run npm run build' });
    const error = await rejection(openHost({ apiDir }).start());
    expect(error.code).toBe('FUNCTIONS_LOAD_FAILED');
    expect(error.message).toBe('main matches no file: dist/index.js; run npm run build');
    expect(isUserError(error)).toBe(true);
  });

  it('rejects with the last stderr lines when the worker dies before ready', async () => {
    const host = openHost({ apiDir: await writeApiDir(), env: { FAKE_WORKER_MODE: 'exit-early' } });
    const error = await rejection(host.start());
    expect(error.code).toBe('FUNCTIONS_LOAD_FAILED');
    expect(error.message).toContain('exited with code 1');
    expect(error.message).toContain('SyntaxError: Unexpected token (index.js:3)');
  });

  it('gives up on a worker that never gets ready', async () => {
    const host = openHost({
      apiDir: await writeApiDir(),
      env: { FAKE_WORKER_MODE: 'silent' },
      timings: { readyTimeoutMs: 300 },
    });
    const error = await rejection(host.start());
    expect(error.code).toBe('FUNCTIONS_START_TIMEOUT');
    expect(error.message).toContain('0.3 s');
  });

  it('refuses a .NET app (portico functions start, or one deployed to serve) saying how to run it', async () => {
    const dotnet = await mkdtemp(join(tmpdir(), 'portico-dotnet-'));
    await writeFile(join(dotnet, 'host.json'), '{"version":"2.0"}');
    await writeFile(join(dotnet, 'api.csproj'), '<Project />');
    const error = await rejection(openHost({ apiDir: dotnet }).start());
    expect(error.code).toBe('FUNCTIONS_APP_NOT_NODE');
    expect(error.message).toContain('api.csproj: it is a .NET Functions app');
    expect(error.message).toContain('func start');
  });

  it('refuses a missing folder and a folder that is not a Functions app', async () => {
    const missing = await rejection(openHost({ apiDir: '/nonexistent/portico-api' }).start());
    expect(missing.code).toBe('FUNCTIONS_APP_NOT_FOUND');
    expect(missing.message).toContain('does not exist');
    const empty = await mkdtemp(join(tmpdir(), 'portico-empty-'));
    const notApp = await rejection(openHost({ apiDir: empty }).start());
    expect(notApp.code).toBe('FUNCTIONS_APP_NOT_FOUND');
    expect(notApp.message).toContain('neither host.json nor package.json');
    const file = join(empty, 'settings.json');
    await writeFile(file, '{}');
    const notFolder = await rejection(openHost({ apiDir: file }).start());
    expect(notFolder.message).toBe(
      `${file} is a file, not a folder; point to the folder of your Azure Functions app (the one holding host.json)`,
    );
  });

  it('refuses a port that is already taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const error = await rejection(openHost({ apiDir: await writeApiDir(), port }).start());
      expect(error.code).toBe('FUNCTIONS_PORT_IN_USE');
    } finally {
      blocker.close();
    }
  });
});

describe('createFunctionsHost: settings', () => {
  it('adds local settings without overriding the real environment; app settings win', async () => {
    const values = { FROM_REAL: 'local', ONLY_LOCAL: 'local', COUNT: 5, BOTH: 'local' };
    const apiDir = await writeApiDir({ 'local.settings.json': JSON.stringify({ Values: values }) });
    const logger = recordingLogger();
    const host = openHost({
      apiDir,
      logger,
      useLocalSettings: true,
      env: { FROM_REAL: 'real', BOTH: 'real' },
      appSettings: { BOTH: 'app', ONLY_APP: 'app' },
    });
    const { url } = await host.start();
    expect(await envOf(url, 'FROM_REAL')).toBe('real');
    expect(await envOf(url, 'ONLY_LOCAL')).toBe('local');
    expect(await envOf(url, 'COUNT')).toBe('5');
    expect(await envOf(url, 'BOTH')).toBe('app');
    expect(await envOf(url, 'ONLY_APP')).toBe('app');
    expect(logger.text()).toContain("Skipping 'FROM_REAL' from local settings");
    expect(logger.text()).toContain('Values.COUNT is not a string');
  });

  it('ignores local.settings.json unless asked to use it', async () => {
    const apiDir = await writeApiDir({ 'local.settings.json': '{ "Values": { "ONLY_LOCAL": "x" } }' });
    const { url } = await openHost({ apiDir }).start();
    expect(await envOf(url, 'ONLY_LOCAL')).toBeNull();
  });

  it('refuses reserved prefixes and bad names in app settings', async () => {
    const host = openHost({
      apiDir: await writeApiDir(),
      appSettings: { website_hostname: 'x', 'my-setting': 'y', AzureWebJobsStorage: 'z', OK_NAME: 'ok' },
    });
    const error = await rejection(host.start());
    expect(error.code).toBe('FUNCTIONS_INVALID_SETTINGS');
    expect(error.message).toContain('website_hostname');
    expect(error.message).toContain('my-setting');
    expect(error.message).toContain('AzureWebJobsStorage');
    expect(error.message).not.toContain('OK_NAME');
  });

  it('reports invalid local.settings.json with its line and column', async () => {
    // A trailing comma is accepted, as Core Tools reads the file; a missing comma is not.
    const apiDir = await writeApiDir({
      'local.settings.json': '{\n  "Values": {\n    "A": "1",\n  }\n  "Host": {}\n}',
    });
    const error = await rejection(openHost({ apiDir, useLocalSettings: true }).start());
    expect(error.code).toBe('FUNCTIONS_INVALID_SETTINGS');
    expect(error.message).toContain('local.settings.json:5:3');
  });
});

describe('createFunctionsHost: logs', () => {
  it('forwards worker log lines tagged with function and short invocation id, and raw output as [api]', async () => {
    const logger: RecordingLogger = recordingLogger();
    const { url } = await openHost({ apiDir: await writeApiDir(), logger }).start();
    expect((await send(`${url}/api/log`)).status).toBe(200);
    await eventually(async () => logger.text().includes('[api] plain stderr line'));
    await eventually(async () => logger.text().includes('[api] plain stdout line'));
    expect(logger.lines).toEqual(
      expect.arrayContaining([
        'info: [hello 01234567] hi there',
        'warn: [hello 01234567] careful',
        'error: [hello 01234567] it broke',
        'debug: [api] loaded 3 functions',
        'info: [api] plain stdout line',
        'warn: [api] plain stderr line',
      ]),
    );
  });
});

describe('createFunctionsHost: invoke and close', () => {
  it('invokes a function by path with a JSON body', async () => {
    const host = openHost({ apiDir: await writeApiDir() });
    await host.start();
    const result = await host.invoke('/api/roles', { userId: 'abc', claims: [] });
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ received: { userId: 'abc', claims: [] } });
  });

  it('refuses to invoke before start', async () => {
    const error = await rejection(openHost({ apiDir: await writeApiDir() }).invoke('/api/roles', {}));
    expect(error.code).toBe('FUNCTIONS_UNAVAILABLE');
  });

  it('close() ends the worker and resolves once it is gone', async () => {
    const host = openHost({ apiDir: await writeApiDir() });
    const { url } = await host.start();
    const { pid } = await ping(url);
    await host.close();
    expect(isAlive(pid)).toBe(false);
    await expect(send(`${url}/api/ping`)).rejects.toThrow();
    await host.close();
  });

  it('close() kills a worker that ignores SIGTERM (blocked event loop)', async () => {
    const host = openHost({
      apiDir: await writeApiDir(),
      timings: { healthIntervalMs: 60_000, stopGraceMs: 200 },
    });
    const { url } = await host.start();
    const { pid } = await ping(url);
    void send(`${url}/api/hang`).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await host.close();
    expect(isAlive(pid)).toBe(false);
  });
});

describe('createFunctionsHost: many hosts in one process', () => {
  it('runs eleven hosts (a server with eleven APIs) without Node warning of a listener leak, and lets go of exit on close', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const before = process.listenerCount('exit');
    try {
      // Eleven workers start at once: on a busy machine that may take long (what counts is the listeners).
      const timings = { ...FAST_TIMINGS, readyTimeoutMs: 100_000 };
      const hosts = await Promise.all(
        Array.from({ length: 11 }, async () => openHost({ apiDir: await writeApiDir(), timings })),
      );
      await Promise.all(hosts.map((host) => host.start()));
      expect(process.listenerCount('exit')).toBeLessThanOrEqual(before + 1);
      await Promise.all(hosts.map((host) => host.close()));
      expect(process.listenerCount('exit')).toBe(before);
      // Node emits the warning on the next tick after the listener that crosses the limit.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  }, 120_000);
});
