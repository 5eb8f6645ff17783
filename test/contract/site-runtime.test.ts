/**
 * The site runtime services on every database (SQLite, and PostgreSQL when configured): the identity
 * providers a live deployment's config registers, with the presence of the settings they name (never a
 * value), following deploys and settings changes; and which environments have functions to list at all.
 * @see issue 15 "Sites: identity providers … the functions of the active deployment"
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commitDeployment,
  createDeployment,
  uploadDeploymentFile,
} from '../../src/control-plane/deployments.js';
import { listRegisteredProviders } from '../../src/control-plane/identity-providers.js';
import type { ControlContext } from '../../src/control-plane/index.js';
import { replaceAppSettings } from '../../src/control-plane/settings.js';
import { listEnvironmentFunctions } from '../../src/control-plane/site-functions.js';
import { createSite, getSite } from '../../src/control-plane/sites.js';
import { openDatabase, type StorageDatabase } from '../../src/storage/index.js';
import { testControlContext } from '../helpers/control-context.js';
import { testDatabases } from '../helpers/databases.js';
import { PROVIDERS_CONFIG } from '../helpers/identity-config.js';

function file(path: string, text: string) {
  const data = Buffer.from(text);
  return { path, size: data.length, sha256: createHash('sha256').update(data).digest('hex'), data };
}

async function deploy(ctx: ControlContext, environment: string, files: ReturnType<typeof file>[]) {
  const site = await getSite(ctx, 'shop');
  const { deployment, missing } = await createDeployment(ctx, site, {
    environment,
    app: files.map(({ path, size, sha256 }) => ({ path, size, sha256 })),
  });
  for (const hash of missing) {
    const f = files.find((x) => x.sha256 === hash);
    await uploadDeploymentFile(ctx, site, deployment.id, hash, f?.data ?? Buffer.alloc(0));
  }
  return commitDeployment(ctx, site, deployment.id);
}

describe.each(testDatabases())('site runtime services on $name', (database) => {
  let storage: StorageDatabase;
  let ctx: ControlContext;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const created = await database.create();
    cleanup = created.cleanup;
    storage = await openDatabase(created.location);
    ctx = testControlContext(storage, created.dir, { blobsAs: 'serve' });
    await createSite(ctx, 'shop', 'Standard');
  });
  afterAll(async () => {
    await storage?.close();
    await cleanup?.();
  });

  it('lists the providers of the live config and which named settings exist, following changes', async () => {
    const site = await getSite(ctx, 'shop');
    expect(await listRegisteredProviders(ctx, site, 'production')).toEqual([]);
    await deploy(ctx, 'production', [
      file('index.html', 'home'),
      file('staticwebapp.config.json', JSON.stringify(PROVIDERS_CONFIG)),
    ]);
    await replaceAppSettings(ctx, site, 'production', {
      GITHUB_CLIENT_SECRET: 'hush-hush',
      OKTA_CLIENT_ID: 'o',
    });
    const providers = await listRegisteredProviders(ctx, site, 'production');
    expect(JSON.stringify(providers)).not.toContain('hush-hush');
    expect(
      providers.map((p) => ({
        name: p.name,
        kind: p.kind,
        settings: p.settings.map((s) => `${s.name}:${s.present}`),
      })),
    ).toEqual([
      { name: 'github', kind: 'github', settings: ['GITHUB_CLIENT_ID:false', 'GITHUB_CLIENT_SECRET:true'] },
      {
        name: 'okta',
        kind: 'customOpenIdConnect',
        settings: ['OKTA_CLIENT_ID:true', 'OKTA_CLIENT_SECRET:false'],
      },
    ]);

    await replaceAppSettings(ctx, site, 'production', {
      GITHUB_CLIENT_ID: 'g',
      GITHUB_CLIENT_SECRET: 'hush-hush',
      OKTA_CLIENT_ID: 'o',
      OKTA_CLIENT_SECRET: 's',
    });
    const complete = await listRegisteredProviders(ctx, site, 'production');
    expect(complete.flatMap((p) => p.settings).every((s) => s.present)).toBe(true);

    await deploy(ctx, 'production', [file('index.html', 'home without registrations')]);
    expect(await listRegisteredProviders(ctx, site, 'production')).toEqual([]);
  });

  it('has no functions to list without a deployment or without an API, and never asks a host then', async () => {
    const site = await getSite(ctx, 'shop');
    await deploy(ctx, 'static', [file('index.html', 'static')]);
    // No inspector: a call to it would fail, so an empty answer shows none was needed.
    expect(await listEnvironmentFunctions(ctx, site, 'static', undefined)).toEqual([]);
    await expect(listEnvironmentFunctions(ctx, site, 'missing', undefined)).rejects.toMatchObject({
      code: 'CONTROL_ENVIRONMENT_NOT_FOUND',
    });
  });
});
