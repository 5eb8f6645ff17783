/**
 * A request that misses a file only by letter case (`/Logo.png` for `logo.png`) is answered as before
 * (404, or the navigation fallback: file names are case-sensitive, as in Azure), and `portico start` tells
 * the terminal once per path which name the app has (decision 0114). `portico serve` never does, and
 * nothing of it reaches a response.
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { startApp, type TestApp, writeFileIn } from '../helpers/app.js';
import { createDeployedSite, startTestService, type TestService } from '../helpers/service.js';

const HINT = 'differs only in case';

function hintsIn(logs: readonly string[]): string[] {
  return logs.filter((line) => line.includes(HINT));
}

/** Requests `path` until it answers `status`: the watcher's rebuild has no deadline to assert. */
async function waitForStatus(app: TestApp, path: string, status: number): Promise<void> {
  for (let tries = 0; tries < 250; tries++) {
    if ((await app.fetch(path)).status === status) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${path} never answered ${status}`);
}

describe('portico start: a hint when a missed file differs only in case', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({
      'index.html': 'home',
      'logo.png': 'PNG',
      'images/a.png': 'A',
      'docs/index.html': 'docs',
      'abcde.txt': 'letters',
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers 404 without naming the real file, and warns once with the name the app has', async () => {
    const first = await app.fetch('/Logo.png');
    expect(first.status).toBe(404);
    expect(first.text.toLowerCase()).not.toContain('logo');
    expect(hintsIn(app.logs)).toEqual([
      'warning: /Logo.png was not found; the app has /logo.png, which differs only in case: Static Web Apps serves file names case-sensitively, so fix the link or the file name.',
    ]);
    expect((await app.fetch('/Logo.png')).status).toBe(404);
    expect(hintsIn(app.logs)).toHaveLength(1);
    expect((await app.fetch('/logo.png')).text).toBe('PNG');
  });

  it('names a folder that differs in case, and the folder of a page', async () => {
    expect((await app.fetch('/Images/a.png')).status).toBe(404);
    expect(hintsIn(app.logs).filter((line) => line.includes('/Images/a.png was not found'))).toEqual([
      expect.stringContaining('the app has /images/a.png, which'),
    ]);
    expect((await app.fetch('/Docs/')).status).toBe(404);
    expect(hintsIn(app.logs).filter((line) => line.includes('/Docs/ was not found'))).toEqual([
      expect.stringContaining('the app has /docs/, which'),
    ]);
  });

  it('says nothing for a file the app does not have in any case', async () => {
    const before = hintsIn(app.logs).length;
    expect((await app.fetch('/missing.png')).status).toBe(404);
    expect((await app.fetch('/images/b.png')).status).toBe(404);
    expect(hintsIn(app.logs)).toHaveLength(before);
  });

  it('knows files renamed while it runs (the case index is rebuilt with the file index)', async () => {
    await writeFileIn(app.dir, 'Photo.JPG', 'JPG');
    await waitForStatus(app, '/Photo.JPG', 200);
    expect((await app.fetch('/photo.jpg')).status).toBe(404);
    expect(hintsIn(app.logs).filter((line) => line.includes('/photo.jpg was not found'))).toEqual([
      expect.stringContaining('the app has /Photo.JPG, which'),
    ]);
    await rename(join(app.dir, 'Photo.JPG'), join(app.dir, 'photo.jpg'));
    await waitForStatus(app, '/photo.jpg', 200);
    const before = hintsIn(app.logs).length;
    expect((await app.fetch('/PHOTO.jpg')).status).toBe(404);
    expect(hintsIn(app.logs).slice(before)).toEqual([
      expect.stringContaining('/PHOTO.jpg was not found; the app has /photo.jpg, which'),
    ]);
  });

  it('hints at 20 paths at most, so a scan cannot fill the terminal', async () => {
    const variants: string[] = [];
    for (let mask = 1; mask < 32; mask++) {
      const name = [...'abcde'].map((c, i) => ((mask >> i) & 1 ? c.toUpperCase() : c)).join('');
      variants.push(`/${name}.txt`);
    }
    for (const path of variants) {
      expect((await app.fetch(path)).status).toBe(404);
    }
    expect(hintsIn(app.logs)).toHaveLength(20);
  });
});

describe('portico start: a hint when the navigation fallback answers a path that differs only in case', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(
      { 'index.html': 'shell', 'guide.html': 'guide' },
      { config: { navigationFallback: { rewrite: '/index.html' } } },
    );
  });
  afterAll(async () => {
    await app?.close();
  });

  it('serves the fallback as before and says that it did', async () => {
    const answer = await app.fetch('/Guide');
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('shell');
    expect(hintsIn(app.logs)).toEqual([
      'warning: /Guide was not found, so the navigation fallback was served; the app has /guide, which differs only in case: Static Web Apps serves file names case-sensitively, so fix the link or the file name.',
    ]);
  });
});

describe('portico serve: no case hint', () => {
  let t: TestService;
  const logs: string[] = [];
  beforeAll(async () => {
    t = await startTestService({
      logger: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 404 and logs nothing about the file the app has', async () => {
    const host = await createDeployedSite(t, 'case-site', {
      files: { 'index.html': 'home', 'logo.png': 'PNG' },
    });
    const answer = await t.get(host, '/Logo.png');
    expect(answer.status).toBe(404);
    expect(answer.text.toLowerCase()).not.toContain('logo');
    expect((await t.get(host, '/logo.png')).text).toBe('PNG');
    expect(hintsIn(logs)).toEqual([]);
  });
});
