/**
 * The storage contract suite: the control plane's services run unchanged on embedded SQLite and on
 * PostgreSQL (spec: issue 4 "one contract test suite runs against both dialects").
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addProductApi,
  createApimService,
  deleteApi,
  deleteApimService,
  loadApimSnapshot,
  putApi,
  putNamedValue,
  putOperation,
  putPolicy,
  putProduct,
  putSubscription,
  regenerateKey,
} from '../../src/control-plane/apim/index.js';
import { linkBackend, listLinks, repairLink, unlinkBackend } from '../../src/control-plane/backends/index.js';
import { sweepUnusedContents, UNUSED_CONTENT_GRACE_MS } from '../../src/control-plane/content.js';
import {
  commitDeployment,
  createDeployment,
  expireUploads,
  listDeployments,
  rollbackDeployment,
  uploadDeploymentFile,
} from '../../src/control-plane/deployments.js';
import {
  deleteEnvironment,
  listEnvironments,
  listServingEntries,
} from '../../src/control-plane/environments.js';
import { userIdOfAccount } from '../../src/control-plane/identity-subjects.js';
import {
  type ControlContext,
  createSealer,
  isKeyOf,
  materializeDeployment,
  readDeployment,
  readStoredKeyState,
  recordServiceKey,
  UPLOAD_EXPIRY_MS,
} from '../../src/control-plane/index.js';
import { listStandardFeaturesInUse } from '../../src/control-plane/plans.js';
import { listAppSettings, replaceAppSettings } from '../../src/control-plane/settings.js';
import {
  authenticateDeploymentToken,
  createSite,
  deleteSite,
  getSite,
  listSites,
  readDeploymentToken,
  resetDeploymentToken,
  setSku,
} from '../../src/control-plane/sites.js';
import {
  acceptInvitation,
  createInvitation,
  findInvitationProvider,
  identityEpoch,
  identityKey,
  listUsers,
  loadRoleDirectory,
  purgeUser,
  removeUser,
  updateUserRoles,
  userIdFor,
} from '../../src/control-plane/users.js';
import { type DatabaseLocation, openDatabase, type StorageDatabase } from '../../src/storage/index.js';
import { testControlContext } from '../helpers/control-context.js';
import { testDatabases } from '../helpers/databases.js';

function file(path: string, text: string) {
  const data = Buffer.from(text);
  return { path, size: data.length, sha256: createHash('sha256').update(data).digest('hex'), data };
}

async function deploy(
  ctx: ControlContext,
  siteName: string,
  environment: string,
  files: ReturnType<typeof file>[],
) {
  const site = await getSite(ctx, siteName);
  const { deployment, missing } = await createDeployment(ctx, site, {
    environment,
    app: files.map(({ path, size, sha256 }) => ({ path, size, sha256 })),
  });
  for (const hash of missing) {
    const f = files.find((x) => x.sha256 === hash);
    await uploadDeploymentFile(ctx, site, deployment.id, hash, f?.data ?? Buffer.alloc(0));
  }
  return { committed: await commitDeployment(ctx, site, deployment.id), missing };
}

const SERVICE_KEY = randomBytes(32);

describe.each(testDatabases())('control plane on $name', (database) => {
  let storage: StorageDatabase;
  let ctx: ControlContext;
  let cleanup: () => Promise<void>;
  let location: DatabaseLocation;

  beforeAll(async () => {
    const created = await database.create();
    cleanup = created.cleanup;
    location = created.location;
    storage = await openDatabase(created.location);
    ctx = testControlContext(storage, created.dir, {
      blobsAs: 'serve',
      sealer: createSealer(SERVICE_KEY),
      publicUrl: (host) => `http://${host}:4280`,
    });
  });
  afterAll(async () => {
    await storage?.close();
    await cleanup?.();
  });

  it('opens an already migrated database again without changes, keeping the service key verifier', async () => {
    expect(await recordServiceKey(storage.db, storage.dialect, SERVICE_KEY)).toBe(true);
    const again = await openDatabase(location);
    const state = await readStoredKeyState(again.db);
    expect(isKeyOf(state, SERVICE_KEY)).toBe(true);
    expect(isKeyOf(state, randomBytes(32))).toBe(false);
    expect(await recordServiceKey(again.db, again.dialect, randomBytes(32))).toBe(false);
    await again.close();
  });

  it('creates, lists, shows and refuses duplicate or badly named sites', async () => {
    const { site, token } = await createSite(ctx, 'blog', 'Free');
    expect(site.defaultHostname).toMatch(/^[a-z]+-[a-z]+-\d{6}\.example\.test$/);
    expect(token.length).toBeGreaterThan(30);
    await expect(createSite(ctx, 'blog', 'Free')).rejects.toMatchObject({ code: 'CONTROL_SITE_EXISTS' });
    await expect(createSite(ctx, 'Bad_Name', 'Free')).rejects.toMatchObject({
      code: 'CONTROL_SITE_NAME_INVALID',
    });
    expect((await listSites(ctx)).map((s) => s.name)).toContain('blog');
    expect((await listEnvironments(ctx, site)).map((e) => e.name)).toEqual(['production']);
  });

  it('keeps the deployment token sealed, authenticates it, and forgets it after a reset', async () => {
    const token = await readDeploymentToken(ctx, 'blog');
    const raw = await storage.db
      .selectFrom('sites')
      .selectAll()
      .where('name', '=', 'blog')
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(raw)).not.toContain(token);
    expect((await authenticateDeploymentToken(ctx, token)).name).toBe('blog');
    const next = await resetDeploymentToken(ctx, 'blog');
    await expect(authenticateDeploymentToken(ctx, token)).rejects.toMatchObject({
      code: 'DEPLOY_TOKEN_INVALID',
    });
    expect((await authenticateDeploymentToken(ctx, next)).name).toBe('blog');
    await expect(authenticateDeploymentToken(ctx, undefined)).rejects.toMatchObject({
      code: 'DEPLOY_TOKEN_INVALID',
    });
  });

  it('deploys, stores identical contents once, activates atomically and rolls back', async () => {
    const first = await deploy(ctx, 'blog', 'production', [
      file('index.html', '<h1>one</h1>'),
      file('a.txt', 'same'),
      file('b.txt', 'same'),
    ]);
    expect(first.missing).toHaveLength(2);
    expect(first.committed.status).toBe('Succeeded');
    const second = await deploy(ctx, 'blog', 'production', [
      file('index.html', '<h1>two</h1>'),
      file('a.txt', 'same'),
    ]);
    expect(second.missing).toHaveLength(1);
    const site = await getSite(ctx, 'blog');
    const [entry] = (await listServingEntries(ctx)).filter((e) => e.siteName === 'blog');
    expect(entry?.activeDeploymentId).toBe(second.committed.id);
    const rolled = await rollbackDeployment(ctx, site, 'production');
    expect(rolled.id).toBe(first.committed.id);
    const deployment = await readDeployment(ctx, rolled.id);
    const folders = await materializeDeployment(ctx, rolled.id, deployment?.manifest ?? { app: [] });
    expect(await readFile(join(folders.appDir, 'index.html'), 'utf8')).toBe('<h1>one</h1>');
    expect((await listDeployments(ctx, site, 'production')).map((d) => d.status)).toEqual([
      'Succeeded',
      'Succeeded',
    ]);
  });

  it('keeps the versions rollback goes back to when an unchanged CI deploy repeats (decision 0081)', async () => {
    const { site } = await createSite(ctx, 'rerun', 'Free');
    const version = (n: number) => [file('index.html', `<h1>version ${n}</h1>`)];
    const one = await deploy(ctx, 'rerun', 'production', version(1));
    await deploy(ctx, 'rerun', 'production', version(2));
    // Six re-runs of the same CI job: more than the five newest deployments the history keeps.
    for (let run = 0; run < 6; run += 1) {
      await deploy(ctx, 'rerun', 'production', version(2));
    }
    const listed = await listDeployments(ctx, site, 'production');
    expect(listed.map((d) => d.id)).toContain(one.committed.id);
    expect(listed).toHaveLength(6);
    expect((await rollbackDeployment(ctx, site, 'production')).id).toBe(one.committed.id);
    // Still bounded: the newest five deployments, the newest of five distinct contents, the live one.
    for (let n = 3; n <= 9; n += 1) {
      await deploy(ctx, 'rerun', 'production', version(n));
    }
    const versions = await listDeployments(ctx, site, 'production');
    expect(versions.map((d) => d.id)).not.toContain(one.committed.id);
    expect(versions).toHaveLength(5);
    await deleteSite(ctx, 'rerun');
  });

  it('rejects a deployment with an invalid config and keeps the previous one live', async () => {
    const site = await getSite(ctx, 'blog');
    const before = (await listServingEntries(ctx)).find((e) => e.siteName === 'blog')?.activeDeploymentId;
    await expect(
      deploy(ctx, 'blog', 'production', [file('staticwebapp.config.json', '{"routes": [{"route": 5}]}')]),
    ).rejects.toMatchObject({
      code: 'DEPLOY_CONFIG_INVALID',
      details: [expect.objectContaining({ path: 'routes[0].route' })],
    });
    expect((await listServingEntries(ctx)).find((e) => e.siteName === 'blog')?.activeDeploymentId).toBe(
      before,
    );
    expect((await listDeployments(ctx, site, 'production'))[0]?.status).toBe('Failed');
  });

  it('refuses Standard-only features on Free and blocks a downgrade while they are in use', async () => {
    const config = file(
      'staticwebapp.config.json',
      JSON.stringify({ networking: { allowedIpRanges: ['10.0.0.0/24'] } }),
    );
    await expect(deploy(ctx, 'blog', 'production', [config])).rejects.toMatchObject({
      code: 'DEPLOY_CONFIG_INVALID',
    });
    await setSku(ctx, 'blog', 'Standard', []);
    await deploy(ctx, 'blog', 'production', [config]);
    const blockers = await listStandardFeaturesInUse(ctx, await getSite(ctx, 'blog'));
    expect(blockers.join()).toContain('networking');
    await expect(setSku(ctx, 'blog', 'Free', blockers)).rejects.toMatchObject({
      code: 'CONTROL_PLAN_DOWNGRADE_BLOCKED',
    });
  });

  it('limits pre-production environments per plan and checks their names', async () => {
    await createSite(ctx, 'envs', 'Free');
    for (const name of ['one', 'two', 'three']) {
      await deploy(ctx, 'envs', name, [file('index.html', name)]);
    }
    await expect(deploy(ctx, 'envs', 'four', [file('index.html', 'x')])).rejects.toMatchObject({
      code: 'CONTROL_ENVIRONMENT_LIMIT',
    });
    await expect(deploy(ctx, 'envs', 'feature/x', [file('index.html', 'x')])).rejects.toMatchObject({
      code: 'CONTROL_ENVIRONMENT_NAME_INVALID',
    });
    await expect(deploy(ctx, 'envs', 'a'.repeat(17), [file('index.html', 'x')])).rejects.toMatchObject({
      code: 'CONTROL_ENVIRONMENT_NAME_INVALID',
    });
    const site = await getSite(ctx, 'envs');
    const hosts = (await listEnvironments(ctx, site)).map((e) => e.hostname);
    expect(hosts).toContain(`${site.hostLabel}-two.example.test`);
    await deleteEnvironment(ctx, site, 'two');
    await deploy(ctx, 'envs', 'four', [file('index.html', '4')]);
    await expect(deleteEnvironment(ctx, site, 'production')).rejects.toMatchObject({
      code: 'CONTROL_ENVIRONMENT_PRODUCTION',
    });
  });

  it('keeps app settings per environment, encrypted at rest, and checks their names', async () => {
    const site = await getSite(ctx, 'envs');
    await replaceAppSettings(ctx, site, 'production', { API_KEY: 'secret-value-1', 'my.setting': 'x' });
    await replaceAppSettings(ctx, site, 'one', { ONLY_ONE: 'y' });
    expect(await listAppSettings(ctx, site, 'production')).toEqual({
      API_KEY: 'secret-value-1',
      'my.setting': 'x',
    });
    expect(await listAppSettings(ctx, site, 'one')).toEqual({ ONLY_ONE: 'y' });
    const raw = await storage.db.selectFrom('app_settings').selectAll().execute();
    expect(JSON.stringify(raw)).not.toContain('secret-value-1');
    await expect(replaceAppSettings(ctx, site, 'production', { 'BAD-NAME': 'x' })).rejects.toMatchObject({
      code: 'CONTROL_SETTING_INVALID',
    });
    await expect(replaceAppSettings(ctx, site, 'production', { WEBSITE_FOO: 'x' })).rejects.toMatchObject({
      code: 'CONTROL_SETTING_INVALID',
    });
    // They become the API's environment: a set the system would refuse to start a worker with is refused.
    const large = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`LARGE_${i}`, 'x'.repeat(60_000)]),
    );
    await expect(replaceAppSettings(ctx, site, 'production', large)).rejects.toMatchObject({
      code: 'CONTROL_SETTING_INVALID',
      message: expect.stringContaining('add up to 587 KB, more than the 512 KB'),
    });
    await expect(
      replaceAppSettings(ctx, site, 'production', { ['N'.repeat(300)]: 'x' }),
    ).rejects.toMatchObject({
      code: 'CONTROL_SETTING_INVALID',
      message: expect.stringContaining('the name is longer than 256 characters'),
    });
    expect(await listAppSettings(ctx, site, 'production')).toEqual({
      API_KEY: 'secret-value-1',
      'my.setting': 'x',
    });
  });

  it('invites users, accepts an invitation once, edits roles and removes users', async () => {
    const site = await getSite(ctx, 'envs');
    const { invitationUrl, expiresOn } = await createInvitation(ctx, site, {
      provider: 'github',
      userDetails: 'Octocat',
      roles: ['admin'],
      hours: 24,
    });
    expect(invitationUrl).toMatch(new RegExp(`^http://${site.defaultHostname}:4280/\\.auth/invitations/`));
    expect(Date.parse(expiresOn) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const code = invitationUrl.split('/').at(-1) ?? '';
    await expect(
      acceptInvitation(ctx, site, code, { provider: 'github', userDetails: 'someone-else' }),
    ).rejects.toMatchObject({ code: 'CONTROL_INVITATION_INVALID' });
    const user = await acceptInvitation(ctx, site, code, { provider: 'github', userDetails: 'octocat' });
    expect(user.userId).toMatch(/^[0-9a-f]{32}$/);
    await expect(
      acceptInvitation(ctx, site, code, { provider: 'github', userDetails: 'octocat' }),
    ).rejects.toMatchObject({ code: 'CONTROL_INVITATION_INVALID' });
    expect((await updateUserRoles(ctx, site, 'github', user.userId, ['reader'])).roles).toEqual(['reader']);
    expect((await listUsers(ctx, site)).map((u) => [u.userDetails, u.roles])).toEqual([
      ['octocat', ['reader']],
    ]);
    await removeUser(ctx, site, 'github', user.userId);
    expect(await listUsers(ctx, site)).toEqual([]);
    await expect(
      createInvitation(ctx, site, { provider: 'github', userDetails: 'x', roles: ['a'], hours: 169 }),
    ).rejects.toMatchObject({ code: 'CONTROL_BAD_REQUEST' });
  });

  it('finds usable invitations, keeps per-site ids, lists roles for the data plane and purges users', async () => {
    const site = await getSite(ctx, 'envs');
    const { site: second } = await createSite(ctx, 'second', 'Free');
    const { invitationUrl } = await createInvitation(ctx, site, {
      provider: 'aad',
      userDetails: 'Ann@Example.com',
      roles: ['editor', 'reader'],
      hours: 1,
    });
    const code = invitationUrl.split('/').at(-1) ?? '';
    expect(await findInvitationProvider(ctx, site.id, code)).toBe('aad');
    expect(await findInvitationProvider(ctx, second.id, code)).toBeUndefined();
    expect(await findInvitationProvider(ctx, site.id, 'not-a-code')).toBeUndefined();
    const changesBefore = await storage.db.selectFrom('changes').select('seq').execute();
    const user = await acceptInvitation(ctx, site, code, { provider: 'aad', userDetails: 'ann@example.com' });
    expect(user.userId).toBe(userIdFor(ctx, site.id, 'AAD', 'ANN@example.com'));
    expect(userIdFor(ctx, second.id, 'aad', 'ann@example.com')).not.toBe(user.userId);
    expect(await findInvitationProvider(ctx, site.id, code)).toBeUndefined();
    const changesAfter = await storage.db.selectFrom('changes').select('hostname').execute();
    expect(changesAfter.length).toBeGreaterThan(changesBefore.length);
    expect(changesAfter.at(-1)?.hostname).toBe(`users:${site.id}`);

    const directory = await loadRoleDirectory(ctx, [site.id, second.id]);
    expect(directory.get(site.id)?.get(identityKey('aad', 'ann@example.com'))).toEqual(['editor', 'reader']);
    expect(directory.get(second.id)?.size).toBe(0);
    expect((await loadRoleDirectory(ctx)).get(site.id)?.size).toBe(1);

    // A purge forgets an identity whether or not it held roles (its next userId is new); another
    // provider's user of the same name is left alone.
    expect(await purgeUser(ctx, site.id, 'github', 'ann@example.com')).toBe(true);
    expect((await listUsers(ctx, site)).map((u) => u.userId)).toEqual([user.userId]);
    expect(await purgeUser(ctx, site.id, 'AAD', 'Ann@Example.com')).toBe(true);
    expect(await listUsers(ctx, site)).toEqual([]);
    expect(await identityEpoch(ctx, site.id, 'aad', 'ann@example.com')).toBe(1);
    expect(userIdFor(ctx, site.id, 'aad', 'ann@example.com', 1)).not.toBe(user.userId);
    await deleteSite(ctx, 'second');
  });

  it('gives each provider account its own userId: by its name first, by its subject when the name is taken', async () => {
    const site = await getSite(ctx, 'envs');
    const account = (subject: string, userDetails: string) =>
      userIdOfAccount(ctx, { siteId: site.id, provider: 'okta', userDetails, subject });
    const first = await account('sub-1', 'Zoe@example.com');
    expect(first).toBe(userIdFor(ctx, site.id, 'okta', 'zoe@example.com'));
    // Another account showing the same name: an id of its own, every time.
    const second = await account('sub-2', 'zoe@EXAMPLE.com');
    expect(second).toMatch(/^[0-9a-f]{32}$/);
    expect(second).not.toBe(first);
    expect(await account('sub-2', 'zoe@example.com')).toBe(second);
    // The first account renamed keeps its id; its old name, taken by a third account, does not give it.
    expect(await account('sub-1', 'zoe.new@example.com')).toBe(first);
    const third = await account('sub-3', 'zoe@example.com');
    expect([first, second]).not.toContain(third);
    // Forgetting the identity under its current name forgets the account: its next id is new.
    expect(await purgeUser(ctx, site.id, 'okta', 'zoe.new@example.com')).toBe(true);
    expect(await account('sub-1', 'zoe.new@example.com')).not.toBe(first);
  });

  it('sweeps contents that no deployment uses once they have been unused for the grace period', async () => {
    await createSite(ctx, 'tidy', 'Free');
    const shared = file('index.html', '<h1>tidy, shared</h1>');
    const previewOnly = file('preview.html', '<h1>tidy, preview only</h1>');
    const stray = file('stray.html', '<h1>uploaded, never committed</h1>');
    await deploy(ctx, 'tidy', 'production', [shared]);
    await deploy(ctx, 'tidy', 'old', [shared, previewOnly]);
    await ctx.blobs.put(stray.sha256, stray.data);
    await deleteEnvironment(ctx, await getSite(ctx, 'tidy'), 'old');
    const stored = (f: { sha256: string }) =>
      ctx.blobs.read(f.sha256).then(
        () => true,
        () => false,
      );

    // Within the grace period nothing goes: an upload may still be relying on it.
    await sweepUnusedContents(ctx);
    expect([await stored(shared), await stored(previewOnly), await stored(stray)]).toEqual([
      true,
      true,
      true,
    ]);

    const later: ControlContext = {
      ...ctx,
      now: () => new Date(Date.now() + UNUSED_CONTENT_GRACE_MS + 60_000),
    };
    expect(await sweepUnusedContents(later)).toBeGreaterThanOrEqual(2);
    expect([await stored(shared), await stored(previewOnly), await stored(stray)]).toEqual([
      true,
      false,
      false,
    ]);
    // What went is asked for again by the next deployment that needs it, and served once uploaded.
    const again = await deploy(ctx, 'tidy', 'production', [shared, previewOnly]);
    expect(again.missing).toEqual([previewOnly.sha256]);
    expect(again.committed.status).toBe('Succeeded');
  });

  it('expires uploads never committed within the hour and releases their contents', async () => {
    const { site } = await createSite(ctx, 'stalled', 'Free');
    const sent = file('index.html', '<h1>stalled upload</h1>');
    const { deployment } = await createDeployment(ctx, site, {
      environment: 'production',
      app: [{ path: sent.path, size: sent.size, sha256: sent.sha256 }],
    });
    await uploadDeploymentFile(ctx, site, deployment.id, sent.sha256, sent.data);
    const at = (offsetMs: number): ControlContext => ({
      ...ctx,
      now: () => new Date(Date.now() + offsetMs),
    });
    expect(await expireUploads(at(UPLOAD_EXPIRY_MS - 60_000))).toBe(0);
    expect(await expireUploads(at(UPLOAD_EXPIRY_MS + 60_000))).toBeGreaterThanOrEqual(1);
    const [expired] = await listDeployments(ctx, site, 'production');
    expect(expired).toMatchObject({ id: deployment.id, status: 'Failed' });
    expect(expired?.error).toContain('Upload expired');
    await expect(ctx.blobs.read(sent.sha256)).rejects.toThrow();
    await expect(commitDeployment(ctx, site, deployment.id)).rejects.toThrow(/Upload expired/);
    await deleteSite(ctx, 'stalled');
  });

  it('caps users with custom roles at 25', async () => {
    const { site } = await createSite(ctx, 'crowd', 'Free');
    for (let i = 0; i < 25; i += 1) {
      const { invitationUrl } = await createInvitation(ctx, site, {
        provider: 'github',
        userDetails: `user${i}`,
        roles: ['member'],
        hours: 1,
      });
      await acceptInvitation(ctx, site, invitationUrl.split('/').at(-1) ?? '', {
        provider: 'github',
        userDetails: `user${i}`,
      });
    }
    await expect(
      createInvitation(ctx, site, { provider: 'github', userDetails: 'user25', roles: ['member'], hours: 1 }),
    ).rejects.toMatchObject({ code: 'CONTROL_USER_LIMIT' });
  });

  it('keeps API Management entities, snapshots them for the gateway and cascades deletions', async () => {
    const service = await createApimService(ctx, 'contoso');
    await putApi(ctx, service.id, 'orders', { path: 'orders', serviceUrl: 'http://backend/api' });
    await putApi(ctx, service.id, 'orders_v2', { path: 'orders/v2', serviceUrl: 'http://backend/api' });
    await putOperation(ctx, service.id, 'orders', 'get', { method: 'get', urlTemplate: '/{id}' });
    await putOperation(ctx, service.id, 'orders_v2', 'get', { method: 'GET', urlTemplate: '/{id}' });
    await putProduct(ctx, service.id, 'starter', {});
    await addProductApi(ctx, service.id, 'starter', 'orders');
    await putSubscription(ctx, service.id, 'alice', {
      scope: '/products/starter',
      state: 'active',
      primaryKey: 'k1',
    });
    await putNamedValue(ctx, service.id, 'secret', { value: 's3cr3t', secret: true });
    await putPolicy(
      ctx,
      service.id,
      { scope: 'api', apiId: 'orders' },
      {
        value:
          '<policies><inbound><base /><set-header name="x" exists-action="override"><value>{{secret}}</value></set-header></inbound></policies>',
      },
    );
    const snapshot = await loadApimSnapshot(ctx, service.id);
    expect(snapshot?.apis.map((api) => [api.id, api.operations.map((op) => op.properties.method)])).toEqual([
      ['orders', ['GET']],
      ['orders_v2', ['GET']],
    ]);
    expect(snapshot?.products[0]?.apiIds).toEqual(['orders']);
    expect(snapshot?.subscriptions.find((sub) => sub.id === 'alice')?.keys.primaryKey).toBe('k1');
    expect(snapshot?.namedValues.get('secret')).toBe('s3cr3t');
    const stored = await storage.db
      .selectFrom('apim_entities')
      .select(['properties', 'secret_sealed'])
      .execute();
    expect(JSON.stringify(stored)).not.toContain('s3cr3t');
    await expect(
      putApi(ctx, service.id, 'dup', { path: 'ORDERS', serviceUrl: 'http://x' }),
    ).rejects.toMatchObject({ code: 'CONTROL_APIM_CONFLICT' });
    // Deleting an API with an id that is a prefix of another's leaves the other's operations alone.
    await deleteApi(ctx, service.id, 'orders');
    const after = await loadApimSnapshot(ctx, service.id);
    expect(after?.apis.map((api) => [api.id, api.operations.length])).toEqual([['orders_v2', 1]]);
    expect(after?.products[0]?.apiIds).toEqual([]);
    expect(after?.policies.size).toBe(0);
    await deleteApimService(ctx, 'contoso');
    expect(
      await storage.db.selectFrom('apim_entities').selectAll().where('service_id', '=', service.id).execute(),
    ).toEqual([]);
  });

  it('links a Standard environment to a gateway with Azure product and subscription, reports and repairs a broken link', async () => {
    const { site } = await createSite(ctx, 'linked', 'Standard');
    const service = await createApimService(ctx, 'gateway');
    const link = await linkBackend(ctx, site, 'production', {
      backendResourceId: `/providers/Microsoft.ApiManagement/service/gateway`,
      backendType: 'apim',
    });
    expect(link.status).toBe('Healthy');
    const product = `swa-${site.defaultHostname.split('.')[0]}`;
    await regenerateKey(ctx, service.id, product, 'primary');
    const [broken] = await listLinks(ctx, site, 'production');
    expect(broken?.problems.join(' ')).toContain('primary key');
    expect((await repairLink(ctx, site, 'production')).status).toBe('Healthy');
    expect(await listStandardFeaturesInUse(ctx, site)).toContain("the linked apim backend 'gateway'");
    await expect(deleteApimService(ctx, 'gateway')).rejects.toMatchObject({ code: 'CONTROL_APIM_CONFLICT' });
    await unlinkBackend(ctx, site, 'production');
    expect(await listLinks(ctx, site, 'production')).toEqual([]);
    // Linked on a preview environment, the refusal names the command that unlinks that environment.
    await deploy(ctx, 'linked', 'preview', [file('index.html', 'preview')]);
    await linkBackend(ctx, site, 'preview', {
      backendResourceId: `/providers/Microsoft.ApiManagement/service/gateway`,
      backendType: 'apim',
    });
    await expect(deleteApimService(ctx, 'gateway')).rejects.toMatchObject({
      message: expect.stringContaining(
        "linked to the environment 'preview' of the static site 'linked'; unlink them first ('portico unlink --site linked --env preview')",
      ),
    });
    await unlinkBackend(ctx, site, 'preview');
    await deleteSite(ctx, 'linked');
  });

  /** @see multinode QA: a deploy racing a site delete on another node got 500 (environments_site_id_fkey). */
  it('refuses a deploy whose site another node deleted after its token was checked, as a deleted site', async () => {
    for (const environment of ['production', 'staging']) {
      await createSite(ctx, 'raced', 'Standard');
      // The token check passed; then the site went (on another node) before the deploy's first insert.
      const site = await authenticateDeploymentToken(ctx, await readDeploymentToken(ctx, 'raced'));
      await deleteSite(ctx, 'raced');
      const started = createDeployment(ctx, site, {
        environment,
        app: [{ path: 'index.html', size: 1, sha256: '0'.repeat(64) }],
      });
      await expect(started).rejects.toMatchObject({ code: 'DEPLOY_TOKEN_INVALID', status: 401 });
      await expect(started).rejects.toThrow(/The site 'raced' was deleted/);
    }
  });

  it('deletes a site with everything of it', async () => {
    await deleteSite(ctx, 'envs');
    expect((await listSites(ctx)).map((s) => s.name)).not.toContain('envs');
    for (const table of ['environments', 'deployments', 'users'] as const) {
      const rows = await storage.db.selectFrom(table).select('site_id').execute();
      expect(rows.every((r) => r.site_id !== 'envs')).toBe(true);
    }
    await expect(getSite(ctx, 'envs')).rejects.toMatchObject({ code: 'CONTROL_SITE_NOT_FOUND' });
  });
});
