/**
 * What the build's bundling steps share (`bundle-vendor.js`, decision 0043; `bundle-worker.js`, decision
 * 0051): loading rolldown, and writing one bundle with its source map in place of a file of dist/.
 */
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** rolldown's `build`; a clear error when the dev dependencies are not installed. */
export async function loadBuild() {
  try {
    return (await import('rolldown')).build;
  } catch {
    throw new Error(
      'rolldown is not installed; it is a dev dependency: run npm install, then npm run build.',
    );
  }
}

/**
 * Bundles `options` (rolldown's input options, `output` its output options) into `target`, with a source
 * map. The bundle is written first in a temporary folder beside the target's, under the target's name and
 * at its depth, so the map's comment and relative paths stay right; `verify(file)` may refuse it there
 * by throwing; then both files are moved into place.
 */
export async function writeBundle(build, { target, options, output, verify }) {
  const work = await mkdtemp(join(dirname(dirname(target)), '.bundle-'));
  try {
    const file = join(work, basename(target));
    await build({ ...options, output: { ...output, file, sourcemap: true } });
    await verify?.(file);
    await rename(`${file}.map`, `${target}.map`);
    await rename(file, target);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
