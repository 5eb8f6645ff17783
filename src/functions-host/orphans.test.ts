/**
 * The worker never outlives its parent: killed with the parent's `process.exit`, and gone when the parent
 * dies without running any code (SIGKILL), because the worker exits when its IPC channel closes. Runs the
 * built host (`dist/`), since the parent is a separate Node process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, send } from '../../test/helpers/app.js';
import { closeHosts, isAlive, writeApiDir } from '../../test/helpers/functions-host.js';

const PARENT = fileURLToPath(new URL('../../test/fixtures/functions-host/parent.mjs', import.meta.url));

let parent: ChildProcess | undefined;

afterEach(async () => {
  parent?.kill('SIGKILL');
  await closeHosts();
});

/** Starts the parent and resolves with the pid of its worker. */
async function startParent(env: Record<string, string> = {}): Promise<number> {
  const apiDir = await writeApiDir();
  parent = spawn(process.execPath, [PARENT, apiDir], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    parent?.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    parent?.once('exit', (code) => reject(new Error(`parent exited with ${code}`)));
  });
  return (await send(`${url}/api/ping`)).json<{ pid: number }>().pid;
}

describe('functions host: no orphan workers', () => {
  it('a parent killed with SIGKILL takes its worker with it (IPC disconnect)', async () => {
    const pid = await startParent();
    parent?.kill('SIGKILL');
    await eventually(async () => !isAlive(pid));
  });

  it('process.exit() in the parent kills even a worker that ignores the disconnect', async () => {
    const pid = await startParent({ FAKE_WORKER_IGNORE_DISCONNECT: '1' });
    parent?.kill('SIGUSR2');
    await eventually(async () => !isAlive(pid));
    expect(isAlive(pid)).toBe(false);
  });
});
