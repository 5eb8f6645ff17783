/**
 * A function's very long log line, through the real compiled worker and the host: the worker cuts it to
 * one message's size, the host to one log line's, and the line says how many characters were not shown
 * in all. Run `npm run build` first.
 * @see the tester's report: `console.log('y'.repeat(2_000_000))` said `(253989 more characters)`
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { closeHosts, openHost, recordingLogger, writeApiDir } from '../../test/helpers/functions-host.js';
import { MAX_LOG_LINE_CHARS } from './_logs.js';
import { resolveSandbox } from './sandbox/select.js';
import { defaultWorkerPath } from './sandbox/worker-files.js';

afterEach(closeHosts);

const LENGTH = 2_000_000;

it('says how many characters of a very long log line were not shown, counting the worker’s cut', async () => {
  const apiDir = await writeApiDir();
  await mkdir(join(apiDir, 'shout'));
  await writeFile(
    join(apiDir, 'shout', 'function.json'),
    JSON.stringify({
      bindings: [
        { type: 'httpTrigger', direction: 'in', name: 'req', authLevel: 'anonymous' },
        { type: 'http', direction: 'out', name: 'res' },
      ],
    }),
  );
  await writeFile(
    join(apiDir, 'shout', 'index.js'),
    `module.exports = async function (context) { console.log('y'.repeat(${LENGTH})); context.res = { body: 'ok' }; };`,
  );
  const logger = recordingLogger();
  const host = openHost({
    apiDir,
    workerPath: defaultWorkerPath(),
    logger,
    sandbox: await resolveSandbox({ choice: 'node' }),
  });
  const { url } = await host.start();
  expect((await fetch(`${url}/api/shout`)).status).toBe(200);
  await expect
    .poll(() => logger.lines.find((line) => line.includes('yyyy')), { timeout: 20_000 })
    .toMatch(
      new RegExp(
        `^info: \\[shout [0-9a-f]{8}\\] y{${MAX_LOG_LINE_CHARS}}… \\(${LENGTH - MAX_LOG_LINE_CHARS} more characters\\)$`,
      ),
    );
});
