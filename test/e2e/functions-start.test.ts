/** `portico functions start` as a user runs it (CONTRACT §2): ready line, function list, settings, signals. */
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventually, send } from '../helpers/app.js';
import { runCli, startCli } from '../helpers/cli.js';
import { writeApiDir } from '../helpers/functions-host.js';

const AZURE_FUNCTIONS = fileURLToPath(new URL('../../node_modules/@azure/functions', import.meta.url));

/** A v4 app using the repository's copy of `@azure/functions` (a symlink, as after `npm install`). */
async function writeV4App(): Promise<string> {
  const dir = await writeApiDir({
    'package.json': JSON.stringify({ name: 'api', main: 'index.js' }),
    'local.settings.json': JSON.stringify({ Values: { GREETING: 'hello' } }),
    'index.js': [
      "const { app } = require('@azure/functions');",
      "app.http('hello', { methods: ['GET', 'POST'], authLevel: 'anonymous',",
      "  handler: async (req) => ({ body: process.env.GREETING + ' ' + req.query.get('name') }) });",
    ].join('\n'),
  });
  await mkdir(join(dir, 'node_modules', '@azure'), { recursive: true });
  await symlink(AZURE_FUNCTIONS, join(dir, 'node_modules', '@azure', 'functions'), 'dir');
  return dir;
}

describe('portico functions start', () => {
  it('serves a v4 app under /api with its local settings, lists its functions and stops on SIGTERM', async () => {
    const dir = await writeV4App();
    const cli = await startCli(['functions', 'start', dir, '--port', '0']);
    try {
      expect(cli.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await eventually(async () => cli.stdout().includes('  GET,POST /api/hello → hello\n'));
      expect((await send(`${cli.url}/api/hello?name=you`)).text).toBe('hello you');
    } finally {
      expect(await cli.stop()).toBe(0);
      await rm(dir, { recursive: true, force: true });
    }
    await expect(send(`${cli.url}/api/hello`)).rejects.toThrow();
  });

  it("gives the worker's Node.js the options of languageWorkers__node__arguments, to debug the app", async () => {
    const dir = await writeV4App();
    const env = { ...process.env, languageWorkers__node__arguments: '--inspect=127.0.0.1:0' };
    const cli = await startCli(['functions', 'start', dir, '--port', '0'], undefined, { env });
    try {
      expect((await send(`${cli.url}/api/hello?name=you`)).text).toBe('hello you');
      expect(cli.stderr()).toContain('the worker runs Node.js with --inspect=127.0.0.1:0');
      await eventually(async () => cli.stderr().includes('[api] Debugger listening on ws://127.0.0.1:'));
    } finally {
      expect(await cli.stop()).toBe(0);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each(['--max-memory', '--api-max-memory'])(
    "limits the worker's heap with %s (portico start's spelling works too)",
    async (flag) => {
      const dir = await writeV4App();
      await writeFile(
        join(dir, 'index.js'),
        [
          "const { app } = require('@azure/functions');",
          "app.http('heap', { methods: ['GET'], authLevel: 'anonymous',",
          "  handler: async () => ({ body: String(require('node:v8').getHeapStatistics().heap_size_limit) }) });",
        ].join('\n'),
      );
      const cli = await startCli(['functions', 'start', dir, '--port', '0', flag, '128']);
      try {
        const limitMb = Number((await send(`${cli.url}/api/heap`)).text) / 2 ** 20;
        expect(limitMb).toBeGreaterThanOrEqual(128);
        expect(limitMb).toBeLessThan(256);
      } finally {
        expect(await cli.stop()).toBe(0);
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('says at once that its port is taken, and how to fix it (exit 1)', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    const dir = await writeApiDir();
    try {
      const result = await runCli(['functions', 'start', dir, '--port', String(port)]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `portico: Port ${port} on 127.0.0.1 is already in use, so the Functions app cannot listen there. Stop the program that holds it (another portico functions start, or func start?) or choose another port with --port <number>.`,
      );
    } finally {
      holder.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('explains a folder that is not a Functions app and exits non-zero', async () => {
    const result = await runCli(['functions', 'start', '/nonexistent/api', '--port', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('portico: the API folder /nonexistent/api does not exist');
    expect(result.stdout).not.toMatch(/http:\/\//);
  });

  it('reports invalid local.settings.json before starting anything', async () => {
    // A trailing comma is fine, as Core Tools reads the file (decision 0105); a missing comma is not.
    const dir = await writeApiDir({ 'local.settings.json': '{ "Values": { "A": 1, } "Host": {} }' });
    try {
      const result = await runCli(['functions', 'start', dir, '--port', '0']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('local.settings.json:1:');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
