/**
 * `--log-format json`: a function's log message of several lines (`context.log('line1\nline2')`, the stack
 * of an error it threw) is one JSON record with its line breaks inside the string, since the worker sends
 * each message whole over IPC; what a function writes straight to stdout or stderr is a byte stream
 * without message boundaries and is logged a record per line. Real compiled worker (`npm run build`).
 * @see docs/operations.md ("Server log")
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { closeHosts, openHost, writeApiDir } from '../../test/helpers/functions-host.js';
import { createLogger, withPrefix } from '../shared/logger.js';
import { resolveSandbox } from './sandbox/select.js';
import { defaultWorkerPath } from './sandbox/worker-files.js';

afterEach(closeHosts);

const FUNCTION = `module.exports = async function (context) {
  context.log('line1\\nline2');
  process.stdout.write('raw1\\nraw2\\n');
  throw new Error('boom\\nsecond');
};`;

it('logs a multi-line message of a function as one JSON record, raw output a record per line', async () => {
  const apiDir = await writeApiDir();
  await mkdir(join(apiDir, 'multi'));
  await writeFile(
    join(apiDir, 'multi', 'function.json'),
    JSON.stringify({
      bindings: [
        { type: 'httpTrigger', direction: 'in', name: 'req', authLevel: 'anonymous' },
        { type: 'http', direction: 'out', name: 'res' },
      ],
    }),
  );
  await writeFile(join(apiDir, 'multi', 'index.js'), FUNCTION);
  const written: string[] = [];
  const logger = createLogger({ format: 'json', write: (line) => written.push(line) });
  const host = openHost({
    apiDir,
    workerPath: defaultWorkerPath(),
    logger: withPrefix(logger, 'api shop/production: '),
    sandbox: await resolveSandbox({ choice: 'node' }),
  });
  const { url } = await host.start();
  expect((await fetch(`${url}/api/multi`)).status).toBe(500);
  const messages = () => written.map((line) => (JSON.parse(line) as { msg: string }).msg);
  await expect.poll(() => messages().some((msg) => msg.includes('boom')), { timeout: 20_000 }).toBe(true);
  await expect.poll(() => messages().some((msg) => msg.includes('raw2')), { timeout: 20_000 }).toBe(true);
  expect(written.every((line) => !line.includes('\n'))).toBe(true);
  expect(messages()).toContainEqual(
    expect.stringMatching(/^api shop\/production: \[multi [0-9a-f]{8}\] line1\nline2$/),
  );
  expect(messages()).toContainEqual(
    expect.stringMatching(/^api shop\/production: \[multi [0-9a-f]{8}\] .*Error: boom\nsecond\n {4}at /s),
  );
  expect(messages()).toContain('api shop/production: [api] raw1');
  expect(messages()).toContain('api shop/production: [api] raw2');
});
