/**
 * Dotfiles and dot-folders are never served, except under `/.well-known/` (issue 13, item 5.4;
 * docs/decisions/0015-dotfiles.md). `portico serve` is covered with the deploy in test/e2e/serve.test.ts.
 *
 * @see issue 13
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';

let app: TestApp;

beforeAll(async () => {
  app = await startApp({
    'index.html': 'home',
    '.env': 'SECRET=1',
    '.env.production': 'SECRET=2',
    'sub/.env.local': 'SECRET=3',
    '.npmrc': '//registry/:_authToken=x',
    '.vscode/settings.json': '{}',
    'sub/.hidden/page.html': 'hidden',
    '.well-known/security.txt': 'Contact: mailto:security@example.com',
    '.well-known/acme-challenge/token1': 'token1.key',
  });
});

afterAll(async () => {
  await app.close();
});

describe('dotfiles in portico start', () => {
  it.each([
    '/.env',
    '/.env.production',
    '/sub/.env.local',
    '/.npmrc',
    '/.vscode/settings.json',
    '/sub/.hidden/page.html',
    '/sub/.hidden/',
  ])('%s is 404 as a missing file', async (path) => {
    const response = await app.fetch(path);
    expect(response.status).toBe(404);
    expect(response.text).not.toMatch(/SECRET|_authToken|hidden/);
  });

  it('serves /.well-known/', async () => {
    expect((await app.fetch('/.well-known/security.txt')).text).toContain('Contact:');
    expect((await app.fetch('/.well-known/acme-challenge/token1')).text).toBe('token1.key');
  });
});
