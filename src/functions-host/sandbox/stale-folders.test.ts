/**
 * The sweep at start of the private folders a killed server left: those of a process that is gone (or
 * whose pid now runs another process) go, those of a running process (this one, another server) stay, and
 * nothing but this user's own folders of that exact name is touched.
 * @see decision 0113
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { recordingLogger } from '../../../test/helpers/functions-host.js';
import { privateFolderPrefix, sweepAtStart, sweepStaleFolders } from './stale-folders.js';

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A folder for the test's folders: under the run's temp folder, or `/tmp` where a socket's path must be short. */
async function base(parent = tmpdir()): Promise<string> {
  const dir = await mkdtemp(join(parent, 'portico-sweep-test-'));
  made.push(dir);
  return dir;
}

/** A folder `name` under `dir` with a file in a `tmp` folder, as a worker's. */
async function workerFolder(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, 'tmp'), { recursive: true });
  await writeFile(join(path, 'tmp', 'big'), 'x'.repeat(1024));
  return path;
}

/** The built socket folder (`dist/`), for a server process of its own. */
const BUILT_SOCKET_DIR = fileURLToPath(
  new URL('../../../dist/functions-host/_socket-dir.js', import.meta.url),
);

/**
 * Starts a Node process that makes its functions host's socket folder under `base`, as a server does, and
 * waits; the folder, and a way to kill the process outright (kill -9: nothing of it runs any more).
 */
async function serverWithSocketFolder(base: string) {
  const script = `const { createSocketDir } = await import(${JSON.stringify(BUILT_SOCKET_DIR)});
    const dir = await createSocketDir(${JSON.stringify(base)});
    console.log(dir.socketPath);
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const socketPath = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the process exited (${code}) before making its folder`)));
  });
  lines.close();
  const kill = async () => {
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
  };
  return { folder: dirname(socketPath), kill };
}

/** Starts a Node process that waits; its pid, its start time from /proc, and a way to end it. */
async function otherProcess() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  const stat = await readFile(`/proc/${child.pid}/stat`, 'utf8');
  const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  const end = async () => {
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
  };
  return { pid: child.pid ?? 0, start, end };
}

describe('sweeping stale private folders', () => {
  it('names a folder for this process: its pid and its start time', async () => {
    const prefix = basename(await privateFolderPrefix('/tmp', 'fn'));
    expect(prefix).toMatch(new RegExp(`^portico-fn-${process.pid}\\.\\d+-$`));
    expect(basename(await privateFolderPrefix('/tmp', 'run'))).toBe(prefix.replace('-fn-', '-run-'));
    expect(basename(await privateFolderPrefix('/tmp', 'sock'))).toBe(prefix.replace('-fn-', '-sock-'));
  });

  it('removes the folders of a process that is gone, keeps those of running ones', async () => {
    const dir = await base();
    const own = await workerFolder(dir, `${basename(await privateFolderPrefix(dir, 'fn'))}aaaaaa`);
    const running = await otherProcess();
    const other = await workerFolder(dir, `portico-fn-${running.pid}.${running.start}-bbbbbb`);
    const gone = await otherProcess();
    await gone.end();
    const dead = await workerFolder(dir, `portico-fn-${gone.pid}.${gone.start}-cccccc`);
    const deadRun = await workerFolder(dir, `portico-run-${gone.pid}.${gone.start}-dddddd`);
    // The running process's pid, but another start time: a reused pid, so the owner is gone.
    const reused = await workerFolder(dir, `portico-fn-${running.pid}.1-eeeeee`);
    try {
      const result = await sweepStaleFolders([dir]);
      expect(result.removed.map((folder) => folder.path).sort()).toEqual([dead, deadRun, reused].sort());
      expect(result.failed).toEqual([]);
      for (const path of [own, other]) {
        expect(existsSync(join(path, 'tmp', 'big')), path).toBe(true);
      }
    } finally {
      await running.end();
    }
  });

  it('removes the socket folder of a server killed with kill -9, never that of a running one', async () => {
    const dir = await base('/tmp');
    const killed = await serverWithSocketFolder(dir);
    const running = await serverWithSocketFolder(dir);
    try {
      expect(basename(killed.folder)).toMatch(/^portico-sock-\d+\.\d+-[A-Za-z0-9]{6}$/);
      expect(await sweepStaleFolders([dir])).toEqual({ removed: [], failed: [] });
      await killed.kill();
      expect(existsSync(killed.folder)).toBe(true);
      const result = await sweepStaleFolders([dir]);
      expect(result.removed.map((folder) => folder.path)).toEqual([killed.folder]);
      expect(existsSync(killed.folder)).toBe(false);
      expect(existsSync(running.folder)).toBe(true);
    } finally {
      await running.kill();
    }
  });

  it('leaves what only looks like one: older names, symbolic links, files', async () => {
    const dir = await base();
    const gone = await otherProcess();
    await gone.end();
    const target = await workerFolder(dir, 'target');
    const legacy = await workerFolder(dir, 'portico-fn-AbC123');
    const link = join(dir, `portico-fn-${gone.pid}.${gone.start}-ffffff`);
    await symlink(target, link);
    const file = join(dir, `portico-fn-${gone.pid}.${gone.start}-gggggg`);
    await writeFile(file, 'not a folder');
    expect(await sweepStaleFolders([dir])).toEqual({ removed: [], failed: [] });
    for (const path of [join(target, 'tmp', 'big'), legacy, link, file]) {
      expect(existsSync(path), path).toBe(true);
    }
  });

  it('logs each folder it removed, with the process that had made it', async () => {
    const dir = await base();
    const gone = await otherProcess();
    await gone.end();
    const dead = await workerFolder(dir, `portico-fn-${gone.pid}.${gone.start}-hhhhhh`);
    const socket = await workerFolder(dir, `portico-sock-${gone.pid}.${gone.start}-iiiiii`);
    const logger = recordingLogger();
    await sweepAtStart(logger, [dir]);
    expect(logger.lines.sort()).toEqual([
      `info: functions: removed ${dead}, a worker's private folder left by process ${gone.pid}, which is gone`,
      `info: functions: removed ${socket}, a functions host's socket folder left by process ${gone.pid}, which is gone`,
    ]);
    expect(existsSync(socket)).toBe(false);
    expect(existsSync(dead)).toBe(false);
  });
});
