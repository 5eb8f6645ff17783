/**
 * A folder of the app swapped for a symlink to a folder outside it, while requests keep coming, must
 * never serve the outside files: what is opened is checked after the open, not only when the index was
 * built (issue 13, item 5.1).
 *
 * @see issue 13
 */
import { mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startApp, type TestApp } from '../helpers/app.js';

const SWAPS = 150;
/** Larger than the in-memory cache limit (1 MiB), so it is streamed from disk on every request. */
const BIG = 1024 * 1024 + 4096;

let app: TestApp;
let outside: string;

beforeAll(async () => {
  outside = await mkdtemp(join(tmpdir(), 'portico-secret-'));
  await writeFile(join(outside, 'small.txt'), 'SECRET');
  await writeFile(join(outside, 'big.bin'), Buffer.alloc(BIG, 'S'));
  app = await startApp({
    'index.html': 'home',
    'docs/small.txt': 'public',
    'docs/big.bin': Buffer.alloc(BIG, 'p'),
  });
});

afterAll(async () => {
  await app.close();
  await rm(outside, { recursive: true, force: true });
});

interface Tally {
  leaks: number;
  answers: number;
  readonly statuses: Set<number>;
}

async function probe(tally: Tally): Promise<void> {
  const [small, big] = await Promise.all([app.fetch('/docs/small.txt'), app.fetch('/docs/big.bin')]);
  for (const response of [small, big]) {
    if (response.text.includes('S')) {
      tally.leaks += 1;
    }
    tally.statuses.add(response.status);
    tally.answers += 1;
  }
}

describe('symlink swaps under load', () => {
  it('never serves a file from outside the app folder', async () => {
    const docs = join(app.dir, 'docs');
    const parked = join(app.dir, 'docs-parked');
    const tally: Tally = { leaks: 0, answers: 0, statuses: new Set() };
    let swapping = true;
    const hammer = async () => {
      while (swapping) {
        await probe(tally);
      }
    };
    const hammers = [hammer(), hammer()];
    try {
      for (let i = 0; i < SWAPS; i += 1) {
        await rename(docs, parked);
        await symlink(outside, docs);
        await probe(tally);
        await unlink(docs);
        await rename(parked, docs);
      }
    } finally {
      swapping = false;
      await Promise.all(hammers);
    }
    expect(tally.leaks).toBe(0);
    expect(tally.answers).toBeGreaterThanOrEqual(SWAPS * 2);
    // The indexed file, or 404 while its folder is parked or replaced; never a 500.
    expect([...tally.statuses].every((status) => status === 200 || status === 404)).toBe(true);
    // Once the folder is back, its files are served again.
    await eventually(async () => (await app.fetch('/docs/small.txt')).text === 'public');
  });
});
