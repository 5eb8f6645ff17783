/**
 * The files of Portico a sandboxed worker reads: its own compiled code, Portico's package.json (which makes
 * `.js` ES modules) and the packages the worker imports at run time with their dependencies. Never the
 * whole install folder: `portico serve --data ./.portico` run from a checkout keeps its data there.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRecord } from '../../shared/guards.js';
import { parseJsonText } from '../../shared/json-text.js';

/** Packages `worker/` imports at run time (keep in step with its imports; the sandbox tests load them). */
export const WORKER_PACKAGES: readonly string[] = ['zod', 'tinyglobby', '@azure/functions-v3'];

/**
 * The compiled worker: `dist/functions-host/worker/main.bundle.js`, the build's one-file bundle of it
 * (decision 0051), else `main.js` beside it (a build that ran tsc alone). When this module runs from its
 * TypeScript source (tests), the worker is the compiled copy in `dist/` (run `npm run build`): the worker
 * runs user code in a plain `node` child, which cannot load `.ts` files.
 */
export function defaultWorkerPath(): string {
  const here = fileURLToPath(new URL('../worker/main.js', import.meta.url));
  const main = existsSync(here)
    ? here
    : here.replace(`${sep}src${sep}functions-host${sep}`, `${sep}dist${sep}functions-host${sep}`);
  const bundle = join(dirname(main), 'main.bundle.js');
  return existsSync(bundle) ? bundle : main;
}

/** Absolute paths (folders and files) the worker at `workerPath` needs to read. */
export async function resolveWorkerFiles(workerPath: string): Promise<string[]> {
  const workerDir = dirname(workerPath);
  const distDir = dirname(dirname(workerDir));
  const root = dirname(distDir);
  const packages = await resolvePackages(root, WORKER_PACKAGES);
  const files = [workerDir, join(distDir, 'shared'), join(root, 'package.json'), ...packages];
  const present = await Promise.all(files.map(exists));
  return files.filter((_, index) => present[index]);
}

/** The folders of `names` and of everything they depend on, as Node would find them from `from`. */
async function resolvePackages(from: string, names: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  const queue = names.map((name) => ({ name, from }));
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const folder = await findPackage(next.from, next.name);
    if (folder === undefined || found.has(folder)) {
      continue;
    }
    found.add(folder);
    for (const dependency of await dependenciesOf(folder)) {
      queue.push({ name: dependency, from: folder });
    }
  }
  return [...found];
}

/** `<dir>/node_modules/<name>` of the nearest `dir` at or above `from`, as Node's resolution walks. */
async function findPackage(from: string, name: string): Promise<string | undefined> {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', ...name.split('/'));
    if (await exists(join(candidate, 'package.json'))) {
      return candidate;
    }
    if (dirname(dir) === dir) {
      return undefined;
    }
  }
}

async function dependenciesOf(folder: string): Promise<string[]> {
  const text = await readFile(join(folder, 'package.json'), 'utf8').catch(() => '{}');
  const parsed = parseJsonText(text);
  const pkg = (parsed.ok && isRecord(parsed.value) ? parsed.value : {}) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(pkg.dependencies ?? {});
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
