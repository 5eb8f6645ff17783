/**
 * Build step after `tsc` and `bundle-vendor.js` (decision 0051): bundles the functions worker
 * (`dist/functions-host/worker/main.js`, its modules and the packages they import) into one file beside
 * it, `main.bundle.js`, which the functions host starts. Node then resolves, reads and links one module
 * instead of about forty at every worker start. `main.js` stays tsc's output, so each build bundles the
 * current code. The bundled packages' licence notices head the bundle; the bundled v3 model
 * (`@azure/functions-v3`, loaded only when needed, decision 0050) and Node's modules stay outside.
 *
 *   node scripts/bundle-worker.js      (run by `npm run build`)
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { licenceNoticesOf, loadBuild, writeBundle } from './_rolldown.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKER_DIR = join(ROOT, 'dist', 'functions-host', 'worker');
const INPUT = join(WORKER_DIR, 'main.js');
const OUTPUT = join(WORKER_DIR, 'main.bundle.js');

/** Loaded by the worker at run time from node_modules, never bundled. */
const EXTERNAL = new Set(['@azure/functions-v3']);

/** The banner: what the file is, then the licence notices of the packages among the chunk's modules. */
async function bannerOf(chunk) {
  const notices = await licenceNoticesOf(Object.keys(chunk.modules));
  return [
    '/*! The Portico functions worker (dist/functions-host/worker/main.js and what it imports), bundled by',
    ' * scripts/bundle-worker.js (decision 0051). It includes these packages:',
    '',
    ...notices.flatMap((notice) => [notice, '']),
    '*/',
  ].join('\n');
}

async function main() {
  await writeBundle(await loadBuild(), {
    target: OUTPUT,
    options: {
      input: INPUT,
      platform: 'node',
      treeshake: true,
      logLevel: 'warn',
      external: (id) => id.startsWith('node:') || EXTERNAL.has(id),
    },
    output: { format: 'esm', banner: bannerOf },
  });
}

// A bundle of an earlier build must not outlive a failed one: the host would start stale code.
rm(OUTPUT, { force: true })
  .then(main)
  .catch((error) => {
    console.error(`bundle-worker: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
