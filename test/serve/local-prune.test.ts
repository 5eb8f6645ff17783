/**
 * A running node removes the local folders of deployments it no longer serves (replaced, or of a deleted
 * site) once they are old enough, without a restart: a site deployed ten times a day no longer fills the
 * disk until someone restarts the node.
 * @see docs/operations.md; the cleanup tester's findings of this stop
 */
import { mkdir, readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeApp } from '../helpers/app.js';
import {
  deployFolders,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

describe('deployment folders of a running node', () => {
  let t: TestService;
  const folders = () => readdir(join(t.dataDir, 'cache', 'deployments')).catch(() => [] as string[]);

  beforeAll(async () => {
    // Checked often here; a folder still has to be an hour old, as by default. A replaced deployment's
    // folder also stays while its files answer for the previous build's pages (decision 0126): briefly here.
    t = await startTestService({
      extra: { localPrune: { intervalMs: 100, minAgeMs: 60 * 60_000 }, retiredGraceMs: 1_000 },
    });
  });
  afterAll(async () => {
    await t?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('go once they are an hour old and no environment serves them; the live one stays', async () => {
    const created = await t.admin('PUT', `${SITES_PATH}/busy`, { sku: { name: 'Standard' } });
    const { apiKey, defaultHostname } = created.json<{
      properties: { apiKey: string; defaultHostname: string };
    }>().properties;
    const names: string[] = [];
    for (const version of ['one', 'two', 'three']) {
      const deployed = await deployFolders(t.service, apiKey, await writeApp({ 'index.html': version }));
      expect(deployed.status, deployed.text).toBe(200);
      names.push(deployed.json<{ name: string }>().name);
    }
    expect((await t.get(defaultHostname, '/')).text).toContain('three');
    expect(await folders()).toEqual(expect.arrayContaining(names));
    // Made two hours ago, as far as the node can tell.
    const past = new Date(Date.now() - 2 * 60 * 60_000);
    for (const name of await folders()) {
      await utimes(join(t.dataDir, 'cache', 'deployments', name), past, past);
    }
    await expect.poll(folders, { timeout: 20_000 }).toEqual([names[2]]);
    expect((await t.get(defaultHostname, '/')).text).toContain('three');
  });

  /** @see the QA finding: npm's homes (one per distinct .npmrc) were never removed. */
  it('remove npm homes no served API installs with, once unused for an hour', async () => {
    const homes = join(t.dataDir, 'cache', 'npm');
    const stale = join(homes, '0'.repeat(32));
    const recent = join(homes, '1'.repeat(32));
    await mkdir(join(stale, 'cache'), { recursive: true });
    await mkdir(join(recent, 'cache'), { recursive: true });
    const past = new Date(Date.now() - 2 * 60 * 60_000);
    await utimes(stale, past, past);
    await expect.poll(() => readdir(homes), { timeout: 20_000 }).toEqual([recent.slice(homes.length + 1)]);
  });
});
