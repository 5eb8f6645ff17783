/**
 * What the control plane of `portico serve` checks when something is saved, over real sockets: a
 * deployment listing `a` and `a/b` is refused before anything is uploaded (and `A` beside `a/b` is
 * deployed, because file sources are case-sensitive); app setting names that are special in JavaScript
 * are refused instead of silently dropped (REST and CLI).
 * @see issue 13, item 5 (control-plane checks on save)
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../helpers/app.js';
import { runCli } from '../helpers/cli.js';
import {
  ADMIN_TOKEN,
  createDeployedSite,
  PROVIDERS_PATH,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

interface ErrorBody {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

const file = (path: string, content: string) => ({
  path,
  size: Buffer.byteLength(content),
  sha256: createHash('sha256').update(content).digest('hex'),
});

describe('control plane: checks on save', () => {
  let t: TestService;
  let token: string;

  const deployCall = (path: string, body: unknown) =>
    send(`${t.service.adminUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    t = await startTestService();
    const created = await t.admin('PUT', `${SITES_PATH}/checks`, { sku: { name: 'Standard' } });
    expect(created.status).toBe(201);
    token = created.json<{ properties: { apiKey: string } }>().properties.apiKey;
  });

  afterAll(async () => {
    await t?.close();
    await removeData(t?.dataDir ?? '');
  });

  describe('deployment manifests', () => {
    it('refuses a file that is also a folder (a and a/b) with both paths, before anything is uploaded', async () => {
      for (const app of [
        [file('index.html', 'x'), file('a', 'file'), file('a/b', 'nested')],
        [file('a/b/c.txt', 'deep'), file('index.html', 'x'), file('a/b', 'file')],
      ]) {
        const response = await deployCall('/deploy/v1/deployments', { environment: 'production', app });
        expect(response.status, response.text).toBe(400);
        const error = response.json<ErrorBody>().error;
        expect(error.code).toBe('DEPLOY_MANIFEST_INVALID');
        const [file, folder] = app[0]?.path === 'index.html' ? ['a/b', 'a'] : ['a/b/c.txt', 'a/b'];
        expect(error.message).toContain(`'${file}' is inside '${folder}'`);
        expect(error.details?.[0]?.path).toMatch(/^app\[\d\]\.path$/);
      }
      const list = await t.admin('GET', `${SITES_PATH}/checks/builds/default/deployments`);
      expect(list.json<{ value: unknown[] }>().value).toEqual([]);
    });

    it('refuses a file or folder name longer than a disk takes, naming it, before anything is uploaded', async () => {
      const long = `${'n'.repeat(256)}.html`;
      const app = [file('index.html', 'x'), file(`docs/${long}`, 'too long')];
      const response = await deployCall('/deploy/v1/deployments', { environment: 'production', app });
      expect(response.status, response.text).toBe(400);
      const error = response.json<ErrorBody>().error;
      expect(error.code).toBe('DEPLOY_MANIFEST_INVALID');
      expect(error.message).toContain('has a name of 261 bytes');
      expect(error.message).toContain('at most 255 bytes');
      expect(error.details?.[0]?.path).toBe('app[1].path');
    });

    it('never tells a site what another stores, nor lets it copy a content by its hash', async () => {
      const secret = 'DB_PASSWORD=owner-secret-5521\n';
      const host = await createDeployedSite(t, 'owner', {
        files: { 'index.html': 'owner', 'config.txt': secret },
      });
      expect((await t.get(host, '/config.txt')).text).toBe(secret);
      // Another tenant guesses the owner's file and lists its hash: it is asked for it all the same.
      const guess = file('stolen.txt', secret);
      const started = await deployCall('/deploy/v1/deployments', {
        environment: 'production',
        app: [file('index.html', 'x'), guess],
      });
      expect(started.status, started.text).toBe(201);
      const { id, missing } = started.json<{ id: string; missing: string[] }>();
      expect(missing).toContain(guess.sha256);
      // A commit without sending it is incomplete: the store's copy of the owner's file is not the tenant's.
      const commit = await deployCall(`/deploy/v1/deployments/${id}/commit`, {});
      expect(commit.status, commit.text).toBe(409);
      expect(commit.json<ErrorBody>().error.code).toBe('DEPLOY_INCOMPLETE');
      // The owner's own redeploy of the same content sends nothing again.
      const ownerToken = (await t.admin('POST', `${SITES_PATH}/owner/listSecrets`)).json<{
        properties: { apiKey: string };
      }>().properties.apiKey;
      const again = await send(`${t.service.adminUrl}/deploy/v1/deployments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          environment: 'production',
          app: [file('index.html', 'owner'), file('config.txt', secret)],
        }),
      });
      expect(again.json<{ missing: string[] }>().missing).toEqual([]);
    });

    it('refuses the same conflict in a function app content list', async () => {
      expect(
        (await t.admin('PUT', `${PROVIDERS_PATH}/Microsoft.Web/sites/inventory`, { kind: 'functionapp' }))
          .status,
      ).toBe(201);
      const check = await t.admin('POST', `${PROVIDERS_PATH}/Microsoft.Web/sites/inventory/content/check`, {
        api: [file('host.json', '{}'), file('lib', 'x'), file('lib/index.js', 'y')],
      });
      expect(check.status, check.text).toBe(400);
      expect(check.json<ErrorBody>().error.message).toContain("'lib/index.js' is inside 'lib'");
    });

    it('says what an empty path in a function app content list should be, in its own words', async () => {
      const check = await t.admin('POST', `${PROVIDERS_PATH}/Microsoft.Web/sites/inventory/content/check`, {
        api: [{ path: '', size: 2, sha256: 'a'.repeat(64) }],
      });
      expect(check.status).toBe(400);
      expect(check.json<ErrorBody>().error.message).toBe(
        'The function app content list is invalid: api.0.path: expected a relative path such as "css/site.css", not an empty one',
      );
    });

    it('deploys A beside a/b: paths are case-sensitive, as in Azure', async () => {
      const host = await createDeployedSite(t, 'cased', {
        files: { 'index.html': 'home', A: 'upper', 'a/b': 'lower' },
      });
      expect((await t.get(host, '/A')).text).toBe('upper');
      expect((await t.get(host, '/a/b')).text).toBe('lower');
    });
  });

  it('never quotes a long name or value back in an error', async () => {
    const long = 'x'.repeat(5000);
    for (const [method, path, body] of [
      ['PUT', `${SITES_PATH}/${long}`, {}],
      ['PUT', `${SITES_PATH}/checks2`, { sku: { name: long } }],
      ['PUT', `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/${long}`, { properties: {} }],
      ['PUT', `${PROVIDERS_PATH}/Microsoft.Web/sites/${long}`, { kind: 'functionapp' }],
      ['PUT', `${SITES_PATH}/checks/linkedBackends/x`, { properties: { backendResourceId: long } }],
    ] as const) {
      const response = await t.admin(method, path, body);
      expect(response.status, path.slice(0, 120)).toBeGreaterThanOrEqual(400);
      expect(response.text.length, response.text.slice(0, 200)).toBeLessThan(600);
    }
  });

  describe('app setting names', () => {
    const settingsPath = `${SITES_PATH}/checks/builds/default/config/appsettings`;
    const list = async () =>
      (await t.admin('POST', `${SITES_PATH}/checks/builds/default/listAppSettings`)).json<{
        properties: Record<string, string>;
      }>().properties;

    it('refuses __proto__, constructor and prototype instead of dropping them, and saves nothing', async () => {
      expect((await t.admin('PUT', settingsPath, { properties: { KEEP: '1' } })).status).toBe(200);
      for (const name of ['__proto__', 'constructor', 'prototype']) {
        // JSON.parse makes an own property, as the server's body parser does.
        const properties = JSON.parse(`{"OTHER": "2", "${name}": "x"}`) as Record<string, string>;
        const response = await t.admin('PUT', settingsPath, { properties });
        expect(response.status, `${name}: ${response.text}`).toBe(400);
        const error = response.json<ErrorBody>().error;
        expect(error.code).toBe('CONTROL_SETTING_INVALID');
        expect(error.message).toContain(`"${name}": this name is reserved`);
      }
      expect(await list()).toEqual({ KEEP: '1' });
    });

    it('keeps NODE_OPTIONS to options that cannot widen the functions sandbox, and refuses the file-writing and loader variables', async () => {
      const badSettings: readonly (readonly [string, string])[] = [
        ['NODE_OPTIONS', '--max-old-space-size=256 --allow-fs-read=* --allow-child-process'],
        ['NODE_OPTIONS', '--require /tmp/x.js'],
        ['NODE_OPTIONS', '"--allow-fs-read=*"'],
        ['NODE_REDIRECT_WARNINGS', '/tmp/warnings.log'],
        ['LD_PRELOAD', '/home/site/wwwroot/evil.so'],
        ['GCONV_PATH', '/home/site/wwwroot'],
        ['OPENSSL_CONF', '/home/site/wwwroot/engine.cnf'],
      ];
      for (const [name, value] of badSettings) {
        const response = await t.admin('PUT', settingsPath, { properties: { OTHER: '2', [name]: value } });
        expect(response.status, `${name}=${value}: ${response.text}`).toBe(400);
        expect(response.json<ErrorBody>().error.message, value).toContain(`app setting "${name}"`);
      }
      expect(await list()).toEqual({ KEEP: '1' });
      const refused = await t.admin('PUT', settingsPath, {
        properties: { NODE_OPTIONS: '--max-old-space-size=256 --allow-fs-read=*' },
      });
      expect(refused.json<ErrorBody>().error.message).toBe(
        'The app settings were not saved:\n  app setting "NODE_OPTIONS": --allow-fs-read=* is not allowed. A site\'s functions may only take --max-old-space-size=…, --max-semi-space-size=…, --stack-trace-limit=…, --enable-source-maps, --unhandled-rejections=…, --dns-result-order=…, --trace-warnings, --trace-uncaught, --trace-deprecation, --throw-deprecation, --pending-deprecation, --no-deprecation, --no-warnings (options such as --allow-fs-read or --require would undo their sandbox)',
      );
      const tuned = {
        KEEP: '1',
        NODE_OPTIONS: '--max-old-space-size=256 --enable-source-maps',
        NODE_ENV: 'production',
      };
      expect((await t.admin('PUT', settingsPath, { properties: tuned })).status).toBe(200);
      expect(await list()).toEqual(tuned);
      expect((await t.admin('PUT', settingsPath, { properties: { KEEP: '1' } })).status).toBe(200);
    });

    it('replaces the settings with If-Match only while they are the version read (ETag), else 412 and nothing changes', async () => {
      const read = async () => t.admin('POST', `${SITES_PATH}/checks/builds/default/listAppSettings`);
      const putIfMatch = (properties: Record<string, string>, etag: string) =>
        send(`${t.service.adminUrl}${settingsPath}`, {
          method: 'PUT',
          headers: {
            authorization: `Bearer ${ADMIN_TOKEN}`,
            'content-type': 'application/json',
            'if-match': etag,
          },
          body: JSON.stringify({ properties }),
        });
      expect((await t.admin('PUT', settingsPath, { properties: { KEEP: '1' } })).status).toBe(200);
      const first = await read();
      const etag = first.json<{ etag: string }>().etag;
      expect(first.header('etag')).toBe(etag);
      // Someone else saves in between: the version read is no longer the stored one.
      expect((await t.admin('PUT', settingsPath, { properties: { KEEP: '1', OTHER: '2' } })).status).toBe(
        200,
      );
      const stale = await putIfMatch({ KEEP: '1', MINE: '3' }, etag);
      expect(stale.status).toBe(412);
      expect(stale.json<ErrorBody>().error.code).toBe('CONTROL_PRECONDITION_FAILED');
      expect(await list()).toEqual({ KEEP: '1', OTHER: '2' });
      const current = (await read()).json<{ etag: string }>().etag;
      expect((await putIfMatch({ KEEP: '1', OTHER: '2', MINE: '3' }, current)).status).toBe(200);
      expect((await t.admin('PUT', settingsPath, { properties: { KEEP: '1' } })).status).toBe(200);
    });

    it('refuses them in the CLI too, before anything is sent', async () => {
      const run = await runCli(
        [
          'settings',
          'set',
          '--site',
          'checks',
          '--url',
          t.service.adminUrl,
          '--token',
          ADMIN_TOKEN,
          '__proto__=x',
        ],
        60_000,
      );
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/__proto__ is reserved/);
      expect(await list()).toEqual({ KEEP: '1' });
    }, 90_000);
  });

  describe('interrupted uploads', () => {
    const HOUR = 60 * 60_000;
    let u: TestService;
    let now = Date.now();
    let slowToken = '';
    const deploy = (method: string, path: string, body?: string, type = 'application/json') =>
      send(`${u.service.adminUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${slowToken}`, 'content-type': type },
        body,
      });
    const deployments = async () =>
      (await u.admin('GET', `${SITES_PATH}/slow/builds/default/deployments`)).json<{
        value: { name: string; properties: { status: string; error: string | null } }[];
      }>().value;
    const buildStatus = async () =>
      (await u.admin('GET', `${SITES_PATH}/slow/builds/default`)).json<{ properties: { status: string } }>()
        .properties.status;

    beforeAll(async () => {
      u = await startTestService({ clock: () => new Date(now) });
      const created = await u.admin('PUT', `${SITES_PATH}/slow`, {});
      slowToken = created.json<{ properties: { apiKey: string } }>().properties.apiKey;
    });

    afterAll(async () => {
      await u?.close();
      await removeData(u?.dataDir ?? '');
    });

    it('expire an hour after they start: Failed with the reason, in deploy list and the build status, files released', async () => {
      const sent = file('index.html', 'sent before the client went away');
      const unsent = file('app.js', 'never sent');
      const started = await deploy(
        'POST',
        '/deploy/v1/deployments',
        JSON.stringify({ environment: 'production', app: [sent, unsent] }),
      );
      expect(started.status, started.text).toBe(201);
      const { id } = started.json<{ id: string }>();
      const put = await deploy(
        'PUT',
        `/deploy/v1/deployments/${id}/files/${sent.sha256}`,
        'sent before the client went away',
        'application/octet-stream',
      );
      expect(put.status, put.text).toBe(204);
      const blob = join(u.dataDir, 'blobs', sent.sha256.slice(0, 2), sent.sha256);
      expect(existsSync(blob)).toBe(true);
      expect(await buildStatus()).toBe('Uploading');

      now += HOUR - 60_000;
      expect((await deployments())[0]?.properties.status).toBe('Uploading');

      now += 2 * 60_000;
      const [expired] = await deployments();
      expect(expired?.name).toBe(id);
      expect(expired?.properties.status).toBe('Failed');
      expect(expired?.properties.error).toMatch(/^Upload expired: .* within 60 minutes/);
      expect(await buildStatus()).toBe('Failed');
      expect(existsSync(blob)).toBe(false);

      const late = await deploy(
        'PUT',
        `/deploy/v1/deployments/${id}/files/${unsent.sha256}`,
        'never sent',
        'application/octet-stream',
      );
      expect(late.status).toBe(409);
      expect(late.json<ErrorBody>().error.message).toContain('Upload expired');
      expect((await deploy('POST', `/deploy/v1/deployments/${id}/commit`)).status).toBe(409);

      const listed = await runCli(
        ['deploy', 'list', '--site', 'slow', '--url', u.service.adminUrl, '--token', ADMIN_TOKEN],
        60_000,
      );
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(new RegExp(`${id}\\s+Failed.*Upload expired`));
    }, 90_000);

    it('expire when the service starts again after the hour, too', async () => {
      const started = await deploy(
        'POST',
        '/deploy/v1/deployments',
        JSON.stringify({ environment: 'production', app: [file('index.html', 'again')] }),
      );
      const { id } = started.json<{ id: string }>();
      await u.close();
      now += HOUR + 60_000;
      u = await startTestService({ dataDir: u.dataDir, clock: () => new Date(now) });
      const row = await u.service.control.db
        .selectFrom('deployments')
        .select(['status', 'error'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('Failed');
      expect(row.error).toContain('Upload expired');
    });
  });
});
