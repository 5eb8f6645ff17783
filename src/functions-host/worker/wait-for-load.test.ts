/**
 * A worker started with `waitForLoad` (decision 0056): it boots, reads nothing of the app until its parent
 * sends `load`, then loads the app as any worker does. Runs the compiled worker (`npm run build`).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type StartedWorker, startWorker } from '../../../test/helpers/functions-worker.js';

/** A v3 app of one anonymous GET function, `hello`, that needs no package. */
async function writeV3App(appDir: string, body: string): Promise<void> {
  await mkdir(join(appDir, 'hello'), { recursive: true });
  await writeFile(join(appDir, 'host.json'), JSON.stringify({ version: '2.0' }));
  await writeFile(
    join(appDir, 'hello', 'function.json'),
    JSON.stringify({
      bindings: [
        { authLevel: 'anonymous', type: 'httpTrigger', direction: 'in', name: 'req', methods: ['get'] },
        { type: 'http', direction: 'out', name: '$return' },
      ],
    }),
  );
  await writeFile(
    join(appDir, 'hello', 'index.js'),
    `module.exports = async () => ({ body: ${JSON.stringify(body)} });\n`,
  );
}

describe('worker: waitForLoad', () => {
  let root: string | undefined;
  let worker: StartedWorker | undefined;
  afterEach(async () => {
    await worker?.stop();
    if (root !== undefined) {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('reads the app only once told to load it: a folder written after the start is the one served', async () => {
    root = await mkdtemp(join(tmpdir(), 'portico-wait-for-load-'));
    const appDir = join(root, 'api');
    // The folder does not exist yet: a worker that read it at start would fail with "does not exist".
    worker = await startWorker(appDir, { beforeLoad: () => writeV3App(appDir, 'written after the start') });
    expect(worker.ready.functions).toEqual([
      { name: 'hello', methods: ['GET'], route: 'hello', authLevel: 'anonymous' },
    ]);
    const response = await request(`${worker.url}/api/hello`);
    expect(await response.body.text()).toBe('written after the start');
  });
});
