/**
 * The node_modules of a deployed API that came without them: installed once per distinct package.json,
 * lockfile, `.npmrc` and Node.js version, then remembered in the database (the files are blobs), so an
 * unchanged API deploys again without npm, on every node of the service.
 */

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ingestFolder, writeFiles } from './content.js';
import type { ControlContext } from './context.js';
import { installDependencies, planInstall } from './install.js';
import type { ManifestFile } from './manifest.js';

/** The modules an API gets and the log that says where they came from. */
export interface ApiModules {
  readonly files: readonly ManifestFile[];
  readonly log: string;
}

/**
 * The node_modules files `apiDir` needs (`undefined` when it needs none: no dependencies, or it brought
 * its own), from an earlier identical install when every one of its contents is still stored, else from
 * `npm install` (user errors as {@link installDependencies}). `onLine` gets the log's lines as they come.
 */
export async function resolveApiModules(
  ctx: ControlContext,
  apiDir: string,
  onLine: (line: string) => void = () => undefined,
): Promise<ApiModules | undefined> {
  const plan = await planInstall(apiDir);
  if (plan === undefined) {
    return undefined;
  }
  const remembered = await findInstall(ctx, plan.key);
  if (remembered !== undefined) {
    onLine(remembered.log.trimEnd());
    await writeFiles(ctx, apiDir, remembered.files);
    return remembered;
  }
  const { log } = await installDependencies(apiDir, {
    onLine,
    homeDir: await npmHomeOf(ctx, apiDir),
    ...(ctx.confine === undefined ? {} : { confine: ctx.confine }),
  });
  const files = await ingestFolder(ctx, apiDir, 'node_modules');
  await rememberInstall(ctx, plan.key, files, log);
  return { files, log };
}

/**
 * npm's home for an install: one per `.npmrc` content (none is one too), so a cache filled with one
 * site's registry credentials serves only installs that hold the same credentials.
 */
async function npmHomeOf(ctx: ControlContext, apiDir: string): Promise<string> {
  const npmrc = await readFile(join(apiDir, '.npmrc'), 'utf8').catch(() => '');
  return join(ctx.workDir, 'npm', createHash('sha256').update(npmrc).digest('hex').slice(0, 32));
}

async function findInstall(ctx: ControlContext, key: string): Promise<ApiModules | undefined> {
  const row = await ctx.db
    .selectFrom('dependency_installs')
    .select(['files', 'created_at'])
    .where('key', '=', key)
    .executeTakeFirst();
  if (row === undefined) {
    return undefined;
  }
  const files = JSON.parse(row.files) as ManifestFile[];
  // Asking for them also marks them used, so the sweep keeps them while deployments reuse them.
  if ((await ctx.blobs.missing(files.map((file) => file.sha256))).length > 0) {
    return undefined;
  }
  return {
    files,
    log: `Dependencies unchanged since the install of ${row.created_at} (same package.json, lockfile, .npmrc and Node.js ${process.version}): its ${files.length} node_modules files were reused without running npm.\n`,
  };
}

async function rememberInstall(
  ctx: ControlContext,
  key: string,
  files: readonly ManifestFile[],
  log: string,
): Promise<void> {
  const values = { key, files: JSON.stringify(files), log, created_at: ctx.now().toISOString() };
  await ctx.db
    .insertInto('dependency_installs')
    .values(values)
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({ files: values.files, log, created_at: values.created_at }),
    )
    .execute();
}
