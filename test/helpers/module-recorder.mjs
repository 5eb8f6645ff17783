/**
 * Records every module a Node.js process loads, for test/e2e/cli-modules.test.ts. Load it with
 * `NODE_OPTIONS=--import=<this file's URL>` and PORTICO_MODULE_LOG=<file>: each ES module resolved is
 * appended to the file as it resolves (a loader hook), and every CommonJS module in the require cache
 * (what `createRequire` loaded) when the process exits.
 */
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const log = process.env.PORTICO_MODULE_LOG;
if (log !== undefined && log !== '') {
  register(new URL('./module-recorder-hooks.mjs', import.meta.url), { data: { log } });
  const cache = createRequire(import.meta.url).cache;
  process.once('exit', () => {
    appendFileSync(
      log,
      Object.keys(cache)
        .map((file) => `${file}\n`)
        .join(''),
    );
  });
}
