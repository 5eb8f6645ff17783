/**
 * Apps that cannot start: the worker sends one `fatal` message that says what to do and exits with
 * code 3 (issue 3, "Clear errors for common mistakes"). Needs `npm run build` first.
 */
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('a missing package: says to run npm install in the API folder', async () => {
    const fatal = await fatalOf('deps-missing');
    expect(fatal.code).toBe('FUNCTIONS_DEPENDENCIES_MISSING');
    expect(fatal.message).toContain(join(FUNCTION_FIXTURES, 'deps-missing'));
    expect(fatal.message).toContain('run npm install there');
    expect(fatal.message).toContain('"portico-fixture-not-installed"');
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
    expect(fatal.message).toContain(join(FUNCTION_FIXTURES, 'package-json-invalid', 'package.json'));
    expect(fatal.message).toMatch(/is not valid JSON \(line 4, column 1: .*\); fix it\./);
  });

  it('host.json and package.json with a UTF-8 byte order mark load, as the Functions host reads them', async () => {
    const worker = await startWorker(join(FUNCTION_FIXTURES, 'host-json-bom'));
    try {
      expect((worker.ready.functions as { name: string }[]).map((f) => f.name)).toEqual(['hello']);
    } finally {
      await worker.stop();
    }
  });

  it('an API folder that does not exist: says so', async () => {
    const fatal = await fatalOf('no-such-app');
    expect(fatal.code).toBe('FUNCTIONS_APP_DIR_MISSING');
    expect(fatal.message).toContain('no-such-app');
  });

  it('an invalid configuration argument: fatal with exit code 1', async () => {
    for (const rawConfig of ['', '{nope', JSON.stringify({ appDir: '/x', port: -1 })]) {
      const result = await runFailingWorker('/unused', { rawConfig });
      expect(result.code, rawConfig).toBe(1);
      expect(result.messages[0]).toMatchObject({ type: 'fatal', code: 'FUNCTIONS_WORKER_CONFIG' });
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
