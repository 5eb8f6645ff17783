/**
 * A visitor's page load does not break across a deploy (decision 0126): a page of the previous build,
 * fetched just before the switch, still gets its own assets for a short grace after it, under the route
 * rules and headers of the config now served; then they are gone. One node on SQLite; the nodes that lag
 * behind another are in multi-node.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, writeApp } from '../helpers/app.js';
import {
  deployFolders,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

/** Short, so the test sees the end of the grace; long enough that the checks right after a deploy fall in it. */
const GRACE_MS = 3_000;

const OLD_BUILD = {
  'index.html': '<script src="/assets/app-2.js"></script>',
  'assets/app-2.js': 'console.log("build 2");',
  'reports/q1.csv': 'quarter,revenue\nq1,100\n',
  'leaked.txt': 'a secret that should never have been deployed',
};
const NEW_BUILD = {
  'index.html': '<script src="/assets/app-3.js"></script>',
  'assets/app-3.js': 'console.log("build 3");',
};

describe('a deploy that renames hashed assets', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService({ extra: { retiredGraceMs: GRACE_MS } });
  });
  afterAll(async () => {
    await t.close();
    await removeData(t.dataDir);
  });

  /** Creates a site, deploys `OLD_BUILD` then `NEW_BUILD` with `config`; answers its host name. */
  async function deployBoth(name: string, config: unknown): Promise<string> {
    const created = await t.admin('PUT', `${SITES_PATH}/${name}`, { sku: { name: 'Standard' } });
    const { defaultHostname, apiKey } = created.json<{
      properties: { defaultHostname: string; apiKey: string };
    }>().properties;
    expect((await deployFolders(t.service, apiKey, await writeApp(OLD_BUILD))).status).toBe(200);
    expect((await t.get(defaultHostname, '/assets/app-2.js')).status).toBe(200);
    expect((await deployFolders(t.service, apiKey, await writeApp(NEW_BUILD, config))).status).toBe(200);
    return defaultHostname;
  }

  it("answers the previous build's assets for the grace, with the new config's headers, then 404", async () => {
    const host = await deployBoth('skew-grace', {
      navigationFallback: { rewrite: '/index.html', exclude: ['/assets/*'] },
      globalHeaders: { 'x-build': '3' },
    });
    expect((await t.get(host, '/')).text).toContain('app-3.js');
    const old = await t.get(host, '/assets/app-2.js');
    expect(old.status).toBe(200);
    expect(old.text).toBe('console.log("build 2");');
    expect(old.headers['content-type']).toContain('javascript');
    expect(old.headers['x-build']).toBe('3');
    expect((await t.get(host, '/assets/app-3.js')).text).toBe('console.log("build 3");');
    // A path neither build has is a miss as before.
    expect((await t.get(host, '/assets/app-1.js')).status).toBe(404);
    await eventually(async () => (await t.get(host, '/assets/app-2.js')).status === 404, GRACE_MS + 5_000);
  });

  it('answers them before the navigation fallback, which would send a page where a script was asked for', async () => {
    const host = await deployBoth('skew-fallback', { navigationFallback: { rewrite: '/index.html' } });
    const old = await t.get(host, '/assets/app-2.js');
    expect(old.status).toBe(200);
    expect(old.text).toBe('console.log("build 2");');
  });

  it('keeps what the new config protects or blocks protected, previous files included', async () => {
    const host = await deployBoth('skew-protected', {
      routes: [
        { route: '/reports/*', allowedRoles: ['finance'] },
        { route: '/leaked.txt', statusCode: 404 },
      ],
    });
    expect((await t.get(host, '/assets/app-2.js')).status).toBe(200);
    expect((await t.get(host, '/reports/q1.csv')).status).toBe(401);
    const leaked = await t.get(host, '/leaked.txt');
    expect(leaked.status).toBe(404);
    expect(leaked.text).not.toContain('secret');
  });
});
