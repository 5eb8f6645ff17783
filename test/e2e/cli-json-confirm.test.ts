/**
 * What a new user meets in the management CLI (issue 19 item 4, CONTRACT §5): the built CLI against an
 * in-process `portico serve`. Commands that print a result print exactly one JSON document with `--json`
 * (progress stays on stderr); deleting commands refuse without a terminal unless `--yes`, and ask on one
 * (default no); `functionapp create` takes the folder as an argument.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeApp } from '../helpers/app.js';
import { BIN, runCli } from '../helpers/cli.js';
import { ADMIN_TOKEN, removeData, startTestService, type TestService } from '../helpers/service.js';

describe('portico management commands for a new user', () => {
  let t: TestService;
  let appDir: string;
  let apiDir: string;
  const cli = (args: string[]) =>
    runCli([...args, '--url', t.service.adminUrl, '--token', ADMIN_TOKEN], 120_000);
  const ok = async (args: string[]) => {
    const result = await cli(args);
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result;
  };
  /** Runs a command with `--json` and parses stdout, which must hold exactly one JSON document. */
  const json = async <T = Record<string, unknown>>(args: string[]): Promise<T> =>
    JSON.parse((await ok([...args, '--json'])).stdout) as T;

  beforeAll(async () => {
    t = await startTestService();
    appDir = await writeApp({ 'index.html': '<h1>one</h1>' });
    apiDir = await mkdtemp(join(tmpdir(), 'portico-cli-api-'));
    await writeFile(join(apiDir, 'host.json'), '{"version":"2.0"}');
    await writeFile(join(apiDir, 'package.json'), '{"name":"api","version":"1.0.0","main":"index.js"}');
    await writeFile(join(apiDir, 'index.js'), '');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await removeData(t?.dataDir ?? '');
    await rm(appDir, { recursive: true, force: true });
    await rm(apiDir, { recursive: true, force: true });
  });

  it('prints one JSON document for create, plan, reset-token, settings, deploy and rollback', async () => {
    const site = await json<{ name: string; properties: { apiKey: string } }>(['site', 'create', 'blog']);
    expect(site.name).toBe('blog');
    expect(site.properties.apiKey).toMatch(/\S{16,}/);
    expect((await json<{ sku: { name: string } }>(['site', 'plan', 'blog', 'standard'])).sku.name).toBe(
      'Standard',
    );
    const reset = await json<{ properties: { apiKey: string } }>(['site', 'reset-token', 'blog']);
    expect(reset.properties.apiKey).not.toBe(site.properties.apiKey);
    const set = await json<{ properties: Record<string, string> }>([
      'settings',
      'set',
      '--site',
      'blog',
      'A=1',
      'B=2',
    ]);
    expect(set.properties).toEqual({ A: '1', B: '2' });
    const deleted = await json<{ properties: Record<string, string> }>([
      'settings',
      'delete',
      '--site',
      'blog',
      'A',
      '--yes',
    ]);
    expect(deleted.properties).toEqual({ B: '2' });
    const first = await json<{ name: string; properties: { status: string } }>([
      'deploy',
      appDir,
      '--site',
      'blog',
    ]);
    expect(first.properties.status).toBe('Succeeded');
    await writeFile(join(appDir, 'index.html'), '<h1>two</h1>');
    await json(['deploy', appDir, '--site', 'blog']);
    const rolledBack = await json<{ name: string }>(['deploy', 'rollback', '--site', 'blog']);
    expect(rolledBack.name).toBe(first.name);
  }, 300_000);

  it('refuses a deployment token of another site than --site, deploying and rolling back nothing', async () => {
    await ok(['site', 'create', 'other']);
    const blogToken = (await json<{ properties: { apiKey: string } }>(['site', 'reset-token', 'blog']))
      .properties.apiKey;
    const withToken = (args: string[]) =>
      runCli([...args, '--url', t.service.adminUrl, '--deployment-token', blogToken], 120_000);
    for (const args of [
      ['deploy', appDir, '--site', 'other', '--env', 'wrong'],
      ['deploy', 'rollback', '--site', 'other'],
    ]) {
      const refused = await withToken(args);
      expect(refused.code, args.join(' ')).toBe(1);
      expect(refused.stderr).toContain(
        "The deployment token belongs to the site 'blog', not 'other'; nothing was changed.",
      );
    }
    const environments = await json<{ value: { name: string }[] }>(['env', 'list', '--site', 'blog']);
    expect(environments.value.map((e) => e.name)).not.toContain('wrong');
  }, 120_000);

  it("says when a new environment starts with production's app settings", async () => {
    const preview = await ok(['deploy', appDir, '--site', 'blog', '--env', 'preview', '--json']);
    expect(JSON.parse(preview.stdout)).toMatchObject({ properties: { status: 'Succeeded' } });
    expect(preview.stderr).toContain(
      "Created the preview environment with a copy of production's app settings (B)",
    );
    const again = await ok(['deploy', appDir, '--site', 'blog', '--env', 'preview']);
    expect(again.stderr).not.toContain('copy of production');
    // With the deployment token alone, the note names the site the server answered for, not a placeholder.
    const token = (await json<{ properties: { apiKey: string } }>(['site', 'token', 'blog', '--json']))
      .properties.apiKey;
    const byToken = await runCli(
      ['deploy', appDir, '--env', 'bytoken', '--url', t.service.adminUrl, '--deployment-token', token],
      120_000,
    );
    expect(byToken.code, byToken.stderr).toBe(0);
    expect(byToken.stderr).toContain(
      'change them with portico settings set --site blog --env bytoken NAME=VALUE',
    );
  }, 120_000);

  it('warns the site owner, deploying and changing settings, of an app setting a sign-in registration lacks', async () => {
    await ok(['site', 'create', 'idp', '--plan', 'standard']);
    await ok(['settings', 'set', '--site', 'idp', 'MYIDP_SECRET=s']);
    const registration = {
      clientIdSettingName: 'MYIDP_ID',
      clientCredential: { clientSecretSettingName: 'MYIDP_SECRET' },
      openIdConnectConfiguration: {
        wellKnownOpenIdConfiguration: 'https://idp.example.com/.well-known/openid-configuration',
      },
    };
    const app = await writeApp(
      { 'index.html': '<h1>idp</h1>' },
      {
        auth: { identityProviders: { customOpenIdConnectProviders: { myidp: { registration, login: {} } } } },
      },
    );
    const lacking = (setting: string, field: string) =>
      `auth.identityProviders.customOpenIdConnectProviders.myidp.registration.${field}: names the app setting ${setting}, which this environment does not have: sign-in with myidp answers 503 until you add it with 'portico settings set --site idp --env production ${setting}=…'`;
    try {
      const deployed = await ok(['deploy', app, '--site', 'idp']);
      expect(deployed.stderr).toContain(
        `warning: app/staticwebapp.config.json: ${lacking('MYIDP_ID', 'clientIdSettingName')}`,
      );
      expect(deployed.stderr).not.toContain('MYIDP_SECRET,');
      const set = await ok(['settings', 'set', '--site', 'idp', 'MYIDP_ID=i']);
      expect(set.stderr).not.toContain('warning');
      const deleted = await ok(['settings', 'delete', '--site', 'idp', 'MYIDP_SECRET', '--yes']);
      expect(deleted.stderr).toContain(
        `portico: warning: ${lacking('MYIDP_SECRET', 'clientCredential.clientSecretSettingName').replace(': names', ' names')}`,
      );
    } finally {
      await rm(app, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses to delete without a terminal unless --yes, and keeps the site', async () => {
    await ok(['site', 'create', 'keep']);
    const refused = await cli(['site', 'delete', 'keep']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('Pass --yes');
    expect(
      (
        await t.admin(
          'GET',
          '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/portico/providers/Microsoft.Web/staticSites/keep',
        )
      ).status,
    ).toBe(200);
    const removed = await json<{ name: string; deleted: boolean }>(['site', 'delete', 'keep', '--yes']);
    expect(removed).toEqual({ name: 'keep', deleted: true });
  }, 120_000);

  it('asks on a terminal and deletes nothing unless the answer is yes', async () => {
    await ok(['site', 'create', 'asked']);
    const command = [
      process.execPath,
      BIN,
      'site',
      'delete',
      'asked',
      '--url',
      t.service.adminUrl,
      '--token',
      ADMIN_TOKEN,
    ];
    const declined = await onTerminal(command, '\n');
    expect(declined.output).toContain('[y/N]');
    expect(declined.output).toContain('Nothing deleted');
    expect((await cli(['site', 'show', 'asked'])).code).toBe(0);
    const accepted = await onTerminal(command, 'y\n');
    expect(accepted.output).toContain('Deleted site asked');
    expect((await cli(['site', 'show', 'asked'])).code).not.toBe(0);
  }, 120_000);

  it('creates a function app from a folder given as an argument', async () => {
    const app = await json<{ name: string }>(['functionapp', 'create', 'inventory', apiDir]);
    expect(app.name).toBe('inventory');
    const neither = await cli(['functionapp', 'create', 'other']);
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain('<apiDir>');
    // A folder that cannot be read leaves no function app behind: the retry with the right one works.
    const wrong = await cli(['functionapp', 'create', 'retried', '/nonexistent-api-folder']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('/nonexistent-api-folder does not exist');
    const listed = await json<{ value: { name: string }[] }>(['functionapp', 'list']);
    expect(listed.value.map((a) => a.name)).not.toContain('retried');
    expect((await json<{ name: string }>(['functionapp', 'create', 'retried', apiDir])).name).toBe('retried');
  }, 120_000);

  it('ends quietly, with its own exit code, when the reader closes its output early (| head -c 0)', async () => {
    // A closed stdout was an unhandled EPIPE: a stack trace and exit 1 after the list was fetched.
    const run = (args: string[]) => {
      const child = spawn(
        process.execPath,
        [BIN, ...args, '--url', t.service.adminUrl, '--token', ADMIN_TOKEN],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      // Closed before the CLI has started: every write it makes meets a closed pipe.
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      return new Promise<{ code: number | null; stderr: string }>((resolve) =>
        child.once('close', (code) => resolve({ code, stderr })),
      );
    };
    for (const args of [
      ['site', 'list', '--json'],
      ['site', 'list'],
    ]) {
      const listed = await run(args);
      expect(listed.stderr).not.toContain('EPIPE');
      expect(listed.code, listed.stderr).toBe(0);
    }
    const missing = await run(['site', 'show', 'no-such-site', '--json']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).not.toContain('EPIPE');
  }, 60_000);
});

/**
 * Runs `command` on a pseudo-terminal (util-linux `script`), typing `input`; resolves with what the
 * terminal showed and the exit code.
 */
function onTerminal(
  command: readonly string[],
  input: string,
): Promise<{ code: number | null; output: string }> {
  const quoted = command.map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qec', quoted, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
    if (output.includes('[y/N]') && !child.stdin.writableEnded) {
      child.stdin.end(input);
    }
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

describe('portico deploy interrupted (Ctrl-C)', () => {
  it('says what the interruption left, and exits 130', async () => {
    // A server that accepts and never answers: the deploy waits on it until it is interrupted.
    const held: Socket[] = [];
    const stall = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => stall.listen(0, '127.0.0.1', resolve));
    const port = (stall.address() as { port: number }).port;
    const connected = new Promise((resolve) => stall.once('connection', resolve));
    const app = await writeApp({ 'index.html': 'x' });
    try {
      const child = spawn(
        process.execPath,
        [BIN, 'deploy', app, '--url', `http://127.0.0.1:${port}`, '--deployment-token', 'token'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await connected;
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toContain('deploy interrupted');
      expect(stderr).toContain('portico deploy list');
    } finally {
      for (const socket of held) {
        socket.destroy();
      }
      stall.close();
      await rm(app, { recursive: true, force: true });
    }
  }, 60_000);
});
