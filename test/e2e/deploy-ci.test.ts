/**
 * `portico deploy` driven by a pipeline written for `swa deploy` (GitHub Actions, Azure Pipelines): the
 * SWA CLI's deploy variables, a token captured with `$(…)`, empty workflow inputs, a URL with a password,
 * and a log whose last lines say what went wrong.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, send, writeFileIn } from '../helpers/app.js';
import { CLI_RUNS_TIMEOUT, type RunningCli, runCli, startCli } from '../helpers/cli.js';

describe('portico deploy in a CI pipeline', { timeout: CLI_RUNS_TIMEOUT.four }, () => {
  let dataDir: string;
  let project: string;
  let server: RunningCli;
  let adminUrl: string;
  let token: string;
  let host: string;
  /** `portico <args>` in the project with the admin connection, and `env` added to this process's. */
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runCli([...args, '--url', adminUrl, '--token', token], 60_000, {
      cwd: project,
      env: { ...process.env, ...env },
    });
  const get = (hostname: string, path = '/') => {
    const port = new URL(server.url).port;
    return send(`http://127.0.0.1:${port}${path}`, { headers: { host: `${hostname}:${port}` } });
  };
  const envHost = (env: string) => host.replace('.', `-${env}.`);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'portico-e2e-deploy-ci-'));
    project = await mkdtemp(join(tmpdir(), 'portico-ci-project-'));
    await writeFileIn(project, 'dist/index.html', '<h1>ci</h1>');
    server = await startCli(
      ['serve', '--data', dataDir, '--port', '0', '--admin-port', '0', '--domain', 'portico.test'],
      20_000,
    );
    await eventually(async () => /Management API at (http:\/\/\S+)/.test(server.stdout()));
    adminUrl = /Management API at (http:\/\/\S+)/.exec(server.stdout())?.[1] ?? '';
    token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    const created = await cli(['site', 'create', 'ci', '--plan', 'standard', '--json']);
    expect(created.code, created.stderr).toBe(0);
    host = (JSON.parse(created.stdout) as { properties: { defaultHostname: string } }).properties
      .defaultHostname;
  }, 40_000);
  afterAll(async () => {
    await server?.stop();
    await Promise.all([dataDir, project].map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('deploys to SWA_CLI_DEPLOY_ENV, not production, and --env wins over it', async () => {
    const variable = await cli(['deploy', 'dist', '--site', 'ci'], { SWA_CLI_DEPLOY_ENV: 'pr42' });
    expect(variable.code, variable.stderr).toBe(0);
    expect(variable.stdout).toContain(envHost('pr42'));
    expect((await get(envHost('pr42'))).text).toContain('<h1>ci</h1>');
    expect((await get(host)).status).toBe(404);

    const flag = await cli(['deploy', 'dist', '--site', 'ci', '--env', 'flagged'], {
      SWA_CLI_DEPLOY_ENV: 'pr42',
    });
    expect(flag.code, flag.stderr).toBe(0);
    expect(flag.stdout).toContain(envHost('flagged'));
  });

  it('refuses SWA_CLI_DEPLOY_DRY_RUN=true, sending nothing, and says which SWA CLI variables it ignores', async () => {
    const dry = await cli(['deploy', 'dist', '--site', 'ci', '--env', 'dry'], {
      SWA_CLI_DEPLOY_DRY_RUN: 'true',
    });
    expect(dry.code).toBe(1);
    expect(dry.stderr).toContain('SWA_CLI_DEPLOY_DRY_RUN=true asks for a dry run');
    expect(dry.stderr).toContain('nothing was sent');
    expect((await get(envHost('dry'))).status).toBe(404);

    const ignored = await cli(['deploy', 'dist', '--site', 'ci', '--env', 'binary'], {
      SWA_CLI_DEPLOY_BINARY_VERSION: 'latest',
      SWA_CLI_DEPLOY_DRY_RUN: 'false',
    });
    expect(ignored.code, ignored.stderr).toBe(0);
    expect(ignored.stderr).toContain('SWA_CLI_DEPLOY_BINARY_VERSION is set, and portico deploy ignores it');
  });

  it('--env default, in any case, is production (its REST build name), as deploy --help says', async () => {
    const deployed = await cli(['deploy', 'dist', '--site', 'ci', '--env', 'Default']);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect((await get(host)).text).toContain('<h1>ci</h1>');
    expect((await get(envHost('default'))).status).toBe(404);
    const help = await runCli(['deploy', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(
      "(also 'default', in any case: production's REST build name)",
    );
  });

  it('site token prints the bare token, so T=$(portico site token <name>) can deploy', async () => {
    const shown = await cli(['site', 'token', 'ci']);
    expect(shown.code, shown.stderr).toBe(0);
    const json = await cli(['site', 'token', 'ci', '--json']);
    const apiKey = (JSON.parse(json.stdout) as { properties: { apiKey: string } }).properties.apiKey;
    expect(shown.stdout).toBe(`${apiKey}\n`);
    const deployed = await runCli(
      ['deploy', 'dist', '--env', 'bytoken', '--url', adminUrl, '--deployment-token', shown.stdout.trim()],
      60_000,
      { cwd: project },
    );
    expect(deployed.code, deployed.stderr).toBe(0);
  });

  it('an empty --api-location (a workflow input left empty) deploys no API', async () => {
    const deployed = await cli(['deploy', 'dist', '--site', 'ci', '--env', 'noapi', '--api-location', '']);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stderr).not.toContain('Azure Functions app');
  });

  it('never prints the password of a PORTICO_URL', async () => {
    const withPassword = adminUrl.replace('http://', 'http://ci:s3cret@');
    const refused = await runCli(['site', 'list', '--token', 'wrong'], 60_000, {
      env: { ...process.env, PORTICO_URL: withPassword },
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('http://ci:***@');
    expect(refused.stderr).not.toContain('s3cret');
    // Nor of one typed wrong: without its scheme, or with a slash missing.
    const typo = await runCli(['site', 'list', '--url', 'ci:s3cret@localhost:1'], 60_000);
    const malformed = await runCli(['site', 'list'], 60_000, {
      env: { ...process.env, PORTICO_URL: 'http:/ci:s3cret@127.0.0.1:1' },
    });
    for (const run of [typo, malformed]) {
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('ci:***@');
      expect(run.stderr).not.toContain('s3cret');
    }
  });

  it('a command-line error ends with its cause and one hint line, not the whole help', async () => {
    const bad = await runCli(['deploy', 'dist', '--env', 'pr-42']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).not.toContain('Usage:');
    expect(bad.stderr.trim().split('\n')).toEqual([
      expect.stringContaining("argument 'pr-42' is invalid"),
      "Run 'portico deploy --help' for the options.",
    ]);
    const unknown = await runCli(['site', 'create', 'x', '--bogus']);
    expect(unknown.stderr.trim().split('\n')).toEqual([
      "error: unknown option '--bogus'",
      "Run 'portico site create --help' for the options.",
    ]);
  });

  it('refuses a deployment of no files at create, and names no server path in a commit error', async () => {
    const secrets = await cli(['site', 'token', 'ci', '--json']);
    const apiKey = (JSON.parse(secrets.stdout) as { properties: { apiKey: string } }).properties.apiKey;
    const empty = await send(`${adminUrl}/deploy/v1/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ environment: 'empty', app: [] }),
    });
    expect(empty.status, empty.text).toBe(400);
    expect(empty.json()).toMatchObject({
      error: { code: 'DEPLOY_MANIFEST_INVALID', details: [{ path: 'app' }] },
    });

    await writeFileIn(project, 'broken/index.html', 'x');
    await writeFileIn(
      project,
      'broken/staticwebapp.config.json',
      '{"routes":[{"route":"/x","allowedRoles":5}]}',
    );
    const rejected = await cli(['deploy', 'broken', '--site', 'ci', '--env', 'broken']);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('error: app/staticwebapp.config.json: routes[0].allowedRoles');
    expect(rejected.stderr).not.toContain(dataDir);
  });
});
