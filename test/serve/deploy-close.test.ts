/**
 * `DELETE /deploy/v1/environments/{env}` (`portico deploy close`) as the CLI calls it: the answer names
 * the environment as stored, whatever case was typed, and an empty `?site=` (a workflow input left empty)
 * names no site rather than a site called ''.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeployClient } from '../../src/client/index.js';
import { writeApp } from '../helpers/app.js';
import {
  deployFolders,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

describe('closing an environment with a deployment token', () => {
  let t: TestService;
  let token: string;

  beforeAll(async () => {
    t = await startTestService();
    const created = await t.admin('PUT', `${SITES_PATH}/shop`, { sku: { name: 'Standard' } });
    token = created.json<{ properties: { apiKey: string } }>().properties.apiKey;
  });
  afterAll(async () => {
    await t.close();
    await removeData(t.dataDir);
  });

  it('names the environment as stored (pr2 for PR2), and takes an empty ?site= as none', async () => {
    const app = await writeApp({ 'index.html': '<h1>pr2</h1>' });
    expect((await deployFolders(t.service, token, app, { environment: 'pr2' })).status).toBe(200);
    const client = createDeployClient({ url: t.service.adminUrl, deploymentToken: token });
    expect(await client.close('PR2', '')).toEqual({ site: 'shop', environment: 'pr2', closed: true });
    expect(await client.close('pr2', '')).toEqual({ site: 'shop', environment: 'pr2', closed: false });
  });

  it('still refuses a site other than the token’s', async () => {
    const client = createDeployClient({ url: t.service.adminUrl, deploymentToken: token });
    await expect(client.close('pr3', 'other')).rejects.toThrow(
      "The deployment token belongs to the site 'shop', not 'other'",
    );
  });
});
