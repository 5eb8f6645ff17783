/** Helpers for functions-host tests: API folders on disk, the fake worker, a recording logger. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createFunctionsHost,
  type FunctionsHost,
  type FunctionsHostOptions,
} from '../../src/functions-host/index.js';
import type { HostTimings } from '../../src/functions-host/types.js';
import type { Logger, LogLevel } from '../../src/shared/logger.js';

/** A worker script that speaks the worker protocol (see the file's header for its fault modes). */
export const FAKE_WORKER = fileURLToPath(
  new URL('../fixtures/functions-host/fake-worker.mjs', import.meta.url),
);

/** Short delays, so faults are noticed within a few hundred milliseconds. */
export const FAST_TIMINGS: Partial<HostTimings> = {
  // A fake worker is ready in well under a second on an idle machine; a busy 2-core CI runner starting
  // several at once may take many (the tests check what happens, never how fast).
  readyTimeoutMs: 15_000,
  healthIntervalMs: 100,
  healthTimeoutMs: 300,
  backoffInitialMs: 20,
  backoffMaxMs: 200,
  stopGraceMs: 1_000,
  watchDebounceMs: 50,
};

/** Folders made by {@link writeApiDir}, removed by {@link closeHosts}. */
const folders: string[] = [];

/** Writes an API folder (host.json plus `files`) to a new temporary directory and returns its real path. */
export async function writeApiDir(files: Record<string, string> = {}): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'portico-api-')));
  folders.push(dir);
  await writeFile(join(dir, 'host.json'), '{ "version": "2.0" }');
  for (const [name, text] of Object.entries(files)) {
    await writeFile(join(dir, name), text);
  }
  return dir;
}

/** A logger that keeps `level: message` lines. */
export interface RecordingLogger extends Logger {
  readonly lines: string[];
  text(): string;
}

/** Creates a {@link RecordingLogger}. */
export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const record = (level: LogLevel) => (message: string) => {
    lines.push(`${level}: ${message}`);
  };
  return {
    lines,
    text: () => lines.join('\n'),
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
}

/** Hosts opened by {@link openHost}, closed by {@link closeHosts} after each test. */
const opened: FunctionsHost[] = [];

/** A host over the fake worker with fast timings; `env` is added to the worker's real environment. */
export function openHost(
  options: Partial<FunctionsHostOptions> & { apiDir: string; env?: Record<string, string> },
): FunctionsHost {
  const { env, ...rest } = options;
  const host = createFunctionsHost({
    workerPath: FAKE_WORKER,
    timings: FAST_TIMINGS,
    logger: recordingLogger(),
    baseEnv: { ...process.env, ...env },
    ...rest,
  });
  opened.push(host);
  return host;
}

/** Closes every host of the test, then removes the API folders written so far. */
export async function closeHosts(): Promise<void> {
  await Promise.all(opened.splice(0).map((host) => host.close()));
  await Promise.all(folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/**
 * True while a process with this id runs. A zombie (exited, not yet reaped: orphans wait for PID 1 to
 * reap them) counts as gone; Linux shows it in `/proc/<pid>/stat`.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** The pids of the worker processes of `apiDir` (its folder is in their command line). */
export function workerPids(apiDir: string): number[] {
  const found = spawnSync('pgrep', ['-f', apiDir], { encoding: 'utf8' }).stdout;
  return found.split('\n').filter(Boolean).map(Number);
}
