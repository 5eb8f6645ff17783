/**
 * A CI pipeline that holds only a site's deployment token (`SWA_CLI_DEPLOYMENT_TOKEN`) and reaches the
 * service through a reverse proxy that forwards `/deploy/v1/` and nothing else of the admin port, as
 * docs/operations.md tells operators to set it up: it deploys a pull request's preview environment, rolls
 * back, and closes the environment when the pull request closes (Azure's deploy action with
 * `action: close`), also when a re-run closes it again (decision 0080).
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, writeApp } from '../helpers/app.js';
import { CLI_RUNS_TIMEOUT, runCli } from '../helpers/cli.js';
import {
  deployFolders,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

/** What the proxy saw: every path it refused, and every answer it passed on. */
interface ProxyLog {
  readonly refused: string[];
  readonly answers: { path: string; headers: Record<string, unknown>; body: string }[];
}

/** A reverse proxy to `target` that forwards only `/deploy/v1/…` and answers 404 to anything else. */
async function startDeployOnlyProxy(target: URL, log: ProxyLog): Promise<Server> {
  const proxy = createServer((req, res) => {
    const path = req.url ?? '/';
    if (!path.startsWith('/deploy/v1/')) {
      log.refused.push(`${req.method} ${path}`);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not forwarded\n');
      return;
    }
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          log.answers.push({ path, headers: answer.headers, body: Buffer.concat(chunks).toString() });
        });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return proxy;
}

describe('a CI pipeline with only a deployment token, through a deploy-only proxy', {
  timeout: CLI_RUNS_TIMEOUT.three,
}, () => {
  let t: TestService;
  let proxy: Server;
  let proxyUrl: string;
  const log: ProxyLog = { refused: [], answers: [] };
  let shopToken: string;
  let otherToken: string;
  let shopHost: string;
  let otherHost: string;
  /** The CLI as a pipeline runs it: the token in SWA_CLI_DEPLOYMENT_TOKEN, no admin token anywhere. */
  const pipeline = (args: string[], token = shopToken, variables: NodeJS.ProcessEnv = {}) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...variables,
      SWA_CLI_DEPLOYMENT_TOKEN: token,
      PORTICO_URL: proxyUrl,
    };
    delete env.PORTICO_TOKEN;
    delete env.PORTICO_DEPLOYMENT_TOKEN;
    return runCli(args, 60_000, { env });
  };
  const previewHost = (host: string) => host.replace(/^([^.]+)\./, '$1-pr3.');

  beforeAll(async () => {
    t = await startTestService();
    proxy = await startDeployOnlyProxy(new URL(t.service.adminUrl), log);
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const create = async (name: string) => {
      const created = await t.admin('PUT', `${SITES_PATH}/${name}`, { sku: { name: 'Free' } });
      return created.json<{ properties: { defaultHostname: string; apiKey: string } }>().properties;
    };
    ({ apiKey: shopToken, defaultHostname: shopHost } = await create('shop'));
    ({ apiKey: otherToken, defaultHostname: otherHost } = await create('other'));
    // The other site has a pr3 environment of its own, which nothing of shop's pipeline may touch.
    const otherApp = await writeApp({ 'index.html': '<h1>other pr3</h1>' });
    expect((await deployFolders(t.service, otherToken, otherApp, { environment: 'pr3' })).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => proxy?.close(resolve));
    await t?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('deploys a preview environment and rolls production back through the proxy', async () => {
    const preview = await pipeline([
      'deploy',
      await writeApp({ 'index.html': '<h1>pr3</h1>' }),
      '--env',
      'pr3',
    ]);
    expect(preview.code, preview.stderr).toBe(0);
    expect((await t.get(previewHost(shopHost), '/')).text).toContain('<h1>pr3</h1>');
    for (const n of [1, 2]) {
      const deployed = await pipeline(['deploy', await writeApp({ 'index.html': `<h1>v${n}</h1>` })]);
      expect(deployed.code, deployed.stderr).toBe(0);
    }
    const rolled = await pipeline(['deploy', 'rollback']);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect((await t.get(shopHost, '/')).text).toContain('<h1>v1</h1>');
  }, 120_000);

  it('never closes another site’s environment with a site’s token', async () => {
    const refused = await pipeline(['deploy', 'close', '--env', 'pr3', '--site', 'other']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("The deployment token belongs to the site 'shop', not 'other'");
    const direct = await send(`${proxyUrl}/deploy/v1/environments/pr3?site=other`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${shopToken}` },
    });
    expect(direct.status).toBe(409);
    const anonymous = await send(`${proxyUrl}/deploy/v1/environments/pr3`, { method: 'DELETE' });
    expect(anonymous.status).toBe(401);
    expect((await t.get(previewHost(otherHost), '/')).text).toContain('other pr3');
  });

  it('follows SWA_CLI_DEPLOY_ENV and SWA_CLI_DEPLOY_DRY_RUN in rollback and close, as deploy does', async () => {
    const rollback = await pipeline(['deploy', 'rollback'], shopToken, { SWA_CLI_DEPLOY_ENV: 'pr3' });
    expect(rollback.code).toBe(1);
    expect(rollback.stderr).toContain('pr3');
    const dryRun = { SWA_CLI_DEPLOY_DRY_RUN: 'true' };
    for (const args of [
      ['deploy', 'close', '--env', 'pr3'],
      ['deploy', 'rollback'],
    ]) {
      const refused = await pipeline(args, shopToken, dryRun);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('SWA_CLI_DEPLOY_DRY_RUN=true asks for a dry run');
    }
    expect((await t.get(previewHost(shopHost), '/')).text).toContain('<h1>pr3</h1>');
    expect((await t.get(shopHost, '/')).text).toContain('<h1>v1</h1>');
  });

  it('closes the preview environment with the deployment token, and a re-run succeeds too', async () => {
    const closed = await pipeline(['deploy', 'close', '--env', 'pr3']);
    expect(closed.code, closed.stderr).toBe(0);
    expect(closed.stdout).toContain('Closed the pr3 environment of shop');
    expect((await t.get(previewHost(shopHost), '/')).status).toBe(404);
    // The token's site alone: the other site's pr3 still serves.
    expect((await t.get(previewHost(otherHost), '/')).text).toContain('other pr3');
    const builds = await t.admin('GET', `${SITES_PATH}/shop/builds`);
    expect(builds.json<{ value: { name: string }[] }>().value.map((b) => b.name)).toEqual(['default']);

    const again = await pipeline(['deploy', 'close', '--env', 'pr3', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ site: 'shop', environment: 'pr3', closed: false });
    const rerun = await pipeline(['deploy', 'close', '--env', 'pr3']);
    expect(rerun.stdout).toContain('The pr3 environment of shop was already closed; nothing to do.');
  }, 60_000);

  it('refuses to close production, saying why', async () => {
    const refused = await pipeline(['deploy', 'close', '--env', 'production']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("The production environment of 'shop' cannot be closed");
    expect((await t.get(shopHost, '/')).status).toBe(200);
  });

  it('used nothing of the admin port but /deploy/v1/, and no answer pointed anywhere else on it', () => {
    expect(log.refused).toEqual([]);
    expect(log.answers.length).toBeGreaterThan(5);
    const admin = new URL(t.service.adminUrl);
    for (const answer of log.answers) {
      expect(answer.headers.location, answer.path).toBeUndefined();
      const urls = answer.body.match(/https?:\/\/[^\s"']+/g) ?? [];
      for (const url of urls) {
        expect(new URL(url).port, `${answer.path}: ${url}`).not.toBe(admin.port);
      }
    }
  });
});
