/**
 * FUNCTIONS_WORKER_PROCESS_COUNT with real workers behind `portico start --api`: concurrent requests are
 * spread over the workers, a killed worker is replaced on its own while the others keep answering, and an
 * invalid count stops the start with a message that says how to fix it (decision 0029).
 *
 * @see issue 16 item 5
 */
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startApp, type TestApp } from '../helpers/app.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/functions/', import.meta.url));
const SCRATCH = fileURLToPath(new URL('../.tmp/', import.meta.url));
const WORKERS = 3;
/** Long enough that every request of a burst is in flight at once, so the edge opens a connection each. */
const PID_FUNCTION = `const { app } = require('@azure/functions');
app.get('pid', async () => {
  await new Promise((resolve) => setTimeout(resolve, 150));
  return { jsonBody: { pid: process.pid } };
});
`;

/** A copy of the v4 fixture (inside the repository, so @azure/functions resolves) with a pid function. */
async function writeApiDir(name: string, count: string): Promise<string> {
  const apiDir = join(SCRATCH, `${name}-${process.pid}`);
  await mkdir(SCRATCH, { recursive: true });
  await cp(join(FIXTURES, 'v4-cjs'), apiDir, { recursive: true });
  await writeFile(join(apiDir, 'src', 'functions', 'pid.js'), PID_FUNCTION);
  await writeFile(
    join(apiDir, 'local.settings.json'),
    JSON.stringify({ Values: { FUNCTIONS_WORKER_PROCESS_COUNT: count } }),
  );
  return apiDir;
}

async function pidsOfBurst(app: TestApp, size: number): Promise<number[]> {
  const answers = await Promise.all(Array.from({ length: size }, () => app.fetch('/api/pid')));
  expect(answers.map((answer) => answer.status)).toEqual(Array(size).fill(200));
  return answers.map((answer) => answer.json<{ pid: number }>().pid);
}

describe('FUNCTIONS_WORKER_PROCESS_COUNT', () => {
  let app: TestApp;
  let apiDir: string;
  beforeAll(async () => {
    apiDir = await writeApiDir('worker-processes', String(WORKERS));
    app = await startApp({ 'index.html': 'home' }, { apiDir, apiTimeoutSeconds: 120 });
  });
  afterAll(async () => {
    await app.close();
    await rm(apiDir, { recursive: true, force: true });
  });

  it('spreads concurrent requests over every worker', async () => {
    const pids = new Set(await pidsOfBurst(app, WORKERS * 4));
    expect(pids.size).toBe(WORKERS);
    expect(app.logs.join('\n')).toContain(`${WORKERS} worker processes (FUNCTIONS_WORKER_PROCESS_COUNT)`);
  });

  it('replaces a killed worker on its own while the others keep answering', async () => {
    const before = new Set(await pidsOfBurst(app, WORKERS * 4));
    const [victim = 0] = before;
    process.kill(victim, 'SIGKILL');
    await eventually(async () =>
      app.logs.some((line) => line.includes('was killed by SIGKILL unexpectedly')),
    );
    const during = await pidsOfBurst(app, WORKERS * 2);
    expect(during).not.toContain(victim);
    let after = new Set<number>();
    await eventually(async () => {
      after = new Set(await pidsOfBurst(app, WORKERS * 4));
      return after.size === WORKERS && !after.has(victim);
    }, 15_000);
    // The survivors were never restarted: only the killed worker's place has a new process.
    expect([...after].filter((pid) => before.has(pid))).toHaveLength(WORKERS - 1);
  });
});

describe('FUNCTIONS_WORKER_PROCESS_COUNT: invalid values', () => {
  it.each(['0', '11', 'two'])('refuses %s and says what is allowed', async (count) => {
    const apiDir = await writeApiDir(`worker-processes-bad-${count}`, count);
    try {
      await expect(startApp({ 'index.html': 'home' }, { apiDir })).rejects.toMatchObject({
        code: 'FUNCTIONS_INVALID_SETTINGS',
        message: expect.stringMatching(
          new RegExp(`FUNCTIONS_WORKER_PROCESS_COUNT must be a whole number from 1 to 10.*got "${count}"`),
        ),
      });
    } finally {
      await rm(apiDir, { recursive: true, force: true });
    }
  });
});
