/**
 * The module graph of the built CLI (issue 16 item 1): a command loads only what it uses. Each run
 * records every module the process loads (test/helpers/module-recorder.mjs) and the test checks the
 * list, not a timing: `--help` loads no command, `site list` only the client, and `portico start` of a
 * static folder no database driver, Redis or OpenID client, portal, gateway or service code.
 * @see docs/decisions/0024-lazy-cli.md
 */
import { once } from 'node:events';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, writeApp } from '../helpers/app.js';
import {
  CLI_PROCESS_BUDGET_MS,
  type CliProcessOptions,
  type RunningCli,
  runCli,
  startCli,
  timeoutFor,
} from '../helpers/cli.js';

const RECORDER = pathToFileURL(join(import.meta.dirname, '..', 'helpers', 'module-recorder.mjs')).href;

/** Packages no command loads unless it uses them (`serve` with a database, a sign-in, a gateway). */
const HEAVY_PACKAGES = ['better-sqlite3', 'pg', 'kysely', 'ioredis', 'openid-client', 'jose', 'undici'];
/**
 * Packages `portico serve` loads only when a flag or a first use needs them: pg (--database-url),
 * ioredis (--redis-url), acme-client (an ACME order), openid-client (a sign-in), jose (validate-jwt),
 * undici (a gateway's backend call or a site's /api), the OpenAPI parser (an API import), pino
 * (--access-log). @see docs/decisions/0035-serve-start-up.md
 */
const SERVE_ON_DEMAND_PACKAGES = [
  'pg',
  'ioredis',
  'acme-client',
  'openid-client',
  'jose',
  'undici',
  '@apidevtools/swagger-parser',
  'yaml',
  'pino',
];
/** Folders of dist/ only `portico serve` uses. */
const SERVICE_FOLDERS = ['storage', 'control-plane', 'gateway', 'portal', 'serve'];

describe('what each command loads', () => {
  let work: string;
  let run = 0;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'portico-modules-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /** A log file and the environment that records into it. */
  function recording(): { log: string; options: CliProcessOptions } {
    run += 1;
    const log = join(work, `modules-${run}.log`);
    const nodeOptions = `${process.env.NODE_OPTIONS ?? ''} --import=${RECORDER}`.trim();
    return { log, options: { env: { ...process.env, NODE_OPTIONS: nodeOptions, PORTICO_MODULE_LOG: log } } };
  }

  /** The modules a run loaded, as paths (node: built-ins left out). */
  async function loaded(log: string): Promise<string[]> {
    const lines = (await readFile(log, 'utf8')).split('\n').filter((line) => line !== '');
    return [...new Set(lines.filter((line) => !line.startsWith('node:')).map(toPath))];
  }

  const packages = (modules: string[], names: readonly string[]) =>
    names.filter((name) => modules.some((path) => path.includes(`/node_modules/${name}/`)));
  const folders = (modules: string[], names: readonly string[]) =>
    names.filter((name) => modules.some((path) => path.includes(`/dist/${name}/`)));

  it('--help loads no command module', async () => {
    const { log, options } = recording();
    const result = await runCli(['--help'], CLI_PROCESS_BUDGET_MS, options);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('site');
    const modules = await loaded(log);
    expect(modules.some((path) => path.endsWith('/dist/cli/index.js'))).toBe(true);
    expect(modules.filter((path) => path.includes('/dist/cli/commands/'))).toEqual([]);
    expect(modules.filter((path) => /\/dist\/(?!cli\/|shared\/)/.test(path))).toEqual([]);
  });

  it('help for a command that does not exist says so and suggests the nearest one', async () => {
    const result = await runCli(['help', 'sitee']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("unknown command 'sitee'");
    expect(result.stderr).toContain('Did you mean site?');
  });

  it(
    'help <group> <command> shows that command, not its group',
    async () => {
      const create = await runCli(['help', 'site', 'create']);
      expect(create.code).toBe(0);
      expect(create.stdout).toContain('Usage: portico site create [options] <name>');
      const unknown = await runCli(['help', 'site', 'nosuch']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain("unknown command 'nosuch'");
      // deploy takes a folder: help never deploys one.
      const deployTopic = await runCli(['help', 'deploy', 'nosuch']);
      expect(deployTopic.code).toBe(0);
      expect(deployTopic.stdout).toContain('Usage: portico deploy [options] [command] [target]');
    },
    timeoutFor(3),
  );

  it(
    'deploy help [command] is help, as in every group, unless a folder named help is there to deploy',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'portico-deploy-help-'));
      try {
        const help = await runCli(['deploy', 'help'], CLI_PROCESS_BUDGET_MS, { cwd: dir });
        expect(help.code, help.stderr).toBe(0);
        expect(help.stdout).toContain('Usage: portico deploy [options] [command] [target]');
        expect(help.stdout).toMatch(/^ {2}help \[command\]/m);
        const rollback = await runCli(['deploy', 'help', 'rollback'], CLI_PROCESS_BUDGET_MS, { cwd: dir });
        expect(rollback.stdout).toContain('Usage: portico deploy rollback [options]');
        await writeApp({ 'index.html': 'a folder named help' }).then((app) =>
          cp(app, join(dir, 'help'), { recursive: true }),
        );
        const folder = await runCli(
          ['deploy', 'help', '--url', 'http://127.0.0.1:9', '--deployment-token', 'x'],
          CLI_PROCESS_BUDGET_MS,
          { cwd: dir },
        );
        expect(folder.stdout).not.toContain('Usage:');
        expect(folder.stderr).toContain(`from ${join(dir, 'help')}`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    timeoutFor(3),
  );

  it('--version loads no command module', async () => {
    const { log, options } = recording();
    const result = await runCli(['--version'], CLI_PROCESS_BUDGET_MS, options);
    expect(result.code).toBe(0);
    expect((await loaded(log)).filter((path) => path.includes('/dist/cli/commands/'))).toEqual([]);
  });

  it.each(['deploy', 'settings', 'env', 'users', 'apim', 'functionapp', 'link', 'backends'])(
    '%s loads its own module and the client, no other plane and no heavy package',
    async (command) => {
      const { log, options } = recording();
      const result = await runCli([command, '--help'], CLI_PROCESS_BUDGET_MS, options);
      expect(result.code).toBe(0);
      const modules = await loaded(log);
      expect(modules.some((path) => path.includes('/dist/cli/commands/'))).toBe(true);
      expect(folders(modules, [...SERVICE_FOLDERS, 'edge', 'config', 'start'])).toEqual([]);
      expect(modules.filter((path) => /\/dist\/(main|functions-host\/index)\.js$/.test(path))).toEqual([]);
      expect(packages(modules, [...HEAVY_PACKAGES, 'zod'])).toEqual([]);
    },
    timeoutFor(1),
  );

  it(
    'site list loads the client and nothing of the edge, the functions host or the service',
    async () => {
      const server = await startFakeApi();
      try {
        const { log, options } = recording();
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const result = await runCli(
          ['site', 'list', '--url', url, '--token', 't'],
          CLI_PROCESS_BUDGET_MS,
          options,
        );
        expect(result.code, result.stderr).toBe(0);
        const modules = await loaded(log);
        expect(modules.some((path) => path.endsWith('/dist/cli/commands/site.js'))).toBe(true);
        expect(modules.some((path) => path.endsWith('/dist/client/index.js'))).toBe(true);
        expect(
          modules.filter((path) => path.includes('/dist/cli/commands/') && !path.endsWith('/site.js')),
        ).toEqual([]);
        expect(folders(modules, [...SERVICE_FOLDERS, 'edge', 'config', 'start'])).toEqual([]);
        expect(
          modules.filter((path) => /\/dist\/(main|functions-host\/(index|supervisor))\.js$/.test(path)),
        ).toEqual([]);
        expect(packages(modules, [...HEAVY_PACKAGES, 'zod', 'chokidar', 'mime'])).toEqual([]);
      } finally {
        server.close();
      }
    },
    timeoutFor(1),
  );

  it(
    'start of a static folder loads the edge but no functions host, database, Redis or OpenID client, portal or gateway',
    async () => {
      const dir = await writeApp({
        'index.html': 'hello',
        'staticwebapp.config.json': JSON.stringify({ routes: [{ route: '/old', redirect: '/' }] }),
      });
      const { log, options } = recording();
      const cli = await startCli(['start', dir, '--port', '0'], CLI_PROCESS_BUDGET_MS, options);
      try {
        expect((await send(`${cli.url}/`)).text).toBe('hello');
        expect((await send(`${cli.url}/.auth/me`)).status).toBe(200);
        expect((await send(`${cli.url}/old`)).status).toBe(302);
      } finally {
        expect(await cli.stop()).toBe(0);
        await rm(dir, { recursive: true, force: true });
      }
      const modules = await loaded(log);
      expect(modules.some((path) => path.endsWith('/dist/cli/commands/start.js'))).toBe(true);
      expect(modules.some((path) => path.includes('/dist/edge/'))).toBe(true);
      expect(
        modules.filter((path) => path.includes('/dist/cli/commands/') && !path.endsWith('/start.js')),
      ).toEqual([]);
      expect(folders(modules, SERVICE_FOLDERS)).toEqual([]);
      // Without --api no functions host runs: its supervisor and sandboxes stay unloaded.
      expect(
        modules.filter((path) =>
          /\/dist\/functions-host\/(index|supervisor|sandbox\/select)\.js$/.test(path),
        ),
      ).toEqual([]);
      expect(packages(modules, [...HEAVY_PACKAGES, 'selfsigned', 'tinyglobby', 'picomatch'])).toEqual([]);
      // The config is checked with zod's bundle of one file, not with zod's hundred modules (decision 0043).
      expect(modules.some((path) => path.endsWith('/dist/shared/zod.js'))).toBe(true);
      expect(packages(modules, ['zod'])).toEqual([]);
    },
    timeoutFor(1),
  );

  it(
    'start --api of a JavaScript app loads the functions host, but no globbing: only a build script needs it',
    async () => {
      const dir = await writeApp({ 'index.html': 'hello' });
      const apiDir = fileURLToPath(new URL('../fixtures/functions/v4-esm', import.meta.url));
      const { log, options } = recording();
      const cli = await startCli(
        ['start', dir, '--port', '0', '--api', apiDir],
        CLI_PROCESS_BUDGET_MS,
        options,
      );
      try {
        expect((await send(`${cli.url}/api/greet?name=modules`)).text).toBe('Hello, modules!');
      } finally {
        expect(await cli.stop()).toBe(0);
        await rm(dir, { recursive: true, force: true });
      }
      const modules = await loaded(log);
      expect(modules.some((path) => path.endsWith('/dist/functions-host/build-scripts.js'))).toBe(true);
      expect(modules.some((path) => path.endsWith('/dist/functions-host/supervisor.js'))).toBe(true);
      // The worker runs in its own process; this one globs only for an app with a build script.
      expect(packages(modules, ['tinyglobby', 'picomatch', 'fdir'])).toEqual([]);
      expect(folders(modules, SERVICE_FOLDERS)).toEqual([]);
    },
    timeoutFor(1),
  );

  it(
    'serve on SQLite with no site loads no PostgreSQL or Redis client, ACME, OpenID, JWT, OpenAPI parser or access log',
    async () => {
      const data = await mkdtemp(join(tmpdir(), 'portico-modules-serve-'));
      const { log, options } = recording();
      const args = ['serve', '--data', data, '--port', '0', '--admin-port', '0', '--sandbox', 'none'];
      const cli = await startCli(args, CLI_PROCESS_BUDGET_MS, options);
      try {
        expect((await send(`${await adminUrlOf(cli)}/readyz`)).status).toBe(200);
      } finally {
        expect(await cli.stop()).toBe(0);
        await rm(data, { recursive: true, force: true });
      }
      const modules = await loaded(log);
      expect(modules.some((path) => path.endsWith('/dist/serve/service.js'))).toBe(true);
      expect(packages(modules, ['better-sqlite3'])).toEqual(['better-sqlite3']);
      // Kysely, zod and prom-client load as the build's bundles of one file each, not as their packages
      // (decision 0043).
      expect(
        modules.filter((path) => /\/dist\/shared\/(kysely|zod|prom-client)\.js$/.test(path)),
      ).toHaveLength(3);
      expect(packages(modules, ['kysely', 'zod', 'prom-client', '@opentelemetry/api'])).toEqual([]);
      expect(packages(modules, SERVE_ON_DEMAND_PACKAGES)).toEqual([]);
      expect(modules.filter((path) => path.endsWith('/dist/control-plane/apim/openapi-document.js'))).toEqual(
        [],
      );
    },
    timeoutFor(1),
  );
});

/** The admin URL `portico serve` prints after its first URL (the line may come in a later chunk). */
async function adminUrlOf(cli: RunningCli): Promise<string> {
  const pattern = /Management API at (http:\/\/\S+)/;
  while (!pattern.test(cli.stdout())) {
    await once(cli.child.stdout ?? cli.child, 'data');
  }
  return pattern.exec(cli.stdout())?.[1] ?? '';
}

function toPath(entry: string): string {
  return entry.startsWith('file:') ? new URL(entry).pathname : entry;
}

/** A management API that answers every request with an empty list. */
async function startFakeApi(): Promise<Server> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ value: [] }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}
