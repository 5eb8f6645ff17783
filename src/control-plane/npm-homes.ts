/**
 * npm's homes (`<data>/cache/npm/<hash>`): one per distinct API `.npmrc` (none is one too), each with npm's
 * cache, so a cache filled with one site's registry credentials serves only installs that hold the same
 * credentials. A home no API that serves needs is removed with the node's other unused local folders
 * (`content.ts` `pruneLocalDeployments`).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ControlContext } from './context.js';

/** The folder holding every npm home. */
export function npmHomesRoot(ctx: ControlContext): string {
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

/** The names of the homes `apiDirs` (the API folders this node serves) install with: those a prune keeps. */
export async function npmHomeNames(apiDirs: Iterable<string>): Promise<ReadonlySet<string>> {
  return new Set(await Promise.all([...apiDirs].map((dir) => homeNameOf(dir))));
}
