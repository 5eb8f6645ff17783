/**
 * What the build's bundling steps share (`bundle-vendor.js`, decision 0043; `bundle-worker.js`, decision
 * 0051): loading rolldown, writing one bundle with its source map in place of a file of dist/, and the
 * licence notices of the packages a bundle holds.
 */
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

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

/** `<name>` or `@scope/<name>` of a module path inside node_modules, else undefined. */
function packageOf(moduleId) {
  const marker = `${sep}node_modules${sep}`;
  const index = moduleId.lastIndexOf(marker);
  if (index === -1) {
    return undefined;
  }
  const parts = moduleId.slice(index + marker.length).split(sep);
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/**
 * The licence notice of each package among a bundle's modules (`chunk.modules`' ids), `<name> <version>:`
 * then its LICENSE; Portico's own modules carry none. A package without a LICENSE file fails the build.
 */
export async function licenceNoticesOf(moduleIds) {
  const names = [...new Set(moduleIds.map(packageOf).filter((name) => name !== undefined))].sort();
  const notices = [];
  for (const name of names) {
    const folder = join(ROOT, 'node_modules', ...name.split('/'));
    const { version } = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8'));
    const license = await readFile(join(folder, 'LICENSE'), 'utf8').catch(() => {
      throw new Error(`${name} has no LICENSE file to carry into the bundle.`);
    });
    notices.push(`${name} ${version}:\n\n${license.trim().replaceAll('*/', '* /')}`);
  }
  return notices;
}
