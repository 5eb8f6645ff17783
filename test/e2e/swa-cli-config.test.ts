/**
 * `portico start` in a project that carries the SWA CLI's `swa-cli.config.json` (CONTRACT §2): every key
 * observed through the built CLI on a real socket, flags winning, `SWA_CLI_*` variables, and the errors for
 * unknown names and broken files.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from 'selfsigned';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, send } from '../helpers/app.js';
import { type Backend, type EchoRequest, startBackend } from '../helpers/backend.js';
import { CLI_RUNS_TIMEOUT, runCli, startCli } from '../helpers/cli.js';

const FUNCTIONS = fileURLToPath(new URL('../fixtures/functions/', import.meta.url));
/** Inside the repository, so a copied Functions app resolves `@azure/functions` from its node_modules. */
const SCRATCH = fileURLToPath(new URL('../.tmp/', import.meta.url));

let backend: Backend;
beforeAll(async () => {
  backend = await startBackend();
});
afterAll(async () => {
  await backend.close();
});

/** A project folder with `files` and, when given, a swa-cli.config.json holding `configurations`. */
async function writeProject(files: Record<string, string>, configurations?: unknown): Promise<string> {
  await mkdir(SCRATCH, { recursive: true });
  const dir = await mkdtemp(join(SCRATCH, 'swa-cli-project-'));
  const all = { ...files };
  if (configurations !== undefined) {
    all['swa-cli.config.json'] = JSON.stringify({ $schema: 'x', configurations }, null, 2);
  }
  for (const [path, content] of Object.entries(all)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

/** The environment of a CLI run: no inherited SWA_CLI_* variables, plus `extra`. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SWA_')));
  return { ...env, ...extra };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

const SITE = {
  'app/staticwebapp.config.json': JSON.stringify({
    routes: [{ route: '/old', redirect: '/', statusCode: 301 }],
  }),
  'app/dist/index.html': 'built page',
  'app/src/index.html': 'source page',
};

describe('portico start with swa-cli.config.json', { timeout: CLI_RUNS_TIMEOUT.three }, () => {
  it('appLocation, outputLocation, port and host: serves appLocation/outputLocation with the config of appLocation', async () => {
    const port = await freePort();
    const dir = await writeProject(SITE, {
      web: { appLocation: 'app', outputLocation: 'dist', port, host: '127.0.0.2' },
    });
    const cli = await startCli(['start'], 20_000, { cwd: dir, env: cleanEnv() });
    try {
      expect(cli.url).toBe(`http://127.0.0.2:${port}`);
      expect(cli.stderr()).toContain('Using configuration "web"');
      expect((await send(`${cli.url}/`)).text).toBe('built page');
      const old = await send(`${cli.url}/old`);
      expect(old.status).toBe(301);
    } finally {
      await cli.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('swaConfigLocation points at another folder for staticwebapp.config.json', async () => {
    const dir = await writeProject(
      {
        ...SITE,
        'config/staticwebapp.config.json': JSON.stringify({ routes: [{ route: '/old', statusCode: 404 }] }),
      },
      { web: { appLocation: 'app', outputLocation: 'dist', swaConfigLocation: 'config', port: 0 } },
    );
    const cli = await startCli(['start'], 20_000, { cwd: dir, env: cleanEnv() });
    try {
      expect((await send(`${cli.url}/old`)).status).toBe(404);
    } finally {
      await cli.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('apiLocation runs the Functions app behind /api', async () => {
    const dir = await writeProject(SITE, {
      web: { appLocation: 'app', outputLocation: 'dist', apiLocation: 'api', port: 0 },
    });
    await cp(join(FUNCTIONS, 'v4-esm'), join(dir, 'api'), { recursive: true });
    const cli = await startCli(['start'], 60_000, { cwd: dir, env: cleanEnv() });
    try {
      expect((await send(`${cli.url}/api/greet?name=Ada`)).text).toBe('Hello, Ada!');
    } finally {
      await cli.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('apiDevserverUrl proxies /api to that URL', async () => {
    const dir = await writeProject(SITE, {
      web: { appLocation: 'app', outputLocation: 'dist', apiDevserverUrl: backend.url, port: 0 },
    });
    const cli = await startCli(['start'], 20_000, { cwd: dir, env: cleanEnv() });
    try {
      const echo = (await send(`${cli.url}/api/hello`)).json<EchoRequest>();
      expect(echo.url).toBe('/api/hello');
      expect(echo.headers['x-forwarded-proto']).toBe('http');
    } finally {
      await cli.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('flags win (SWA CLI short forms too): a positional folder, -p and --api-devserver-url replace what the file says', async () => {
    const dir = await writeProject(SITE, {
      web: { appLocation: 'app', outputLocation: 'dist', apiLocation: 'missing-api', port: 1 },
    });
    const cli = await startCli(['start', 'app/src', '-p', '0', '--api-devserver-url', backend.url], 20_000, {
      cwd: dir,
      env: cleanEnv(),
    });
    try {
      expect((await send(`${cli.url}/`)).text).toBe('source page');
      expect((await send(`${cli.url}/api/x`)).status).toBe(200);
    } finally {
      await cli.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a configuration named on the command line is used; an unknown name lists the names', async () => {
    const dir = await writeProject(SITE, {
      built: { appLocation: 'app', outputLocation: 'dist', port: 0 },
      source: { appLocation: 'app', outputLocation: 'src', port: 0 },
    });
    const cli = await startCli(['start', 'source'], 20_000, { cwd: dir, env: cleanEnv() });
    try {
      expect((await send(`${cli.url}/`)).text).toBe('source page');
    } finally {
      await cli.stop();
    }
    try {
      const unknown = await runCli(['start', 'staging'], 20_000, { cwd: dir, env: cleanEnv() });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('no configuration named "staging" (it has: built, source)');
      const byFlag = await runCli(['start', '--config-name', 'prod'], 20_000, { cwd: dir, env: cleanEnv() });
      expect(byFlag.code).toBe(1);
      expect(byFlag.stderr).toContain('it has: built, source');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('unknown and ignored keys are warnings, and the server still starts', async () => {
    const dir = await writeProject(SITE, {
      web: { appLocation: 'app', outputLocation: 'dist', port: 0, apiPort: 7071, outputLocaton: 'x' },
    });
    const cli = await startCli(['start'], 20_000, { cwd: dir, env: cleanEnv() });
    try {
      expect(cli.stderr()).toMatch(/warning: .*configurations\.web\.apiPort is ignored/);
      expect(cli.stderr()).toMatch(
        /configurations\.web\.outputLocaton is not an option.*did you mean "outputLocation"/,
      );
      expect((await send(`${cli.url}/`)).text).toBe('built page');
    } finally {
      await cli.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('invalid JSON is an error naming the line and column; nothing is served', async () => {
    const dir = await writeProject({
      'swa-cli.config.json': '{\n  "configurations": {\n    "web": { port: 1 }\n  }\n}',
    });
    try {
      const result = await runCli(['start'], 20_000, { cwd: dir, env: cleanEnv() });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('swa-cli.config.json:3:14');
      expect(result.stdout).not.toMatch(/https?:\/\//);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('SWA_CLI_* variables set the locations, the port and the /api URL; the file wins over them', async () => {
    const dir = await writeProject(SITE);
    const env = cleanEnv({
      SWA_CLI_APP_LOCATION: 'app',
      SWA_CLI_OUTPUT_LOCATION: 'dist',
      SWA_CLI_PORT: '0',
      SWA_CLI_API_DEVSERVER_URL: backend.url,
    });
    const cli = await startCli(['start'], 20_000, { cwd: dir, env });
    try {
      expect((await send(`${cli.url}/`)).text).toBe('built page');
      expect((await send(`${cli.url}/old`)).status).toBe(301);
      expect((await send(`${cli.url}/api/x`)).status).toBe(200);
    } finally {
      await cli.stop();
    }
    await writeFile(
      join(dir, 'swa-cli.config.json'),
      JSON.stringify({ configurations: { web: { outputLocation: 'src' } } }),
    );
    const second = await startCli(['start'], 20_000, { cwd: dir, env });
    try {
      expect((await send(`${second.url}/`)).text).toBe('source page');
    } finally {
      await second.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('open without a display says so and serves anyway; run beside a folder runs alongside, as in the SWA CLI', async () => {
    const dir = await writeProject(SITE, {
      web: {
        appLocation: 'app',
        outputLocation: 'dist',
        port: 0,
        open: true,
        run: "node -e \"require('fs').writeFileSync('dist/built.html', 'built by run')\"",
      },
    });
    const env = cleanEnv();
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const cli = await startCli(['start'], 20_000, { cwd: dir, env });
    try {
      await eventually(async () => cli.stderr().includes('--open: no display found'), 20_000);
      // The command runs in appLocation; the folder served sees what it writes, and serving goes on after it.
      await eventually(async () => (await send(`${cli.url}/built.html`)).text === 'built by run', 20_000);
      await eventually(async () => cli.stderr().includes('the --run command exited with code 0'), 20_000);
      expect((await send(`${cli.url}/`)).status).toBe(200);
    } finally {
      await cli.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ssl, sslCert and sslKey from the file serve HTTPS with that certificate (paths relative to the file)', async () => {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    const dir = await writeProject(
      { ...SITE, 'certs/dev.crt': pems.cert, 'certs/dev.key': pems.private },
      {
        web: {
          appLocation: 'app',
          outputLocation: 'dist',
          port: 0,
          ssl: true,
          sslCert: 'certs/dev.crt',
          sslKey: 'certs/dev.key',
        },
      },
    );
    const cli = await startCli(['start'], 20_000, { cwd: dir, env: cleanEnv() });
    const dispatcher = new Agent({ connect: { ca: pems.cert } });
    try {
      expect(cli.url).toMatch(/^https:/);
      const response = await request(`${cli.url}/`, { dispatcher });
      expect(await response.body.text()).toBe('built page');
    } finally {
      await dispatcher.close();
      await cli.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a missing outputLocation folder is an error that suggests building first', async () => {
    const dir = await writeProject(SITE, { web: { appLocation: 'app', outputLocation: 'build' } });
    try {
      const result = await runCli(['start'], 20_000, { cwd: dir, env: cleanEnv() });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('portico build');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
