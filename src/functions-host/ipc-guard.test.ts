/** The IPC guard's fail-closed check (decision 0099): it says what it cannot find instead of running blind. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { guardIpcChannel } from './_ipc-guard.js';

function spawnChild(ipc: boolean) {
  const stdio = ipc
    ? (['ignore', 'ignore', 'ignore', 'ipc'] as const)
    : (['ignore', 'ignore', 'ignore'] as const);
  return spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: [...stdio] });
}

describe('guardIpcChannel', () => {
  it("guards a child with Node 20's IPC channel", () => {
    const child = spawnChild(true);
    try {
      expect(guardIpcChannel(child, () => {})).toBeUndefined();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('names the internal it cannot find, so that the caller refuses to run the worker', () => {
    const child = spawnChild(false);
    try {
      expect(guardIpcChannel(child, () => {})).toContain('kChannelHandle');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
