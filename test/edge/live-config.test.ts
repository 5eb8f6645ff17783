/**
 * The live config of `portico start` under editing: saves that rename a temp file over the config
 * (how editors save) always apply, and a config that disappears fails closed (issue 13, item 5).
 *
 * @see issue 13
 */
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startApp, type TestApp } from '../helpers/app.js';

const SAVES = 60;

let app: TestApp | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

/**
 * Saves like an editor: write a temp file next to the config, then rename it over. Both in one tick,
 * as on a busy machine, where the watcher only looks once the temp file is gone again.
 */
function saveByRename(dir: string, config: unknown, n: number): void {
  const temp = join(dir, `.staticwebapp.config.json.${n}.tmp`);
  writeFileSync(temp, JSON.stringify(config));
  renameSync(temp, join(dir, 'staticwebapp.config.json'));
}

function markerConfig(n: number): unknown {
  return { routes: [{ route: '/marker', redirect: `/v${n}`, statusCode: 302 }] };
}

describe('live config', () => {
  it('applies the last of many rename-over saves in a row', async () => {
    app = await startApp({ 'index.html': 'home' }, { config: markerConfig(0) });
    const running = app;
    for (let n = 1; n <= SAVES; n += 1) {
      saveByRename(running.dir, markerConfig(n), n);
      await running.fetch('/marker');
    }
    await eventually(
      async () => (await running.fetch('/marker')).header('location')?.endsWith(`/v${SAVES}`) === true,
      10_000,
    );
  });

  it('fails closed when the config is deleted, until it is back', async () => {
    const protect = { routes: [{ route: '/private/*', allowedRoles: ['authenticated'] }] };
    app = await startApp({ 'index.html': 'home', 'private/index.html': 'private' }, { config: protect });
    const running = app;
    expect((await running.fetch('/private/')).status).toBe(401);

    unlinkSync(join(running.dir, 'staticwebapp.config.json'));
    await eventually(async () => (await running.fetch('/private/')).status === 500);
    const page = await running.fetch('/');
    expect(page.status).toBe(500);
    expect(page.text).toContain('was deleted while portico start was running');

    saveByRename(running.dir, protect, 0);
    await eventually(async () => (await running.fetch('/private/')).status === 401);
    expect((await running.fetch('/')).text).toBe('home');
  });

  it('prints each warning once when the config becomes invalid, and the error block holds only the errors', async () => {
    const warned = { route: 'no-leading-slash', statusCode: 404 };
    app = await startApp({ 'index.html': 'home' }, { config: { routes: [warned] } });
    const running = app;
    saveByRename(running.dir, { routes: [warned, { route: '/broken', statusCode: 'many' }] }, 0);
    await eventually(async () => (await running.fetch('/')).status === 500);
    await eventually(async () => running.logs.some((line) => line.includes('config is now invalid')));
    const log = running.logs.join('\n');
    const warnings = log.match(/routes\[0\]\.route/g) ?? [];
    // Once, at start (unchanged by the edit, so not repeated); never again inside the error block.
    expect(warnings).toHaveLength(1);
    const errorBlock = running.logs.find((line) => line.includes('config is now invalid')) ?? '';
    expect(errorBlock).toContain('routes[1].statusCode');
    expect(errorBlock).not.toContain('routes[0].route');
  });

  it('fails closed on a staticwebapp.config.json that is a folder, as on any config it cannot read', async () => {
    // At start: refused, as an invalid config is (it was served as if there were no config).
    await expect(startApp({ 'index.html': 'home', 'staticwebapp.config.json/.keep': '' })).rejects.toThrow(
      "staticwebapp.config.json: is a folder, not a file, so the site's rules cannot be read; remove or rename the folder",
    );
    // While running: 500 until it is a file again.
    app = await startApp({ 'index.html': 'home' }, { config: { routes: [] } });
    const running = app;
    const file = join(running.dir, 'staticwebapp.config.json');
    unlinkSync(file);
    mkdirSync(file);
    await eventually(async () => (await running.fetch('/')).status === 500);
    expect((await running.fetch('/')).text).toContain('is a folder, not a file');
  });
});
