/**
 * Build step after `tsc` (decision 0043): replaces each module of dist/ that re-exports the parts of a
 * package Portico uses (zod, Kysely: both ship as hundreds of ES modules written for bundlers;
 * prom-client: CommonJS modules and the OpenTelemetry API) with one file holding those parts, so a
 * process loads one module instead of the package's many. A bundle must export exactly the names its
 * re-export had; otherwise the build fails and says which. Each bundle has a source map into the
 * packages' own files, and the licence notices of the packages it holds.
 *
 *   node scripts/bundle-vendor.js      (run by `npm run build`)
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { licenceNoticesOf, loadBuild, writeBundle } from './_rolldown.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The re-exporting modules of dist/ and the package each one bundles. */
const VENDORED = [
  { module: 'shared/zod.js', packageName: 'zod' },
  { module: 'shared/kysely.js', packageName: 'kysely' },
  { module: 'shared/prom-client.js', packageName: 'prom-client' },
];

/** The names a module exports, by importing it (a fresh URL, so two versions of one path both load). */
async function exportsOf(path) {
  const module = await import(`${pathToFileURL(path).href}?names=${Date.now()}`);
  return Object.keys(module).sort();
}

/**
 * The bundle's first lines: what it is, then the licence notices of the packages among its modules (the
 * package's own, and those of its dependencies, which travel with their code). Starts with `/*! `, which
 * marks a file of dist/ as bundled.
 */
function bannerOf({ module, packageName }) {
  const source = `src/${module.replace(/\.js$/, '.ts')}`;
  return async (chunk) => {
    const notices = await licenceNoticesOf(Object.keys(chunk.modules));
    return [
      `/*! ${packageName}, the parts ${source} names, bundled by scripts/bundle-vendor.js (decision 0043).`,
      ' * It includes these packages:',
      '',
      ...notices.flatMap((notice) => [notice, '']),
      '*/',
    ].join('\n');
  };
}

async function bundle(vendored, build) {
  const target = join(ROOT, 'dist', vendored.module);
  const text = await readFile(target, 'utf8').catch(() => undefined);
  if (text === undefined) {
    throw new Error(`${target} is missing: run tsc first (npm run build runs both).`);
  }
  if (text.startsWith('/*! ')) {
    return; // bundled by an earlier run: tsc rewrites the file only when it builds again
  }
  // The map replaces tsc's, which described the re-export: stack frames point into the package's files.
  await writeBundle(build, {
    target,
    options: { input: target, platform: 'node', treeshake: true, logLevel: 'warn' },
    output: { format: 'esm', banner: bannerOf(vendored) },
    verify: async (output) => {
      const [before, after] = [await exportsOf(target), await exportsOf(output)];
      if (before.join() !== after.join()) {
        throw new Error(
          `the bundle of dist/${vendored.module} exports ${after.join(', ')} instead of ${before.join(', ')}.`,
        );
      }
    },
  });
}

async function main() {
  const build = await loadBuild();
  for (const vendored of VENDORED) {
    await bundle(vendored, build);
  }
}

main().catch((error) => {
  console.error(`bundle-vendor: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
