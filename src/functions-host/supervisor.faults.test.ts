/** The supervisor over a fake worker: crash and hang recovery, restarts on the same port, the dev watch loop. */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, send } from '../../test/helpers/app.js';
import {
  closeHosts,
  FAST_TIMINGS,
  isAlive,
  openHost,
  recordingLogger,
  workerPids,
  writeApiDir,
} from '../../test/helpers/functions-host.js';

afterEach(closeHosts);

/** The worker's pid, or undefined while nothing answers. */
async function pidOf(url: string): Promise<number | undefined> {
  try {
    const response = await send(`${url}/api/ping`);
    return response.status === 200 ? response.json<{ pid: number }>().pid : undefined;
  } catch {
    return undefined;
  }
}

async function nextPid(url: string, previous: number): Promise<number> {
  let pid: number | undefined;
  await eventually(async () => {
    pid = await pidOf(url);
    return pid !== undefined && pid !== previous;
  });
  return pid ?? previous;
}

async function firstPid(url: string): Promise<number> {
  const pid = await pidOf(url);
  expect(pid).toBeTypeOf('number');
  return pid ?? 0;
}

describe('createFunctionsHost: faults', () => {
  it('restarts a crashed worker on the same port', async () => {
    const logger = recordingLogger();
    const host = openHost({ apiDir: await writeApiDir(), logger });
    const { url } = await host.start();
    const pid = await firstPid(url);
    expect((await send(`${url}/api/crash`)).text).toBe('bye');
    const replacement = await nextPid(url, pid);
    expect(isAlive(pid)).toBe(false);
    expect(host.url).toBe(url);
    expect(replacement).not.toBe(pid);
    expect(logger.text()).toMatch(/exited with code 1 unexpectedly; restarting in \d+ ms/);
    expect(logger.text()).toContain('API ready again');
  });

  it('backs off more after each crash in a row', async () => {
    const logger = recordingLogger();
    const host = openHost({ apiDir: await writeApiDir(), logger, env: { FAKE_WORKER_CRASH_AFTER: '1' } });
    const { url } = await host.start();
    const first = await firstPid(url);
    const second = await nextPid(url, first);
    await nextPid(url, second);
    const delays = logger.lines.flatMap((line) => /restarting in (\d+) ms/.exec(line)?.[1] ?? []).map(Number);
    expect(delays.slice(0, 2)).toEqual([20, 40]);
  });

  it('kills and replaces a worker that stops answering health checks', async () => {
    const logger = recordingLogger();
    const host = openHost({ apiDir: await writeApiDir(), logger });
    const { url } = await host.start();
    const pid = await firstPid(url);
    void send(`${url}/api/hang`).catch(() => undefined);
    await nextPid(url, pid);
    expect(isAlive(pid)).toBe(false);
    expect(logger.text()).toContain('health checks in a row');
    expect(logger.text()).toContain('stopped answering and was killed');
  });

  it('restarts a worker that runs out of memory and says why', async () => {
    const logger = recordingLogger();
    // A worker collecting garbage near its heap limit may miss fast health checks on a busy machine and be
    // killed as hung before it runs out of memory: this test is about the out-of-memory exit.
    const timings = { ...FAST_TIMINGS, healthIntervalMs: 1_000, healthTimeoutMs: 60_000 };
    const host = openHost({ apiDir: await writeApiDir(), logger, maxMemoryMb: 32, timings });
    const { url } = await host.start();
    const pid = await firstPid(url);
    void send(`${url}/api/oom`).catch(() => undefined);
    await nextPid(url, pid);
    expect(logger.text()).toContain('out of memory? its heap limit is 32 MB');
  });

  it('replaces a worker whose memory outside the heap (Buffers) goes over its limit, and says why', async () => {
    const logger = recordingLogger();
    // Heap limit 32 MB: the resident limit is 2 × 32 + 256 = 320 MB. Health checks wait long here: on a
    // busy machine, filling 64 MB Buffers can hold the worker's event loop past the short test timeout,
    // and the worker would be killed as hung before its memory was read.
    const host = openHost({
      apiDir: await writeApiDir(),
      logger,
      maxMemoryMb: 32,
      timings: { ...FAST_TIMINGS, healthTimeoutMs: 10_000 },
    });
    const { url } = await host.start();
    const pid = await firstPid(url);
    // The request that grows the worker dies with it: its answer is a 502 or a cut connection, depending
    // on whether the kill comes before or after the worker took the connection over.
    await send(`${url}/api/buffers?mb=384`).catch(() => undefined);
    await nextPid(url, pid);
    expect(isAlive(pid)).toBe(false);
    expect(logger.text()).toMatch(/uses \d+ MB of memory, over its limit of 320 MB/);
    expect(logger.text()).toContain('used more memory than its limit and was killed');
  });

  it('restart() replaces the worker and keeps the URL', async () => {
    const host = openHost({ apiDir: await writeApiDir() });
    const { url } = await host.start();
    const pid = await firstPid(url);
    await host.restart();
    expect(host.url).toBe(url);
    expect(await firstPid(url)).not.toBe(pid);
    expect(isAlive(pid)).toBe(false);
  });
});

describe('createFunctionsHost: watch', () => {
  /** A watched host on an app of `index.js` (and `files`), started, with its log and first worker's pid. */
  async function startWatched(files: Record<string, string> = {}) {
    const logger = recordingLogger();
    const apiDir = await writeApiDir({ 'index.js': 'v1', ...files });
    const host = openHost({ apiDir, logger, watch: true });
    const { url } = await host.start();
    return { logger, apiDir, url, pid: await firstPid(url) };
  }

  it('restarts on changes, survives a change that breaks loading, and recovers on the next one', async () => {
    const { logger, apiDir, url, pid } = await startWatched();

    await writeFile(join(apiDir, 'index.js'), 'v2');
    const second = await nextPid(url, pid);
    expect(logger.text()).toContain('API changed, restarting');

    await writeFile(join(apiDir, 'FATAL'), 'SyntaxError in index.js:1');
    await eventually(async () => logger.text().includes('waiting for changes'));
    expect(logger.text()).toContain('error: functions: SyntaxError in index.js:1');
    expect(await pidOf(url)).toBeUndefined();

    await rm(join(apiDir, 'FATAL'));
    await nextPid(url, second);
  });

  /**
   * A watch that never settles by itself: the test ends each burst with `restart()`. The long start timeout
   * keeps a standby usable however slowly a busy machine gets from its spawn to that `restart()` (a standby
   * is used only while half of its start timeout is left).
   */
  const HELD_BURSTS = { ...FAST_TIMINGS, watchDebounceMs: 60_000, readyTimeoutMs: 60_000 };

  /** Waits for a worker of `apiDir` other than `current`: the one booted at the start of a burst. */
  async function standbyOf(apiDir: string, current: number): Promise<number> {
    let standby: number | undefined;
    await eventually(async () => {
      standby = workerPids(apiDir).find((pid) => pid !== current);
      return standby !== undefined;
    });
    return standby ?? 0;
  }

  /**
   * Starts a watched host on an app with `files` (and `index.js`), edits `index.js` and waits for the worker
   * booted at the start of that burst, which the held watch leaves waiting.
   */
  async function holdBurst(files: Record<string, string> = {}, useLocalSettings = false) {
    const apiDir = await writeApiDir({ 'index.js': 'v1', ...files });
    const host = openHost({ apiDir, watch: true, useLocalSettings, timings: HELD_BURSTS });
    const { url } = await host.start();
    const pid = await firstPid(url);
    await writeFile(join(apiDir, 'index.js'), 'v2');
    return { apiDir, host, url, pid, standby: await standbyOf(apiDir, pid) };
  }

  it('boots the next worker at the first change of a burst, and loads the app in it when the burst ends', async () => {
    const { host, url, pid, standby } = await holdBurst();
    // Booted, it waits for `load`: the old worker still serves.
    expect(await pidOf(url)).toBe(pid);
    await host.restart();
    expect(await pidOf(url)).toBe(standby);
    expect(isAlive(pid)).toBe(false);
  });

  it('does not use that worker when local.settings.json changed after it booted', async () => {
    const settings = (value: string) => JSON.stringify({ Values: { GREETING: value } });
    const { apiDir, host, url, standby } = await holdBurst({ 'local.settings.json': settings('one') }, true);
    await writeFile(join(apiDir, 'local.settings.json'), settings('two'));
    await host.restart();
    const served = await firstPid(url);
    expect(served).not.toBe(standby);
    expect((await send(`${url}/api/env?name=GREETING`)).json<{ value: string }>().value).toBe('two');
    await eventually(async () => !isAlive(standby));
  });

  it('close() in the middle of a burst stops the worker booted for it', async () => {
    const { host, pid, standby } = await holdBurst();
    await host.close();
    expect(isAlive(pid)).toBe(false);
    expect(isAlive(standby)).toBe(false);
  });

  it('lists the functions again when a reload changes them, and only then', async () => {
    const { logger, apiDir, url, pid } = await startWatched();

    await writeFile(join(apiDir, 'index.js'), 'v2');
    const second = await nextPid(url, pid);
    await eventually(async () => logger.text().includes('API ready again'));
    expect(logger.text()).not.toContain("the API's functions are now");

    const orders = {
      name: 'orders',
      methods: ['GET', 'POST'],
      route: 'orders/{id?}',
      authLevel: 'anonymous',
    };
    await writeFile(join(apiDir, 'FUNCTIONS.json'), JSON.stringify([orders]));
    await nextPid(url, second);
    await eventually(async () => logger.text().includes("the API's functions are now"));
    expect(logger.text()).toContain(
      "functions: the API's functions are now\n  GET,POST /api/orders/{id?} → orders",
    );
  });

  it('ignores node_modules', async () => {
    const { logger, apiDir, url, pid } = await startWatched({ 'package.json': '{}' });
    await mkdir(join(apiDir, 'node_modules', 'dep'), { recursive: true });
    await writeFile(join(apiDir, 'node_modules', 'dep', 'index.js'), 'x');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await pidOf(url)).toBe(pid);
    expect(logger.text()).not.toContain('API changed');
  });
});
