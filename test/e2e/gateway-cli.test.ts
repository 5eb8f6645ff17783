/**
 * The gateway and link commands of the real CLI against a real `portico serve` process: create a
 * service, an API with an operation, a product and a subscription; call the gateway with the key; set a
 * policy (and see a bad one refused with its line); link a site, add the API to the link's product, call
 * the site's /api; regenerate the key, see `backends` report the link broken, repair, unlink.
 * Its tests run up to nine CLI processes one after another, so their timeout grows with that number
 * (CLI_RUNS_TIMEOUT): a busy machine slows every process start without failing a test.
 * @see CONTRACT.md §5; issue 5 "Done when"
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, send, writeApp } from '../helpers/app.js';
import { type Backend, startBackend } from '../helpers/backend.js';
import { CLI_RUNS_TIMEOUT, type RunningCli, runCli, startCli } from '../helpers/cli.js';

describe('portico apim, link, unlink and backends', { timeout: CLI_RUNS_TIMEOUT.nine }, () => {
  let dataDir: string;
  let serve: RunningCli;
  let backend: Backend;
  let adminUrl: string;
  let port: number;
  let token: string;
  let siteHost: string;
  const cli = (args: string[]) => runCli([...args, '--url', adminUrl, '--token', token], 60_000);
  const ok = async (args: string[]) => {
    const result = await cli(args);
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result;
  };
  const get = (host: string, path: string, headers: Record<string, string> = {}) =>
    send(`http://127.0.0.1:${port}${path}`, { headers: { ...headers, host: `${host}:${port}` } });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'portico-e2e-gateway-'));
    backend = await startBackend();
    serve = await startCli(
      ['serve', '--data', dataDir, '--port', '0', '--admin-port', '0', '--domain', 'portico.test'],
      20_000,
    );
    await eventually(async () => /Management API at (http:\/\/\S+)/.test(serve.stdout()));
    adminUrl = /Management API at (http:\/\/\S+)/.exec(serve.stdout())?.[1] ?? '';
    port = Number(new URL(serve.url).port);
    token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
  }, 30_000);

  afterAll(async () => {
    await serve?.stop();
    await backend?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates a gateway, an API, a product and a subscription, and the key opens the API', async () => {
    const created = JSON.parse((await ok(['apim', 'create', 'contoso', '--json'])).stdout) as {
      properties: { gatewayHostname: string };
    };
    expect(created.properties.gatewayHostname).toBe('contoso.azure-api.portico.test');
    await ok([
      'apim',
      'api',
      'create',
      'contoso',
      'products',
      '--path',
      'api',
      '--service-url',
      `${backend.url}/api`,
      '--operation',
      'GET /getProducts',
    ]);
    await ok(['apim', 'product', 'create', 'contoso', 'starter']);
    await ok(['apim', 'product', 'add-api', 'contoso', 'starter', 'products']);
    const products = JSON.parse((await ok(['apim', 'product', 'list', 'contoso', '--json'])).stdout) as {
      value: { name: string; apis: string[] }[];
    };
    expect(products.value).toContainEqual(expect.objectContaining({ name: 'starter', apis: ['products'] }));
    await ok(['apim', 'subscription', 'create', 'contoso', 'alice', '--scope', '/products/starter']);
    const listed = JSON.parse(
      (await ok(['apim', 'subscription', 'list', 'contoso', '--show-keys', '--json'])).stdout,
    ) as {
      value: { name: string; properties: { primaryKey: string; state: string } }[];
    };
    const alice = listed.value.find((s) => s.name === 'alice');
    expect(alice?.properties.state).toBe('active');
    const call = await get('contoso.azure-api.portico.test', '/api/getProducts', {
      'ocp-apim-subscription-key': alice?.properties.primaryKey ?? '',
    });
    expect(call.status).toBe(200);
    expect((await get('contoso.azure-api.portico.test', '/api/getProducts')).status).toBe(401);
  }, 120_000);

  it('answers an API whose path suffix is not ASCII or holds an escape, matched decoded as operations are', async () => {
    const create = (id: string, path: string) =>
      ok([
        'apim',
        'api',
        'create',
        'contoso',
        id,
        '--path',
        path,
        '--service-url',
        `${backend.url}/api`,
        '--operation',
        'GET /echo',
        '--no-subscription',
      ]);
    await create('cafe', '/café');
    await create('spaced', 'x%20y');
    const host = 'contoso.azure-api.portico.test';
    for (const path of ['/caf%C3%A9/echo', '/CAF%C3%89/echo', '/caf%c3%a9/echo', '/x%20y/echo']) {
      const call = await get(host, path);
      expect(call.status, `${path}: ${call.text}`).toBe(200);
      expect(call.json<{ url: string }>().url).toBe('/api/echo');
    }
    const other = (id: string, path: string) =>
      cli(['apim', 'api', 'create', 'contoso', id, '--path', path, '--service-url', backend.url]);
    const clash = await other('cafe2', 'caf%C3%A9');
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain("The API 'cafe' already uses the path 'café'");
    const bad = await other('latin1', 'caf%E9');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('%-escapes are UTF-8');
    await ok(['apim', 'api', 'delete', 'contoso', 'cafe', '--yes']);
    await ok(['apim', 'api', 'delete', 'contoso', 'spaced', '--yes']);
  }, 120_000);

  it('refuses to create what exists (a re-run or a typo changes nothing) unless told --replace', async () => {
    const again = await cli(['apim', 'product', 'create', 'contoso', 'starter', '--no-subscription']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      'The product starter of contoso exists already and was left as it was; pick another id, or pass --replace to replace it with these settings.',
    );
    expect((await get('contoso.azure-api.portico.test', '/api/getProducts')).status).toBe(401);
    const service = await cli(['apim', 'create', 'contoso']);
    expect(service.code).toBe(1);
    expect(service.stderr).toContain("An API Management service named 'contoso' exists already");
    const replaced = await ok([
      'apim',
      'api',
      'create',
      'contoso',
      'products',
      '--path',
      'api',
      '--service-url',
      `${backend.url}/v2`,
      '--replace',
    ]);
    expect(replaced.stdout).toContain(`${backend.url}/v2`);
  }, 120_000);

  it('sets a policy from a file and refuses a bad one with its line', async () => {
    const good = join(dataDir, 'good.xml');
    await writeFile(
      good,
      '<policies>\n  <inbound>\n    <base />\n    <set-header name="x-from-gateway" exists-action="override"><value>yes</value></set-header>\n  </inbound>\n</policies>\n',
    );
    await ok(['apim', 'policy', 'set', 'contoso', '--api', 'products', good]);
    const bad = join(dataDir, 'bad.xml');
    await writeFile(
      bad,
      '<policies>\n  <inbound>\n    <base />\n    <send-request mode="new" />\n  </inbound>\n</policies>\n',
    );
    const refused = await cli(['apim', 'policy', 'set', 'contoso', '--api', 'products', bad]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('send-request');
    expect(refused.stderr).toContain('line 4');
    const usage = await cli(['apim', 'policy', 'set', 'contoso', '--operation', 'x', bad]);
    expect(usage.stderr).toContain('--operation needs --api');
    // Expressions written as C# (rawxml) are taken, and shown back as written.
    const raw = join(dataDir, 'raw.xml');
    const rawPolicy =
      '<policies>\n  <inbound>\n    <base />\n    <set-header name="x-client" exists-action="override"><value>@(context.Request.Headers.GetValueOrDefault("X-Client", "a&b<c"))</value></set-header>\n  </inbound>\n</policies>';
    await writeFile(raw, rawPolicy);
    await ok(['apim', 'policy', 'set', 'contoso', '--api', 'products', raw]);
    expect((await ok(['apim', 'policy', 'show', 'contoso', '--api', 'products'])).stdout.trim()).toBe(
      rawPolicy,
    );
    // show → set → show is stable for a file ending in a line end (a tester's grew a line per cycle).
    await writeFile(raw, `${rawPolicy}\n`);
    await ok(['apim', 'policy', 'set', 'contoso', '--api', 'products', raw]);
    const shown = (await ok(['apim', 'policy', 'show', 'contoso', '--api', 'products'])).stdout;
    await writeFile(raw, shown);
    await ok(['apim', 'policy', 'set', 'contoso', '--api', 'products', raw]);
    expect((await ok(['apim', 'policy', 'show', 'contoso', '--api', 'products'])).stdout).toBe(shown);
    expect(shown).toBe(`${rawPolicy}\n`);
    await ok(['apim', 'policy', 'set', 'contoso', '--api', 'products', good]);
  }, 120_000);

  it('links a site, proxies /api once the API is in the product, reports a broken link and repairs it', async () => {
    const site = await ok(['site', 'create', 'shop', '--plan', 'standard']);
    siteHost = /defaultHostname:\s+(\S+)/.exec(site.stdout)?.[1] ?? '';
    const deploymentToken = /deploymentToken:\s+(\S+)/.exec(site.stdout)?.[1] ?? '';
    const app = await writeApp({ 'index.html': '<h1>shop</h1>' });
    const deployed = await runCli(
      ['deploy', app, '--site', 'shop', '--url', adminUrl, '--deployment-token', deploymentToken],
      60_000,
    );
    expect(deployed.code, deployed.stderr).toBe(0);
    const linked = await ok(['link', '--site', 'shop', '--backend-type', 'apim', '--resource', 'contoso']);
    expect(linked.stdout).toContain('Healthy');
    expect((await get(siteHost, '/api/getProducts')).status).toBe(401);
    const product = `swa-${siteHost.split('.')[0]}`;
    await ok(['apim', 'product', 'add-api', 'contoso', product, 'products']);
    const proxied = await get(siteHost, '/api/getProducts');
    expect(proxied.status).toBe(200);
    expect(proxied.json<{ headers: Record<string, string> }>().headers['x-from-gateway']).toBe('yes');
    await ok(['apim', 'subscription', 'regenerate-key', 'contoso', product, 'primary']);
    const report = await ok(['backends', '--site', 'shop']);
    expect(report.stdout).toMatch(/production\s+linked apim contoso\s+Broken/);
    expect(report.stderr).toContain('primary key');
    await ok(['link', '--site', 'shop', '--repair']);
    expect((await get(siteHost, '/api/getProducts')).status).toBe(200);
    await ok(['unlink', '--site', 'shop']);
    expect((await ok(['backends', '--site', 'shop'])).stdout).toMatch(/production\s+none/);
  }, 120_000);

  it('deletes what unlink leaves (the generated product and subscription), subscriptions and operations', async () => {
    const product = `swa-${siteHost.split('.')[0]}`;
    const names = async (what: string, ...args: string[]) =>
      (
        JSON.parse((await ok(['apim', what, 'list', 'contoso', ...args, '--json'])).stdout) as {
          value: { name: string; properties: { scope?: string } }[];
        }
      ).value;
    const generated = (await names('subscription'))
      .filter((s) => s.properties.scope?.endsWith(`/products/${product}`))
      .map((s) => s.name);
    expect(generated).toHaveLength(1);
    const refused = await cli(['apim', 'product', 'delete', 'contoso', product, '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `Not deleting the product ${product} of contoso: it has 1 subscription (${generated[0]}). Pass --delete-subscriptions to delete them with it`,
    );
    expect((await names('product')).map((p) => p.name)).toContain(product);
    const unconfirmed = await cli([
      'apim',
      'product',
      'delete',
      'contoso',
      product,
      '--delete-subscriptions',
    ]);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain('Pass --yes to delete without asking');
    const deleted = await ok([
      'apim',
      'product',
      'delete',
      'contoso',
      product,
      '--delete-subscriptions',
      '--yes',
    ]);
    expect(deleted.stdout).toContain(`Deleted product ${product} and its 1 subscription (${generated[0]}).`);
    expect((await names('product')).map((p) => p.name)).not.toContain(product);
    expect((await names('subscription')).map((s) => s.name)).not.toContain(generated[0]);

    await ok(['apim', 'subscription', 'delete', 'contoso', 'alice', '--yes']);
    expect((await names('subscription')).map((s) => s.name)).not.toContain('alice');
    const [operation] = await names('operation', 'products');
    await ok(['apim', 'operation', 'delete', 'contoso', 'products', operation?.name ?? '', '--yes']);
    expect(await names('operation', 'products')).toEqual([]);
  }, 120_000);

  it('creates a web app and refuses to link a Free site, naming the rule', async () => {
    await ok(['webapp', 'create', 'orders', '--backend-url', backend.url]);
    await ok(['site', 'create', 'blog']);
    const refused = await cli(['link', '--site', 'blog', '--backend-type', 'webapp', '--resource', 'orders']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('needs the Standard plan');
    const badType = await cli(['link', '--site', 'blog', '--backend-type', 'lambda', '--resource', 'x']);
    expect(badType.stderr).toContain('--backend-type lambda is unknown');
    const again = await cli(['webapp', 'create', 'orders', '--backend-url', 'http://127.0.0.1:9/other']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      'The webapp orders exists already and was left as it was; pick another name, or pass --replace to update it.',
    );
    const replaced = await ok([
      'webapp',
      'create',
      'orders',
      '--backend-url',
      `${backend.url}/v2`,
      '--replace',
      '--json',
    ]);
    expect(JSON.parse(replaced.stdout).properties.backendUrl).toBe(`${backend.url}/v2`);
  }, 120_000);
});
