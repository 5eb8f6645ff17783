/**
 * npm's homes (`<data>/cache/npm/<hash>`): one per distinct API `.npmrc` (none is one too), each with npm's
 * cache, so a cache filled with one site's registry credentials serves only installs that hold the same
 * credentials. A home no API that serves needs is removed with the node's other unused local folders.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ControlContext } from './context.js';

function npmHomesRoot(ctx: ControlContext): string {
  return join(ctx.workDir, 'npm');
}

async function homeNameOf(apiDir: string): Promise<string> {
  const npmrc = await readFile(join(apiDir, '.npmrc'), 'utf8').catch(() => '');
  return createHash('sha256').update(npmrc).digest('hex').slice(0, 32);
}

/** npm's home for installing the API in `apiDir`, by its `.npmrc`. */
export async function npmHomeOf(ctx: ControlContext, apiDir: string): Promise<string> {
  return join(npmHomesRoot(ctx), await homeNameOf(apiDir));
}

/**
 * Removes the npm homes that none of `apiDirs` (the API folders this node serves) would install with;
 * with `madeBefore` (ms since the epoch), only those an install last used before then (an install
 * touches its home when it starts).
 */
export async function pruneNpmHomes(
  ctx: ControlContext,
  apiDirs: Iterable<string>,
  madeBefore: number | undefined,
): Promise<void> {
  const root = npmHomesRoot(ctx);
  const names = await readdir(root).catch(() => [] as string[]);
  if (names.length === 0) {
    return;
  }
  const kept = new Set(await Promise.all([...apiDirs].map((dir) => homeNameOf(dir))));
  for (const name of names) {
    const path = join(root, name);
    const used = madeBefore === undefined ? undefined : (await stat(path).catch(() => undefined))?.mtimeMs;
    if (!kept.has(name) && (madeBefore === undefined || (used !== undefined && used < madeBefore))) {
      await rm(path, { recursive: true, force: true });
    }
  }
}
