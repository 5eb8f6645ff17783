/**
 * `portico serve --log-format json` (or PORTICO_LOG_FORMAT=json) writes its log on stderr as one JSON
 * object per line, for a log collector; the start-up lines on stdout, which scripts wait for, stay text.
 * A wrong value is refused before anything starts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/app.js';
import { CLI_RUNS_TIMEOUT, runCli, startCli } from '../helpers/cli.js';

const folders: string[] = [];

afterAll(async () => {
  for (const folder of folders) {
    await rm(folder, { recursive: true, force: true });
  }
});

async function dataFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'portico-e2e-log-format-'));
  folders.push(folder);
  return folder;
}

const SERVE = ['serve', '--port', '0', '--admin-port', '0', '--domain', 'portico.test'];

describe('portico serve --log-format', { timeout: CLI_RUNS_TIMEOUT.three }, () => {
  it('json: every stderr line is an object with time, level, pid and msg; stdout keeps its ready line', async () => {
    const data = await dataFolder();
    const cli = await startCli([...SERVE, '--data', data, '--log-format', 'json'], 20_000);
    await eventually(async () => cli.stdout().includes('Management API at'));
    expect(cli.stdout()).toMatch(/^Portico service ready at http:\/\//m);
    expect(await cli.stop('SIGTERM')).toBe(0);
    const lines = cli.stderr().trimEnd().split('\n');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const entry of entries) {
      expect(Object.keys(entry)).toEqual(['time', 'level', 'pid', 'msg']);
      expect(Number.isNaN(Date.parse(String(entry.time)))).toBe(false);
      expect(entry.pid).toBe(cli.child.pid);
    }
    // The key file beside the database is warned about at start; the signal is logged at stop.
    expect(entries).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: expect.stringContaining('service key') }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({ level: 'info', msg: expect.stringMatching(/^SIGTERM: draining/) }),
    );
  });

  it.skipIf(process.env.PORTICO_TEST_REDIS_URL === undefined)(
    'json: what a library prints on stderr is a JSON record too (ioredis on a password Redis does not need)',
    async () => {
      // @see the docs tester's report: ioredis's "[WARN] … does not require a password" came out as text.
      const redis = new URL(process.env.PORTICO_TEST_REDIS_URL ?? '');
      redis.password = 'not-needed-here';
      const data = await dataFolder();
      const cli = await startCli(
        [...SERVE, '--data', data, '--log-format', 'json', '--redis-url', redis.href],
        20_000,
      );
      await eventually(async () => cli.stdout().includes('Management API at'));
      expect(await cli.stop('SIGTERM')).toBe(0);
      const entries = cli
        .stderr()
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as { level: string; msg: string });
      expect(entries).toContainEqual({
        time: expect.any(String),
        level: 'warn',
        pid: cli.child.pid,
        msg: expect.stringContaining('does not require a password'),
      });
      expect(cli.stderr()).not.toContain('not-needed-here');
    },
  );

  it('PORTICO_LOG_FORMAT=json does the same; text stays the default', async () => {
    const data = await dataFolder();
    const cli = await startCli([...SERVE, '--data', data], 20_000, {
      env: { ...process.env, PORTICO_LOG_FORMAT: 'JSON' },
    });
    await eventually(async () => cli.stdout().includes('Management API at'));
    await cli.stop('SIGTERM');
    expect(JSON.parse(cli.stderr().split('\n')[0] ?? '')).toMatchObject({ level: 'warn' });
  });

  it('refuses a format it does not know, naming where it came from', async () => {
    const data = await dataFolder();
    const flag = await runCli([...SERVE, '--data', data, '--log-format', 'logfmt']);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain("--log-format is 'logfmt'; give text or json.");
    const env = await runCli([...SERVE, '--data', data], undefined, {
      env: { ...process.env, PORTICO_LOG_FORMAT: 'yaml' },
    });
    expect(env.code).toBe(1);
    expect(env.stderr).toContain("PORTICO_LOG_FORMAT is 'yaml'; give text or json.");
    expect(env.stdout).not.toContain('ready');
  });
});
