/**
 * The supervisor with `languageWorkers__node__arguments` (decision 0057), over the fake worker and Node's
 * real inspector: the options reach the worker's Node.js in dev only, and a worker that a debugger pauses
 * is neither killed by health checks nor timed out while it loads.
 */
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { eventually, send } from '../../test/helpers/app.js';
import {
  closeHosts,
  FAST_TIMINGS,
  isAlive,
  openHost,
  type RecordingLogger,
  recordingLogger,
  workerPids,
  writeApiDir,
} from '../../test/helpers/functions-host.js';
import { FUNCTION_FIXTURES } from '../../test/helpers/functions-worker.js';
import { PorticoError } from '../shared/errors.js';
import { createSandbox } from './sandbox/launch.js';

const inspectors: WebSocket[] = [];

afterEach(async () => {
  for (const socket of inspectors.splice(0)) {
    socket.close();
  }
  await closeHosts();
});

interface Ping {
  pid: number;
  execArgv: string[];
}

async function ping(url: string): Promise<Ping> {
  const response = await send(`${url}/api/ping`);
  expect(response.status).toBe(200);
  return response.json<Ping>();
}

/** An API folder whose local.settings.json sets the worker's Node.js options. */
function apiWithNodeArguments(value: string): Promise<string> {
  return writeApiDir({
    'local.settings.json': JSON.stringify({ Values: { languageWorkers__node__arguments: value } }),
  });
}

/** A dev host (local settings, node options honoured) over the fake worker. */
const DEV = { useLocalSettings: true, nodeArgumentsFromSettings: true } as const;

function openDevHost(apiDir: string, logger: RecordingLogger, timings = FAST_TIMINGS) {
  return openHost({ apiDir, logger, timings, ...DEV });
}

/** A Chrome DevTools Protocol session on the inspector URL the worker printed. */
interface Inspector {
  call(method: string, params?: object): Promise<unknown>;
  readonly events: string[];
  /** Whether the worker has closed the session. */
  closed(): boolean;
}

async function attach(logger: RecordingLogger): Promise<Inspector> {
  let url = '';
  await eventually(async () => {
    url = /Debugger listening on (ws:\/\/\S+)/.exec(logger.text())?.[1] ?? '';
    return url !== '';
  });
  const socket = new WebSocket(url);
  inspectors.push(socket);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const pending = new Map<number, (result: unknown) => void>();
  const events: string[] = [];
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; method?: string; result?: unknown };
    if (message.id !== undefined) {
      pending.get(message.id)?.(message.result);
    } else if (message.method !== undefined) {
      events.push(message.method);
    }
  });
  let closed = false;
  socket.once('close', () => {
    closed = true;
  });
  let nextId = 0;
  return {
    events,
    closed: () => closed,
    call: (method, params = {}) =>
      new Promise((resolve) => {
        nextId += 1;
        pending.set(nextId, resolve);
        socket.send(JSON.stringify({ id: nextId, method, params }));
      }),
  };
}

/** A loopback port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('createFunctionsHost: languageWorkers__node__arguments', () => {
  it("gives the dev worker's Node.js the options from local.settings.json, after Portico's own, and says so", async () => {
    const logger = recordingLogger();
    const apiDir = await apiWithNodeArguments('--enable-source-maps --max-old-space-size=300');
    const { url } = await openDevHost(apiDir, logger).start();
    expect((await ping(url)).execArgv).toEqual([
      '--max-old-space-size=512',
      '--max-semi-space-size=64',
      '--enable-source-maps',
      '--max-old-space-size=300',
    ]);
    expect(logger.lines).toContain(
      'info: functions: the worker runs Node.js with --enable-source-maps --max-old-space-size=300 (languageWorkers__node__arguments)',
    );
  });

  it('leaves the options out unless told to take them (portico serve): the setting is only a variable', async () => {
    const host = openHost({
      apiDir: await writeApiDir(),
      appSettings: { languageWorkers__node__arguments: '--enable-source-maps' },
    });
    const { url } = await host.start();
    expect((await ping(url)).execArgv).toEqual(['--max-old-space-size=512', '--max-semi-space-size=64']);
    const env = await send(`${url}/api/env?name=languageWorkers__node__arguments`);
    expect(env.json<{ value: string | null }>().value).toBe('--enable-source-maps');
  });

  it('refuses the options when a sandbox was asked for, and starts no worker', async () => {
    const logger = recordingLogger();
    const host = openHost({
      apiDir: await apiWithNodeArguments('--inspect'),
      logger,
      useLocalSettings: true,
      nodeArgumentsFromSettings: true,
      sandbox: createSandbox({ nodePermission: false, hidden: [] }),
    });
    const error = await host.start().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(PorticoError);
    expect((error as PorticoError).code).toBe('FUNCTIONS_INVALID_SETTINGS');
    expect((error as PorticoError).message).toContain(
      'languageWorkers__node__arguments cannot be used with --sandbox',
    );
    expect(logger.text()).not.toContain('Debugger listening');
  });

  it('leaves a worker paused in a debugger alone: no health-check kill, the same worker answers once resumed', async () => {
    const logger = recordingLogger();
    const host = openDevHost(await apiWithNodeArguments('--inspect=127.0.0.1:0'), logger);
    const { url } = await host.start();
    const before = await ping(url);
    expect(logger.text()).toContain('no health checks and no time limit to load');
    // Node's own announcement, shown as news rather than as a warning of the app's.
    expect(logger.lines).toContainEqual(expect.stringMatching(/^info: \[api\] Debugger listening on ws:/));
    const inspector = await attach(logger);
    await inspector.call('Debugger.enable');
    await inspector.call('Debugger.pause');
    // The worker pauses when it next runs JavaScript; nothing else would run it but a health check.
    await eventually(async () => inspector.events.includes('Debugger.paused'));
    // Far more than the failed checks (100 ms apart, 300 ms each, 2 in a row) that kill a hung worker.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(isAlive(before.pid)).toBe(true);
    expect(logger.text()).not.toContain('health checks in a row');
    await inspector.call('Debugger.resume');
    expect((await ping(url)).pid).toBe(before.pid);
  });

  it('waits for the debugger with --inspect-brk however long the load takes, then serves', async () => {
    const logger = recordingLogger();
    const apiDir = await apiWithNodeArguments('--inspect-brk=127.0.0.1:0');
    const host = openDevHost(apiDir, logger, { ...FAST_TIMINGS, readyTimeoutMs: 300 });
    const started = host.start();
    const inspector = await attach(logger);
    // Past the 300 ms a worker may take to load when no debugger can pause it.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await inspector.call('Debugger.enable');
    await inspector.call('Runtime.runIfWaitingForDebugger');
    await eventually(async () => inspector.events.includes('Debugger.paused'));
    await inspector.call('Debugger.resume');
    const { url } = await started;
    expect((await ping(url)).execArgv).toContain('--inspect-brk=127.0.0.1:0');
  });

  it('points out once an inspector in NODE_OPTIONS, which the CLI takes before the worker', async () => {
    const logger = recordingLogger();
    const env = { NODE_OPTIONS: '--inspect=127.0.0.1:0' };
    const host = openHost({ apiDir: await writeApiDir(), logger, env, nodeArgumentsFromSettings: true });
    await host.start();
    await host.restart();
    const warnings = logger.lines.filter((line) => line.includes('NODE_OPTIONS asks for an inspector'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^warn: functions: /);
  });

  it('reports a bad option as the start error, with the setting and how to write it', async () => {
    const apiDir = await apiWithNodeArguments('--require ./setup.js');
    await writeFile(join(apiDir, 'setup.js'), '');
    const error = await openDevHost(apiDir, recordingLogger())
      .start()
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect((error as PorticoError).code).toBe('FUNCTIONS_INVALID_SETTINGS');
    expect((error as PorticoError).message).toContain('"./setup.js" is not a Node.js option');
  });

  it('boots no worker ahead of a change while debugging: the next one listens on the same inspector port', async () => {
    const logger = recordingLogger();
    const port = await freePort();
    const apiDir = await apiWithNodeArguments(`--inspect=127.0.0.1:${port}`);
    // A watch that never settles by itself: the burst ends with restart().
    const timings = { ...FAST_TIMINGS, watchDebounceMs: 60_000 };
    const host = openHost({ apiDir, logger, timings, watch: true, ...DEV });
    const { url } = await host.start();
    const first = await ping(url);
    await writeFile(join(apiDir, 'index.js'), 'v2');
    // Time for a worker booted at the change to show (one not debugged shows within a few 100 ms).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(workerPids(apiDir)).toEqual([first.pid]);
    await host.restart();
    expect((await ping(url)).pid).not.toBe(first.pid);
    const listening = logger
      .text()
      .match(new RegExp(`Debugger listening on ws://127\\.0\\.0\\.1:${port}/`, 'g'));
    expect(listening).toHaveLength(2);
    expect(logger.text()).not.toContain('address already in use');
  });

  it('the real worker lets an attached debugger go when it stops, instead of waiting for it to disconnect', async () => {
    const logger = recordingLogger();
    const host = openHost({
      apiDir: join(FUNCTION_FIXTURES, 'v4-cjs'),
      workerPath: undefined,
      logger,
      env: { languageWorkers__node__arguments: '--inspect=127.0.0.1:0' },
      nodeArgumentsFromSettings: true,
      // A worker that waited for its debugger would hold this restart far past the test's own limit.
      timings: { ...FAST_TIMINGS, stopGraceMs: 60_000 },
    });
    await host.start();
    const inspector = await attach(logger);
    await inspector.call('Debugger.enable');
    await host.restart();
    expect(logger.text()).not.toContain('Waiting for the debugger to disconnect');
    await eventually(async () => inspector.closed());
  });
});
