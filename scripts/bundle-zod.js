/**
 * Build step after `tsc` (decision 0043): replaces dist/shared/zod.js, which re-exports the parts of zod
 * Portico uses, with one file holding those parts, so a command that reads a config loads one module
 * instead of zod's hundred. The bundle must export exactly the names the re-export had; otherwise the
 * build fails and says so.
 *
 *   node scripts/bundle-zod.js      (run by `npm run build`)
 */
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TARGET = join(ROOT, 'dist', 'shared', 'zod.js');

/** The names a module exports, by importing it (a fresh URL, so two versions of one path both load). */
async function exportsOf(path) {
  const module = await import(`${pathToFileURL(path).href}?names=${Date.now()}`);
  return Object.keys(module).sort();
}

/** The bundle's first lines: what it is, and zod's licence notice, which travels with its code. */
async function bannerOf() {
  const pkg = JSON.parse(await readFile(join(ROOT, 'node_modules', 'zod', 'package.json'), 'utf8'));
  const license = await readFile(join(ROOT, 'node_modules', 'zod', 'LICENSE'), 'utf8');
  return [
    `/*! zod ${pkg.version}, the parts src/shared/zod.ts names, bundled by scripts/bundle-zod.js (decision 0043).`,
    '',
    license.trim().replaceAll('*/', '* /'),
    '*/',
  ].join('\n');
}

async function main() {
  const source = await readFile(TARGET, 'utf8').catch(() => undefined);
  if (source === undefined) {
    throw new Error(`${TARGET} is missing: run tsc first (npm run build runs both).`);
  }
  if (!source.includes("from 'zod'")) {
    console.log('dist/shared/zod.js is already bundled.');
    return;
  }
  const { build } = await import('rolldown');
  const work = await mkdtemp(join(ROOT, 'dist', '.zod-'));
  try {
    const output = join(work, 'zod.js');
    await build({
      input: TARGET,
      platform: 'node',
      treeshake: true,
      logLevel: 'warn',
      output: { file: output, format: 'esm', sourcemap: false, banner: await bannerOf() },
    });
    const [before, after] = [await exportsOf(TARGET), await exportsOf(output)];
    if (before.join() !== after.join()) {
      throw new Error(
        `the bundle of dist/shared/zod.js exports ${after.join(', ')} instead of ${before.join(', ')}.`,
      );
    }
    await rename(output, TARGET);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`bundle-zod: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
