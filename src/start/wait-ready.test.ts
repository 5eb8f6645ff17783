import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DevCommand } from './dev-command.js';
import { waitForDevServer } from './wait-ready.js';

const URL = 'http://localhost:3000';

/** A command that keeps running and printed nothing. */
function runningCommand(): DevCommand {
  return {
    command: 'next dev',
    exited: new Promise(() => {}),
    hasExited: () => false,
    isStopping: () => false,
    lastLines: () => [],
    stop: async () => {},
  };
}

describe('waitForDevServer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('says it is still waiting after 5 s, then every 15 s, instead of a silent first compile', async () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    let answering = false;
    const ready = waitForDevServer({
      url: URL,
      command: runningCommand(),
      probe: async () => answering,
      timeoutSeconds: 60,
      waiting: (line) => lines.push(line),
    });
    await vi.advanceTimersByTimeAsync(4_500);
    expect(lines).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(lines).toEqual([`Waiting for ${URL} to answer (5 s of 60 s)…`]);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(lines).toEqual([
      `Waiting for ${URL} to answer (5 s of 60 s)…`,
      `Waiting for ${URL} to answer (20 s of 60 s)…`,
    ]);
    answering = true;
    await vi.advanceTimersByTimeAsync(500);
    await expect(ready).resolves.toBeUndefined();
  });

  it('names the setting that set the timeout (swa-cli.config.json), not only the flag', async () => {
    const wait = (timeoutSetting?: string) =>
      waitForDevServer({
        url: URL,
        command: runningCommand(),
        probe: async () => false,
        timeoutSeconds: 0.2,
        ...(timeoutSetting === undefined ? {} : { timeoutSetting }),
      });
    await expect(wait('devserverTimeout in swa-cli.config.json')).rejects.toThrow(
      'allow more time by raising devserverTimeout in swa-cli.config.json (0.2 now), or with --devserver-timeout <seconds>.',
    );
    await expect(wait()).rejects.toThrow('allow more time with --devserver-timeout <seconds>.');
  });
});
