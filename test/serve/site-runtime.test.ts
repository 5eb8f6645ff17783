/**
 * What an environment's active deployment runs, over the management API of `portico serve`: its
 * functions (Azure's listStaticSiteFunctions and listStaticSiteBuildFunctions, with route and methods)
 * and the identity providers its config registers with the presence of the app settings they name,
 * never their values.
 * @see issue 15 "Sites: identity providers … the functions of the active deployment"
 */
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeApp } from '../helpers/app.js';
import { PROVIDERS_CONFIG } from '../helpers/identity-config.js';
import {
  createDeployedSite,
  deployFolders,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

const API_FIXTURE = fileURLToPath(new URL('../fixtures/serve/api', import.meta.url));
const SCRATCH = fileURLToPath(new URL('../.tmp/', import.meta.url));

interface FunctionBody {
  id: string;
  name: string;
  type: string;
  properties: { functionName: string; triggerType: string; route: string; methods: string[] | null };
}

describe('portico serve: functions and identity providers of an environment', () => {
  let t: TestService;
  let apiDir: string;
  let brokenDir: string;
  let apiKey: string;

  beforeAll(async () => {
    apiDir = join(SCRATCH, `site-runtime-${process.pid}`);
    brokenDir = join(SCRATCH, `site-runtime-broken-${process.pid}`);
    await mkdir(SCRATCH, { recursive: true });
    await cp(API_FIXTURE, apiDir, { recursive: true });
    await writeFile(
      join(apiDir, 'src', 'functions', 'orders.js'),
      "const { app } = require('@azure/functions');\napp.http('orders', { methods: ['GET', 'POST'], route: 'orders/{id?}', handler: async () => ({ body: 'ok' }) });\n",
    );
    await cp(API_FIXTURE, brokenDir, { recursive: true });
    await writeFile(join(brokenDir, 'src', 'functions', 'broken.js'), 'this is not javascript(\n');
    t = await startTestService();
    await createDeployedSite(t, 'runtime', {
      files: { 'index.html': 'home' },
      config: PROVIDERS_CONFIG,
      apiDir,
      settings: {
        GITHUB_CLIENT_ID: 'id-123',
        GITHUB_CLIENT_SECRET: 'very-secret-value',
        OKTA_CLIENT_ID: 'okta',
      },
    });
    apiKey = (await t.admin('POST', `${SITES_PATH}/runtime/listSecrets`)).json<{
      properties: { apiKey: string };
    }>().properties.apiKey;
    const plain = await writeApp({ 'index.html': 'static only' });
    expect((await deployFolders(t.service, apiKey, plain, { environment: 'static' })).status).toBe(200);
    const broken = await deployFolders(t.service, apiKey, plain, {
      environment: 'broken',
      apiDir: brokenDir,
    });
    expect(broken.status, broken.text).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await removeData(t?.dataDir ?? '');
    await rm(apiDir, { recursive: true, force: true });
    await rm(brokenDir, { recursive: true, force: true });
  });

  it("lists production's functions with route and methods, at the site and as the build default", async () => {
    const site = await t.admin('GET', `${SITES_PATH}/runtime/functions`);
    expect(site.status, site.text).toBe(200);
    const functions = site.json<{ value: FunctionBody[] }>().value;
    expect(functions.map((f) => f.name).sort()).toEqual(['orders', 'setting']);
    expect(functions.find((f) => f.name === 'orders')).toEqual({
      id: `${SITES_PATH}/runtime/functions/orders`,
      name: 'orders',
      type: 'Microsoft.Web/staticSites/functions',
      properties: {
        functionName: 'orders',
        triggerType: 'HttpTrigger',
        route: 'orders/{id?}',
        methods: ['GET', 'POST'],
        authLevel: 'anonymous',
      },
    });
    const build = await t.admin('GET', `${SITES_PATH}/runtime/builds/default/functions`);
    const setting = build.json<{ value: FunctionBody[] }>().value.find((f) => f.name === 'setting');
    expect(setting).toMatchObject({
      id: `${SITES_PATH}/runtime/builds/default/functions/setting`,
      type: 'Microsoft.Web/staticSites/builds/functions',
      properties: { route: 'setting/{name}', methods: ['GET'] },
    });
  }, 60_000);

  it('lists no functions for an environment without an API, and 404 for an unknown one', async () => {
    const none = await t.admin('GET', `${SITES_PATH}/runtime/builds/static/functions`);
    expect(none.status).toBe(200);
    expect(none.json()).toEqual({ value: [] });
    const missing = await t.admin('GET', `${SITES_PATH}/runtime/builds/nope/functions`);
    expect(missing.status).toBe(404);
    expect(missing.json<{ error: { code: string } }>().error.code).toBe('CONTROL_ENVIRONMENT_NOT_FOUND');
  });

  it('says why when the API does not load', async () => {
    const broken = await t.admin('GET', `${SITES_PATH}/runtime/builds/broken/functions`);
    expect(broken.status).toBe(502);
    const error = broken.json<{ error: { code: string; message: string } }>().error;
    expect(error.code).toBe('CONTROL_FUNCTIONS_UNAVAILABLE');
    expect(error.message).toContain('runtime (broken)');
    expect(error.message).toMatch(/syntax/i);
  }, 60_000);

  it('lists the registered identity providers and which named settings exist, never a value', async () => {
    const listed = await t.admin('GET', `${SITES_PATH}/runtime/builds/default/identityProviders`);
    expect(listed.status, listed.text).toBe(200);
    expect(listed.text).not.toContain('very-secret-value');
    expect(listed.text).not.toContain('id-123');
    const base = 'auth.identityProviders';
    expect(listed.json()).toEqual({
      value: [
        {
          id: `${SITES_PATH}/runtime/builds/default/identityProviders/github`,
          name: 'github',
          type: 'Microsoft.Web/staticSites/builds/identityProviders',
          properties: {
            kind: 'github',
            enabled: true,
            settingsComplete: true,
            settings: [
              {
                name: 'GITHUB_CLIENT_ID',
                path: `${base}.github.registration.clientIdSettingName`,
                present: true,
              },
              {
                name: 'GITHUB_CLIENT_SECRET',
                path: `${base}.github.registration.clientSecretSettingName`,
                present: true,
              },
            ],
          },
        },
        {
          id: `${SITES_PATH}/runtime/builds/default/identityProviders/okta`,
          name: 'okta',
          type: 'Microsoft.Web/staticSites/builds/identityProviders',
          properties: {
            kind: 'customOpenIdConnect',
            enabled: true,
            settingsComplete: false,
            settings: [
              {
                name: 'OKTA_CLIENT_ID',
                path: `${base}.customOpenIdConnectProviders.okta.registration.clientIdSettingName`,
                present: true,
              },
              {
                name: 'OKTA_CLIENT_SECRET',
                path: `${base}.customOpenIdConnectProviders.okta.registration.clientCredential.clientSecretSettingName`,
                present: false,
              },
            ],
          },
        },
      ],
    });
    const none = await t.admin('GET', `${SITES_PATH}/runtime/builds/static/identityProviders`);
    expect(none.json()).toEqual({ value: [] });
  });
});
