/**
 * What `deploy close` and `deploy rollback` say of themselves (not of `deploy`): the site `--site`
 * names, the environments close accepts, and the environment closed as the server stores it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerDeployCommands } from './deploy.js';

const TOKEN_VARIABLES = [
  'SWA_CLI_DEPLOYMENT_TOKEN',
  'PORTICO_DEPLOYMENT_TOKEN',
  'PORTICO_TOKEN',
  'PORTICO_URL',
];

let errors: string;
let printed: string;

beforeEach(() => {
  errors = '';
  printed = '';
  for (const name of TOKEN_VARIABLES) {
    vi.stubEnv(name, undefined);
  }
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    printed += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** Runs `portico deploy <args>` in process. */
function deploy(args: string[]): Promise<unknown> {
  const program = new Command('portico')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeErr: (text) => (errors += text), writeOut: () => {} });
  registerDeployCommands(program);
  for (const command of program.commands.flatMap((c) => [c, ...c.commands])) {
    command.exitOverride().configureOutput({ writeErr: (text) => (errors += text) });
  }
  return program.parseAsync(['node', 'portico', 'deploy', ...args]);
}

describe('deploy close and rollback', () => {
  it('say what --site names for each of them', async () => {
    await expect(deploy(['close', '--env', 'pr5', '--token', 'admin'])).rejects.toThrow(
      'Pass --site <name> (the site whose environment to close), or --deployment-token <token> of that site.',
    );
    await expect(deploy(['rollback', '--token', 'admin'])).rejects.toThrow(
      'Pass --site <name> (the site whose environment to roll back), or --deployment-token <token> of that site.',
    );
  });

  it('without --env, says close needs it and does not read SWA_CLI_DEPLOY_ENV (a tester set only that)', async () => {
    const before = process.env.SWA_CLI_DEPLOY_ENV;
    process.env.SWA_CLI_DEPLOY_ENV = 'pr7';
    try {
      await expect(deploy(['close', '--deployment-token', 't'])).rejects.toThrow(
        /deploy close needs --env <env>.* SWA_CLI_DEPLOY_ENV \(pr7\) is not read by close.*--env pr7/,
      );
    } finally {
      if (before === undefined) {
        delete process.env.SWA_CLI_DEPLOY_ENV;
      } else {
        process.env.SWA_CLI_DEPLOY_ENV = before;
      }
    }
    await expect(deploy(['close', '--deployment-token', 't'])).rejects.toThrow(
      /^deploy close needs --env <env>, the preview environment to close\. Pass it/,
    );
  });

  it('refuses a malformed --env of close naming only what close accepts', async () => {
    await expect(deploy(['close', '--env', '', '--deployment-token', 't'])).rejects.toThrow();
    expect(errors).toContain('expected a preview environment: 1 to 16 letters and digits, e.g. pr42');
    expect(errors).not.toContain("'production'");
  });

  describe('against a server', () => {
    let server: Server;
    beforeEach(async () => {
      server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ site: 'shop', environment: 'pr2', closed: true }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('names the environment closed as the server stores it, not as typed', async () => {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await deploy(['close', '--env', 'PR2', '--deployment-token', 't', '--url', url]);
      expect(printed).toBe(
        'Closed the pr2 environment of shop: its content, deployments and settings were deleted.\n',
      );
    });
  });
});
