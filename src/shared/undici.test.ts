/**
 * The undici parts Portico loads by path (decision 0045) are the package's own: the same classes and
 * functions its entry point exports, so an upgrade of undici that moves one fails here first.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as Undici from 'undici';
import { describe, expect, it } from 'vitest';
import { undici } from './undici.js';

describe('undici parts', () => {
  it('are the objects the package exports', () => {
    const parts = undici();
    expect(parts.Pool).toBe(Undici.Pool);
    expect(parts.Agent).toBe(Undici.Agent);
    expect(parts.buildConnector).toBe(Undici.buildConnector);
    expect(parts.errors).toBe(Undici.errors);
    expect(parts.util.parseHeaders).toBe(Undici.util.parseHeaders);
  });

  it('give a pool its request method without the package entry point being loaded', async () => {
    // A fresh process on the built module: in this one, the import above has loaded the entry point.
    const built = fileURLToPath(new URL('../../dist/shared/undici.js', import.meta.url));
    const script = `
      import { createServer } from 'node:http';
      import { createRequire } from 'node:module';
      import { undici } from ${JSON.stringify(built)};
      const server = createServer((req, res) => res.end('pong')).listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      const pool = new (undici().Pool)('http://127.0.0.1:' + server.address().port);
      const answer = await pool.request({ path: '/', method: 'GET' });
      const body = await answer.body.text();
      await pool.close();
      server.close();
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({ status: answer.statusCode, body, entryPoint: loaded.some((path) => path.endsWith('/undici/index.js')) }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
    expect(JSON.parse(stdout)).toEqual({ status: 200, body: 'pong', entryPoint: false });
  });
});
