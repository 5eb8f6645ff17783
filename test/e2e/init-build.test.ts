/**
 * `portico init` and `portico build` as users run them (CONTRACT §2): init writes swa-cli.config.json from
 * the detected project without a terminal (as --yes), never replaces a configuration silently, and the file
 * it writes is read back by `portico start`; build installs what is missing and runs both commands.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveStartOptions } from '../../src/cli/swa-cli-config/index.js';
import { send } from '../helpers/app.js';
import { BIN, CLI_RUNS_TIMEOUT, runCli, startCli } from '../helpers/cli.js';

const PROJECTS = fileURLToPath(new URL('../fixtures/projects/', import.meta.url));

async function copyProject(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `portico-${name}-`));
  await cp(join(PROJECTS, name), dir, { recursive: true });
  return dir;
}

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SWA_')));

describe('portico init', { timeout: CLI_RUNS_TIMEOUT.two }, () => {
  it('writes the detected Vite app and its API; start reads the file back (dev server URL and command)', async () => {
    const dir = await copyProject('vite');
    try {
      const result = await runCli(['init', 'web'], 20_000, { cwd: dir, env });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Vite');
      const file = JSON.parse(await readFile(join(dir, 'swa-cli.config.json'), 'utf8')) as {
        $schema: string;
        configurations: Record<string, unknown>;
      };
      expect(file.$schema).toBe('https://aka.ms/azure/static-web-apps-cli/schema');
      expect(file.configurations.web).toEqual({
        appLocation: '.',
        outputLocation: 'dist',
        apiLocation: 'api',
        appBuildCommand: 'npm run build',
        apiBuildCommand: 'npm run build',
        run: 'npm run dev',
        appDevserverUrl: 'http://localhost:5173',
      });
      const resolved = await resolveStartOptions({ flags: {}, env: {}, cwd: dir });
      expect(resolved).toMatchObject({
        appDevserverUrl: 'http://localhost:5173',
        run: 'npm run dev',
        appLocation: dir,
        apiDir: join(dir, 'api'),
        configuration: { name: 'web' },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it(
    'plain HTML: the written configuration is served by portico start as it is',
    async () => {
      const dir = await copyProject('plain-html');
      try {
        expect((await runCli(['init', '--yes'], 20_000, { cwd: dir, env })).code).toBe(0);
        const cli = await startCli(['start', '--port', '0'], 20_000, { cwd: dir, env });
        try {
          expect(cli.stderr()).toMatch(/Using configuration "portico-plain-html-\w+"/);
          expect((await send(`${cli.url}/`)).text).toContain('plain site');
          expect((await send(`${cli.url}/some/route`)).text).toContain('plain site');
        } finally {
          await cli.stop();
        }
        // init sets no build command here, so build must not send the user back to init.
        const built = await runCli(['build'], 20_000, { cwd: dir, env });
        expect(built.code).toBe(0);
        expect(built.stderr).toContain('A plain HTML site needs no build');
        expect(built.stderr).toContain('pass --app-build-command "<command>"');
        expect(built.stderr).not.toContain('portico init');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    CLI_RUNS_TIMEOUT.three,
  );

  it('never replaces an existing configuration without a terminal; other configurations are kept', async () => {
    const dir = await copyProject('astro');
    const original = { $schema: 'x', configurations: { web: { outputLocation: 'custom' } } };
    await writeFile(join(dir, 'swa-cli.config.json'), JSON.stringify(original));
    try {
      const again = await runCli(['init', 'web', '--yes'], 20_000, { cwd: dir, env });
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('already has a configuration named "web"');
      expect(JSON.parse(await readFile(join(dir, 'swa-cli.config.json'), 'utf8'))).toEqual(original);
      expect((await runCli(['init', 'preview'], 20_000, { cwd: dir, env })).code).toBe(0);
      const both = JSON.parse(await readFile(join(dir, 'swa-cli.config.json'), 'utf8')) as {
        configurations: Record<string, { outputLocation: string }>;
      };
      expect(both.configurations.web?.outputLocation).toBe('custom');
      expect(both.configurations.preview?.outputLocation).toBe('dist');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Runs `portico init` on a pseudo-terminal (util-linux `script`), answering each prompt when it appears. */
function initOnTerminal(cwd: string, answers: [prompt: string, answer: string][]): Promise<number | null> {
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} init`;
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  const pending = [...answers];
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const next = pending[0];
    if (next !== undefined && out.includes(next[0])) {
      pending.shift();
      child.stdin.write(`${next[1]}\n`);
    }
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe.skipIf(!existsSync('/usr/bin/script'))('portico init on a terminal', () => {
  it('asks before replacing a configuration (default no), and replaces it on yes', async () => {
    const dir = await copyProject('astro');
    const original = JSON.stringify({ configurations: { web: { outputLocation: 'custom' } } });
    await writeFile(join(dir, 'swa-cli.config.json'), original);
    try {
      const declined = await initOnTerminal(dir, [
        ['Configuration name', 'web'],
        ['Replace the existing configuration "web"? (y/N)', ''],
      ]);
      expect(declined).toBe(0);
      expect(await readFile(join(dir, 'swa-cli.config.json'), 'utf8')).toBe(original);
      const accepted = await initOnTerminal(dir, [
        ['Configuration name', 'web'],
        ['Replace the existing configuration', 'y'],
      ]);
      expect(accepted).toBe(0);
      const file = JSON.parse(await readFile(join(dir, 'swa-cli.config.json'), 'utf8')) as {
        configurations: Record<string, { outputLocation: string }>;
      };
      expect(file.configurations.web?.outputLocation).toBe('dist');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const LOCKFILE = JSON.stringify({
  name: 'site',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: { '': { name: 'site', version: '1.0.0' } },
});

describe('portico build', { timeout: CLI_RUNS_TIMEOUT.two }, () => {
  it('installs missing dependencies with npm ci, then runs appBuildCommand and apiBuildCommand', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-build-'));
    await writeFiles(dir, {
      'app/package.json': JSON.stringify({
        name: 'site',
        version: '1.0.0',
        scripts: { build: 'node build.js' },
      }),
      'app/package-lock.json': LOCKFILE,
      'app/build.js':
        "require('fs').mkdirSync('dist',{recursive:true});require('fs').writeFileSync('dist/index.html','built')",
      'api/host.json': '{ "version": "2.0" }',
      'api/make.js': "require('fs').writeFileSync('built.txt','api built')",
      'swa-cli.config.json': JSON.stringify({
        configurations: {
          site: {
            appLocation: 'app',
            outputLocation: 'dist',
            apiLocation: 'api',
            appBuildCommand: 'npm run build',
            apiBuildCommand: 'node make.js',
          },
        },
      }),
    });
    try {
      const result = await runCli(['build'], 120_000, { cwd: dir, env });
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('running `npm ci` in app');
      expect(await readFile(join(dir, 'app', 'dist', 'index.html'), 'utf8')).toBe('built');
      expect(await readFile(join(dir, 'api', 'built.txt'), 'utf8')).toBe('api built');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('uses the detected build command when none is configured, and exits with a failing command’s code', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-build-'));
    await writeFiles(dir, {
      'package.json': JSON.stringify({
        name: 'site',
        version: '1.0.0',
        scripts: { build: 'node -e "process.exit(7)"', dev: 'vite' },
        devDependencies: { vite: '^7.0.0' },
      }),
      'node_modules/.keep': '',
    });
    try {
      const result = await runCli(['build'], 60_000, { cwd: dir, env });
      expect(result.code).toBe(7);
      expect(result.stderr).toContain('`npm run build` exited with code 7');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('--app-build-command wins over the file; an unknown configuration name lists the names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-build-'));
    await writeFiles(dir, {
      'swa-cli.config.json': JSON.stringify({ configurations: { site: { appBuildCommand: 'exit 9' } } }),
    });
    try {
      const result = await runCli(['build', '--app-build-command', 'node -e "1"'], 60_000, { cwd: dir, env });
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('Build finished');
      const unknown = await runCli(['build', 'staging'], 60_000, { cwd: dir, env });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('no configuration named "staging" (it has: site)');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says what is wrong with an empty configuration name, a --config folder and a --config in no folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-init-'));
    try {
      const empty = await runCli(['init', '', '--yes'], 60_000, { cwd: dir, env });
      expect(empty.code).toBe(1);
      expect(empty.stderr).toContain('The configuration name is empty');
      const folder = await runCli(['start', '--config', dir, '--port', '0'], 60_000, { cwd: dir, env });
      expect(folder.code).toBe(1);
      expect(folder.stderr).toContain(`${dir} is a folder: --config takes the file itself`);
      const nowhere = join(dir, 'missing', 'x.json');
      const unwritable = await runCli(['init', '--yes', '--config', nowhere], 60_000, { cwd: dir, env });
      expect(unwritable.code).toBe(1);
      expect(unwritable.stderr).toContain(`Cannot write ${nowhere} (ENOENT)`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a missing API folder is said as such, not as a failed build command', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-build-'));
    await writeFiles(dir, {
      'swa-cli.config.json': JSON.stringify({
        configurations: { site: { apiLocation: 'nope', apiBuildCommand: 'echo api' } },
      }),
    });
    try {
      const result = await runCli(['build'], 60_000, { cwd: dir, env });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`The API folder ${join(dir, 'nope')} does not exist`);
      expect(result.stderr).not.toContain('exited with code');
      const flag = await runCli(['build', '--api-location', '/nonexistent-api'], 60_000, { cwd: dir, env });
      expect(flag.code).toBe(1);
      expect(flag.stderr).toContain('The API folder /nonexistent-api does not exist');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
