/**
 * The node_modules of a deployed API that came without them: installed once per distinct package.json,
 * lockfile, `.npmrc` and Node.js version, then remembered in the database (the files are blobs), so an
 * unchanged API deploys again without npm, on every node of the service.
 */

import { ingestFolder, writeFiles } from './content.js';
import type { ControlContext } from './context.js';
import { installDependencies, planInstall } from './install.js';
import type { ManifestFile } from './manifest.js';
import { npmHomeOf } from './npm-homes.js';

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
  where = `the API at ${apiDir}`,
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
  const installed = await installDependencies(apiDir, {
    onLine,
    homeDir: await npmHomeOf(ctx, apiDir),
    ...(ctx.confine === undefined ? {} : { confine: ctx.confine }),
    onOperatorProblem: (cause) => ctx.logger.warn(`npm install for ${where} failed: ${cause}`),
  });
  // Storing many small files takes a while: the deployer sees why nothing moves.
  const storing = 'Storing the installed node_modules (kept for later deploys with the same dependencies)…';
  onLine(storing);
  const files = await ingestFolder(ctx, apiDir, 'node_modules');
  const stored = `Stored ${files.length} node_modules files.`;
  onLine(stored);
  const log = `${installed.log}${storing}\n${stored}\n`;
  await rememberInstall(ctx, plan.key, files, log);
  return { files, log };
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
