/**
 * `portico start --sandbox node`: the developer's worker (real compiled worker, a v3 app with no
 * dependencies) gets the developer's environment without PORTICO_*, its local settings, and the Node
 * floor; stopping it removes its private temp folder. Run `npm run build` first.
 * @see issue 13, items 1 and 2
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { closeHosts, openHost, recordingLogger, writeApiDir } from '../../../test/helpers/functions-host.js';
import { resolveSandbox } from './select.js';
import { defaultWorkerPath } from './worker-files.js';

afterEach(closeHosts);

const HANDLER = `
const fs = require('node:fs');
const os = require('node:os');
module.exports = async function (context) {
  let secret;
  try { secret = fs.readFileSync('/etc/passwd', 'utf8'); } catch (error) { secret = error.code; }
  context.res = { body: JSON.stringify({
    local: process.env.FROM_LOCAL ?? null,
    dev: process.env.DEV_VARIABLE ?? null,
    portico: Object.keys(process.env).filter((name) => name.startsWith('PORTICO_')),
    tmpdir: os.tmpdir(),
    secret,
  }) };
};`;

it('runs the developer’s functions under the Node floor with their environment minus PORTICO_*', async () => {
  const apiDir = await writeApiDir({
    'local.settings.json': JSON.stringify({ Values: { FROM_LOCAL: 'local value' } }),
  });
  await mkdir(join(apiDir, 'probe'));
  await writeFile(
    join(apiDir, 'probe', 'function.json'),
    JSON.stringify({
      bindings: [
        { type: 'httpTrigger', direction: 'in', name: 'req', authLevel: 'anonymous' },
        { type: 'http', direction: 'out', name: 'res' },
      ],
    }),
  );
  await writeFile(join(apiDir, 'probe', 'index.js'), HANDLER);
  const host = openHost({
    apiDir,
    workerPath: defaultWorkerPath(),
    useLocalSettings: true,
    logger: recordingLogger(),
    sandbox: await resolveSandbox({ choice: 'node' }),
    baseEnv: { PATH: process.env.PATH, DEV_VARIABLE: 'mine', PORTICO_ADMIN_TOKEN: 'server secret' },
  });
  const { url } = await host.start();
  const body = (await (await fetch(`${url}/api/probe`)).json()) as Record<string, unknown>;
  expect(body).toMatchObject({ local: 'local value', dev: 'mine', portico: [], secret: 'ERR_ACCESS_DENIED' });
  expect(existsSync(String(body.tmpdir))).toBe(true);
  await host.close();
  expect(existsSync(String(body.tmpdir))).toBe(false);
});
