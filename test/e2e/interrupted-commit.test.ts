/**
 * A deployment whose commit a stop of the server cut off (here `kill -9` while npm installs the API's
 * dependencies) gets a final state at the next start, `Failed` with the reason, instead of staying
 * `Uploading` until its upload expires (decision 0081).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, send, writeApp } from '../helpers/app.js';
import { type RunningCli, runCli, startCli } from '../helpers/cli.js';

const API_DIR = fileURLToPath(new URL('../fixtures/serve/api', import.meta.url));

async function startServe(
  dataDir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ cli: RunningCli; adminUrl: string }> {
  const cli = await startCli(
    ['serve', '--data', dataDir, '--port', '0', '--admin-port', '0', '--domain', 'portico.test'],
    20_000,
    { env },
  );
  await eventually(async () => /Management API at (http:\/\/\S+)/.test(cli.stdout()));
  return { cli, adminUrl: /Management API at (http:\/\/\S+)/.exec(cli.stdout())?.[1] ?? '' };
}

describe('a commit cut off by a stop of the server', () => {
  let dataDir: string;
  let apiDir: string;
  let registry: Server;
  let server: { cli: RunningCli; adminUrl: string } | undefined;
  const asked: string[] = [];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // A registry that never answers: npm waits on it, so the commit is in progress for as long as needed.
    registry = createServer((req) => {
      asked.push(req.url ?? '');
    });
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
    const { port } = registry.address() as AddressInfo;
    env = { ...process.env, PORTICO_NPM_ALLOWED_HOSTS: `127.0.0.1:${port}` };
    dataDir = await mkdtemp(join(tmpdir(), 'portico-e2e-interrupted-'));
    apiDir = await mkdtemp(join(tmpdir(), 'portico-e2e-interrupted-api-'));
    await cp(API_DIR, apiDir, { recursive: true });
    const pkg = { name: 'interrupted', version: '1.0.0', private: true, main: 'src/functions/*.js' };
    await writeFile(
      join(apiDir, 'package.json'),
      JSON.stringify({ ...pkg, dependencies: { '@portico-test/slow': '1.0.0' } }),
    );
    await writeFile(join(apiDir, '.npmrc'), `registry=http://127.0.0.1:${port}/\n`);
  });
  afterAll(async () => {
    await server?.cli.stop();
    registry.closeAllConnections();
    await new Promise((resolve) => registry.close(resolve));
    await rm(dataDir, { recursive: true, force: true });
    await rm(apiDir, { recursive: true, force: true });
  });

  it('is Failed with the reason after the restart, and the site deploys again', async () => {
    server = await startServe(dataDir, env);
    const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    const cli = (args: string[]) =>
      runCli([...args, '--url', server?.adminUrl ?? '', '--token', token], 60_000, { env });
    expect((await cli(['site', 'create', 'shop'])).code).toBe(0);
    const app = await writeApp({ 'index.html': '<h1>cut off</h1>' });
    const deploying = cli(['deploy', app, '--api', apiDir, '--site', 'shop']);
    await eventually(async () => asked.length > 0, 60_000);
    expect(await server.cli.stop('SIGKILL')).toBe(null);
    expect((await deploying).code).not.toBe(0);

    server = await startServe(dataDir, env);
    const list = await cli(['deploy', 'list', '--site', 'shop', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const [cutOff] = (
      JSON.parse(list.stdout) as { value: { properties: { status: string; error: string | null } }[] }
    ).value;
    expect(cutOff?.properties.status).toBe('Failed');
    expect(cutOff?.properties.error).toMatch(/^Interrupted: the server stopped while this deployment/);

    const again = await cli(['deploy', await writeApp({ 'index.html': '<h1>after</h1>' }), '--site', 'shop']);
    expect(again.code, again.stderr).toBe(0);
    const port = Number(new URL(server.cli.url).port);
    const page = await send(`http://127.0.0.1:${port}/`, {
      headers: { host: `${/https?:\/\/([^/:]+)/.exec(again.stdout)?.[1] ?? ''}:${port}` },
    });
    expect(page.text).toContain('<h1>after</h1>');
  }, 120_000);
});
