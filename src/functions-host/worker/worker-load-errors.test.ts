/**
 * Apps that cannot start: the worker sends one `fatal` message that says what to do and exits with
 * code 3 (issue 3, "Clear errors for common mistakes"). Needs `npm run build` first.
 */
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeApp, writeFileIn } from '../../../test/helpers/app.js';
import {
  FUNCTION_FIXTURES,
  runFailingWorker,
  type StartedWorker,
  startWorker,
} from '../../../test/helpers/functions-worker.js';

async function fatalOf(app: string): Promise<{ code: string; message: string }> {
  const result = await runFailingWorker(join(FUNCTION_FIXTURES, app));
  expect(result.code, result.stderr).toBe(3);
  const fatal = result.messages.find((message) => message.type === 'fatal');
  expect(fatal).toBeDefined();
  return { code: String(fatal?.code), message: String(fatal?.message) };
}

describe('worker: load errors', () => {
  it('main matching no file, in a TypeScript app: says to run npm run build', async () => {
    const fatal = await fatalOf('main-missing');
    expect(fatal.code).toBe('FUNCTIONS_MAIN_NOT_FOUND');
    expect(fatal.message).toContain('"dist/src/functions/*.js"');
    expect(fatal.message).toContain('run npm run build');
  });

  it('a syntax error: names the file and line', async () => {
    const fatal = await fatalOf('syntax-error');
    expect(fatal.code).toBe('FUNCTIONS_SYNTAX_ERROR');
    expect(fatal.message).toContain('src/functions/redeclared.js:6');
    expect(fatal.message).toContain("Identifier 'greeting' has already been declared");
  });

  it('authLevel admin: refused, naming the function', async () => {
    const fatal = await fatalOf('admin-authlevel');
    expect(fatal.code).toBe('FUNCTIONS_ADMIN_AUTH_LEVEL');
    expect(fatal.message).toContain('"secret"');
    expect(fatal.message).toContain('Static Web Apps allows anonymous and function');
  });

  it('a missing package: names it and the file, and says to run npm install in the API folder', async () => {
    const fatal = await fatalOf('deps-missing');
    expect(fatal.code).toBe('FUNCTIONS_DEPENDENCIES_MISSING');
    expect(fatal.message).toBe(
      '"src/index.js" requires the package "portico-fixture-not-installed", and there is no node_modules folder. Run npm install in the API folder.',
    );
  });

  it('two functions with the same name: names it and the file', async () => {
    const fatal = await fatalOf('duplicate-names');
    expect(fatal.code).toBe('FUNCTIONS_DUPLICATE_NAME');
    expect(fatal.message).toContain('"orders"');
    expect(fatal.message).toContain('src/functions/b.js');
  });

  it('a routePrefix other than api: says Static Web Apps requires "api"', async () => {
    const fatal = await fatalOf('route-prefix');
    expect(fatal.code).toBe('FUNCTIONS_ROUTE_PREFIX');
    expect(fatal.message).toContain('requires "api"');
  });

  it('a package.json that is not JSON: names it with the line and column, instead of finding no functions', async () => {
    const fatal = await fatalOf('package-json-invalid');
    expect(fatal.code).toBe('FUNCTIONS_INVALID_METADATA');
    expect(fatal.message).not.toContain(FUNCTION_FIXTURES);
    expect(fatal.message).toMatch(/^package\.json is not valid JSON \(line 4, column 1: .*\); fix it\./);
  });

  it('host.json and package.json with a UTF-8 byte order mark load, as the Functions host reads them', async () => {
    const worker = await startWorker(join(FUNCTION_FIXTURES, 'host-json-bom'));
    try {
      expect((worker.ready.functions as { name: string }[]).map((f) => f.name)).toEqual(['hello']);
    } finally {
      await worker.stop();
    }
  });

  it('host.json and function.json with comments and trailing commas load, as the Functions host reads them', async () => {
    const dir = await writeApp({
      'host.json':
        '{\n  // from func init\n  "version": "2.0",\n  "extensions": { "http": { "routePrefix": "api", }, },\n}\n',
      'hello/function.json':
        '{\n  /* v3 */ "bindings": [\n    { "type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "anonymous", },\n    { "type": "http", "direction": "out", "name": "res" }, // out\n  ],\n}',
      'hello/index.js': "module.exports = async (context) => { context.res = { body: 'hi' }; };\n",
    });
    try {
      const worker = await startWorker(dir);
      try {
        expect((worker.ready.functions as { name: string }[]).map((f) => f.name)).toEqual(['hello']);
      } finally {
        await worker.stop();
      }
      // The settings of a host.json with comments still apply: another routePrefix is refused.
      await writeFileIn(
        dir,
        'host.json',
        '{ "version": "2.0", // v4\n "extensions": { "http": { "routePrefix": "v1" } } }',
      );
      const result = await runFailingWorker(dir);
      expect(result.messages.find((message) => message.type === 'fatal')?.code).toBe(
        'FUNCTIONS_ROUTE_PREFIX',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an API folder that does not exist: says so', async () => {
    const fatal = await fatalOf('no-such-app');
    expect(fatal.code).toBe('FUNCTIONS_APP_DIR_MISSING');
    expect(fatal.message).toBe('The API folder does not exist.');
  });

  it('an invalid configuration argument: fatal with exit code 1', async () => {
    for (const rawConfig of ['', '{nope', JSON.stringify({ appDir: '/x', port: -1 })]) {
      const result = await runFailingWorker('/unused', { rawConfig });
      expect(result.code, rawConfig).toBe(1);
      expect(result.messages[0]).toMatchObject({ type: 'fatal', code: 'FUNCTIONS_WORKER_CONFIG' });
    }
  });
});

describe('worker: a package left out of node_modules (.funcignore, a partial upload)', () => {
  let appDir: string;
  beforeAll(async () => {
    // The app needs "present", which needs "left-out": node_modules holds only "present".
    appDir = await writeApp({
      'package.json': JSON.stringify({ main: 'src/index.js', dependencies: { present: '1.0.0' } }),
      'src/index.js': "require('present');\n",
      'node_modules/present/package.json': JSON.stringify({ name: 'present', main: 'index.js' }),
      'node_modules/present/index.js': "module.exports = require('left-out');\n",
    });
  });
  afterAll(async () => {
    await rm(appDir, { recursive: true, force: true });
  });

  async function fatalIn(dir: string, deployed: boolean): Promise<string> {
    const result = await runFailingWorker(dir, { deployed });
    expect(result.code, result.stderr).toBe(3);
    const fatal = result.messages.find((message) => message.type === 'fatal');
    expect(fatal?.code).toBe('FUNCTIONS_DEPENDENCIES_MISSING');
    return String(fatal?.message);
  }

  it('deployed: names the package and the file that requires it, tells how to deploy again, and no server path', async () => {
    const message = await fatalIn(appDir, true);
    expect(message).toBe(
      `"${join('node_modules', 'present', 'index.js')}" requires the package "left-out", which node_modules does not hold (while loading "${join('src', 'index.js')}"). The deployed node_modules folder is incomplete: check that .funcignore leaves none of it out, then deploy again with node_modules complete, or without node_modules so that Portico installs what package.json lists.`,
    );
    expect(message).not.toContain(appDir);
  });

  it('dev: tells to run npm install in the API folder', async () => {
    expect(await fatalIn(appDir, false)).toContain('Run npm install in the API folder.');
  });

  it('an import the package.json does not list: says to add it, deployed or not', async () => {
    const dir = await writeApp({
      'package.json': JSON.stringify({ main: 'src/index.mjs' }),
      'src/index.mjs': "import 'unlisted-pkg';\n",
      'node_modules/.keep': '',
    });
    try {
      const deployed = await fatalIn(dir, true);
      expect(deployed).toBe(
        `"${join('src', 'index.mjs')}" requires the package "unlisted-pkg", which node_modules does not hold. Add "unlisted-pkg" to "dependencies" in the API's package.json, then deploy again.`,
      );
      expect(await fatalIn(dir, false)).toContain('run npm install unlisted-pkg in the API folder');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a failing entry point: its stack names files within the API folder, never the folder itself', async () => {
    const dir = await writeApp({
      'package.json': JSON.stringify({ main: 'src/index.js' }),
      'src/index.js': "throw new Error('boom');\n",
    });
    try {
      const result = await runFailingWorker(dir, { deployed: true });
      const fatal = result.messages.find((message) => message.type === 'fatal');
      expect(fatal?.code).toBe('FUNCTIONS_ENTRY_POINT_FAILED');
      expect(String(fatal?.message)).toContain(`${join('src', 'index.js')}:1`);
      expect(String(fatal?.message)).not.toContain(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('worker: request body limit', () => {
  let worker: StartedWorker;
  beforeAll(async () => {
    worker = await startWorker(join(FUNCTION_FIXTURES, 'v4-cjs'));
  });
  afterAll(async () => {
    await worker.stop();
  });

  it('answers 413 to a declared body over 100 MB without reading it', async () => {
    const head = await new Promise<string>((resolve, reject) => {
      const socket = connect(worker.port, '127.0.0.1', () => {
        socket.write('POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 104857601\r\n\r\n');
      });
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString();
      });
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    expect(head.startsWith('HTTP/1.1 413')).toBe(true);
  });
});
