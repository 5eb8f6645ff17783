/**
 * A server killed outright (kill -9, the OOM killer) cannot remove its workers' temp folders: the next
 * start removes them and says so, and leaves those of a server still running. Built CLI, `portico start
 * --sandbox node` (a worker's temp folder on the host's disk); run `npm run build` first.
 * @see decision 0113
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCli, startCli, timeoutFor } from '../helpers/cli.js';

const WRITE = `
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
module.exports = async function (context) {
  const file = path.join(os.tmpdir(), 'left-behind');
  fs.writeFileSync(file, 'x'.repeat(1024));
  context.res = { body: file };
};`;

let root: string;
const running: RunningCli[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'portico-stale-e2e-'));
  await mkdir(join(root, 'app'));
  await writeFile(join(root, 'app', 'index.html'), '<h1>app</h1>');
  await mkdir(join(root, 'api', 'write'), { recursive: true });
  await writeFile(join(root, 'api', 'host.json'), '{ "version": "2.0" }');
  await writeFile(
    join(root, 'api', 'write', 'function.json'),
    JSON.stringify({
      bindings: [
        { type: 'httpTrigger', direction: 'in', name: 'req', authLevel: 'anonymous' },
        { type: 'http', direction: 'out', name: 'res' },
      ],
    }),
  );
  await writeFile(join(root, 'api', 'write', 'index.js'), WRITE);
});

afterAll(async () => {
  await Promise.all(running.map((cli) => cli.stop()));
  await rm(root, { recursive: true, force: true });
});

async function start(): Promise<RunningCli> {
  const cli = await startCli([
    'start',
    join(root, 'app'),
    '--api',
    join(root, 'api'),
    '--sandbox',
    'node',
    '--port',
    '0',
  ]);
  running.push(cli);
  return cli;
}

/** The file the worker wrote in its temp folder, on the host. */
async function writeTempFile(cli: RunningCli): Promise<string> {
  const response = await fetch(`${cli.url}/api/write`);
  expect(response.status).toBe(200);
  return response.text();
}

describe('temp folders left by a server that was killed', () => {
  it(
    'are removed by the next start, which logs them; a running server’s stay',
    async () => {
      const alive = await start();
      const aliveFile = await writeTempFile(alive);
      const killed = await start();
      const killedFile = await writeTempFile(killed);
      await killed.stop('SIGKILL');
      // What the issue saw: nothing removes the folder of a server killed outright.
      expect(existsSync(killedFile)).toBe(true);
      const killedFolder = dirname(dirname(killedFile));
      expect(killedFolder).toMatch(new RegExp(`/portico-fn-${killed.child.pid}\\.\\d+-\\w{6}$`));

      const next = await start();
      expect(next.stderr()).toContain(
        `functions: removed ${killedFolder}, a worker's private folder left by process ${killed.child.pid}, which is gone`,
      );
      expect(existsSync(killedFolder)).toBe(false);
      expect(existsSync(aliveFile)).toBe(true);
      expect(next.stderr()).not.toContain(dirname(dirname(aliveFile)));
    },
    timeoutFor(3),
  );
});
