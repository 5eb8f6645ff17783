/**
 * Deployed content on this node's disk: a deployment's files are written from the blob store into
 * `<workDir>/deployments/<id>/{app,api}` once (built in a temporary folder and renamed into place, so a
 * half-written folder is never used), and served from there. An environment's managed API runs from
 * `<workDir>/api-contents/<key>`, one folder per site and API content, so deployments that change only
 * static files keep the folder, and the worker, of the API they share (decision 0047).
 */
import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PorticoError } from '../shared/errors.js';
import { sha256Hex } from '../shared/hash.js';
import { makePrivateDir } from '../shared/private-fs.js';
import { clip } from '../shared/quote.js';
import type { ControlContext } from './context.js';
import { type Manifest, type ManifestFile, manifestHashes } from './manifest.js';
import { npmHomeNames, npmHomesRoot } from './npm-homes.js';
import { UPLOAD_EXPIRY_MS, unusedContentGraceOf } from './uploads.js';

/** The folders of a materialised deployment. */
export interface DeploymentFolders {
  readonly appDir: string;
  readonly apiDir?: string;
}

/** Where deployment `id` lives (or will live) on this node. */
export function deploymentFolder(ctx: ControlContext, id: string): string {
  return join(ctx.workDir, 'deployments', id);
}

function foldersOf(root: string, manifest: Manifest): DeploymentFolders {
  return manifest.api === undefined
    ? { appDir: join(root, 'app') }
    : { appDir: join(root, 'app'), apiDir: join(root, 'api') };
}

/** The folder of a site's API content on this node: named by the site and the API's files (path and SHA-256). */
function apiContentFolder(ctx: ControlContext, owner: string, api: readonly ManifestFile[]): string {
  const lines = api.map((file) => `${file.path}\0${file.sha256}`).sort();
  return join(apiContentsRoot(ctx), sha256Hex(`${owner}\n${lines.join('\n')}`));
}

function apiContentsRoot(ctx: ControlContext): string {
  return join(ctx.workDir, 'api-contents');
}

/**
 * Writes a deployment's files to this node's disk like {@link materializeDeployment}, with its API in the
 * folder `owner`'s deployments of the same API content share ({@link apiContentFolder}): the API the
 * deployment's own folder holds after its commit is moved there, or, when another deployment put it there
 * first, left where it is; without either, it is written from the blob store.
 */
export async function materializeWithSharedApi(
  ctx: ControlContext,
  id: string,
  manifest: Manifest,
  owner: string,
): Promise<DeploymentFolders> {
  if (manifest.api === undefined) {
    return materializeDeployment(ctx, id, manifest);
  }
  const { appDir } = await materializeDeployment(ctx, id, { app: manifest.app });
  const apiDir = apiContentFolder(ctx, owner, manifest.api);
  if (!(await exists(apiDir))) {
    await placeApi(ctx, join(deploymentFolder(ctx, id), 'api'), apiDir, manifest.api);
  }
  return { appDir, apiDir };
}

/** Moves a deployment's own API folder to `apiDir`, or writes `apiDir` from the blob store without one. */
async function placeApi(
  ctx: ControlContext,
  own: string,
  apiDir: string,
  api: readonly ManifestFile[],
): Promise<void> {
  await makePrivateDir(apiContentsRoot(ctx));
  if (await exists(own)) {
    const moved = await rename(own, apiDir).then(
      () => true,
      () => false,
    );
    if (moved || (await exists(apiDir))) {
      return;
    }
  }
  const staging = `${apiDir}.${randomUUID()}.tmp`;
  try {
    await writeFiles(ctx, staging, api);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  await publishFolder(staging, apiDir);
}

/** Writes a deployment's files to this node's disk unless they are there already. */
export async function materializeDeployment(
  ctx: ControlContext,
  id: string,
  manifest: Manifest,
): Promise<DeploymentFolders> {
  const root = deploymentFolder(ctx, id);
  if (await exists(root)) {
    return foldersOf(root, manifest);
  }
  const staging = await stageDeployment(ctx, id, manifest);
  await publishFolder(staging, root);
  return foldersOf(root, manifest);
}

/** Writes a deployment into a new temporary folder and returns it (the caller publishes or removes it). */
export async function stageDeployment(ctx: ControlContext, id: string, manifest: Manifest): Promise<string> {
  const staging = join(ctx.workDir, 'deployments', `.${id}.${randomUUID()}.tmp`);
  try {
    await writeFiles(ctx, join(staging, 'app'), manifest.app);
    if (manifest.api !== undefined) {
      await writeFiles(ctx, join(staging, 'api'), manifest.api);
    }
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return staging;
}

/** Renames a staged folder into place; when another writer got there first, keeps theirs. */
export async function publishFolder(staging: string, root: string): Promise<void> {
  await rename(staging, root).catch(async (error: NodeJS.ErrnoException) => {
    await rm(staging, { recursive: true, force: true });
    if (!(await exists(root))) {
      throw error;
    }
  });
}

/** Writes manifest files from the blob store under `dir` (eight at a time). */
export async function writeFiles(
  ctx: ControlContext,
  dir: string,
  files: readonly ManifestFile[],
): Promise<void> {
  const queue = [...files];
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const path = file.path;
      await ctx.blobs.copyTo(file.sha256, join(dir, ...path.split('/'))).catch((error: unknown) => {
        throw collision(error, path);
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/**
 * The manifest check refuses `a` beside `a/b`; a file system that folds case (`A` beside `a/b`) can
 * still make two paths collide here, which is the deployer's to fix, not a server fault.
 */
function collision(error: unknown, path: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR'
    ? new PorticoError(
        'DEPLOY_MANIFEST_INVALID',
        `The path '${clip(path)}' collides with another path of this deployment on the server's file system, which does not tell upper from lower case (e.g. 'A' beside 'a/b'); rename one of them.`,
        { cause: error },
      )
    : error;
}

/**
 * Removes the local copies of deployments not in `keep`, the API folders not in `keepApis` (paths from
 * {@link materializeWithSharedApi}), npm's homes none of `keepApis` installs with, and abandoned temporary
 * folders and upload files; with `minAgeMs`,
 * only those made at least that long ago (a running node: a folder being made for a deploy now is not
 * yet in `keep`).
 */
export async function pruneLocalDeployments(
  ctx: ControlContext,
  keep: ReadonlySet<string>,
  keepApis: ReadonlySet<string>,
  options: { readonly minAgeMs?: number } = {},
): Promise<void> {
  const before = options.minAgeMs === undefined ? undefined : Date.now() - options.minAgeMs;
  await pruneFolder(join(ctx.workDir, 'deployments'), (_path, name) => keep.has(name), before);
  await pruneFolder(apiContentsRoot(ctx), (path) => keepApis.has(path), before);
  // Uploads being received (receive-content.ts) write on as they go: only abandoned ones are that old.
  await pruneFolder(join(ctx.workDir, 'uploads'), () => false, before);
  // An install touches its npm home when it starts: the home's time is when it was last used.
  const homes = await npmHomeNames(keepApis);
  await pruneFolder(npmHomesRoot(ctx), (_path, name) => homes.has(name), before);
}

async function pruneFolder(
  dir: string,
  kept: (path: string, name: string) => boolean,
  madeBefore: number | undefined,
): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const path = join(dir, name);
    if (kept(path, name)) {
      continue;
    }
    const made = madeBefore === undefined ? undefined : (await stat(path).catch(() => undefined))?.mtimeMs;
    if (madeBefore === undefined || (made !== undefined && made < madeBefore)) {
      await rm(path, { recursive: true, force: true });
    }
  }
}

/** Hashes the files under `dir/sub` and stores them, as manifest entries relative to `dir`. */
export async function ingestFolder(ctx: ControlContext, dir: string, sub: string): Promise<ManifestFile[]> {
  const files: ManifestFile[] = [];
  for (const path of await listFiles(join(dir, sub), sub)) {
    const data = await readFile(join(dir, ...path.split('/')));
    const sha256 = sha256Hex(data);
    await ctx.blobs.put(sha256, data);
    files.push({ path, size: data.length, sha256 });
  }
  return files;
}

/** Regular files under `dir` (symbolic links skipped), as `/`-joined paths prefixed by `prefix`. */
async function listFiles(dir: string, prefix: string): Promise<string[]> {
  const entries: Dirent[] = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const path = `${prefix}/${entry.name}`;
      if (entry.isDirectory()) {
        return listFiles(join(dir, entry.name), path);
      }
      return entry.isFile() ? [path] : [];
    }),
  );
  return nested.flat();
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** How long a content nobody refers to is kept by default: twice the time an upload may take (1 h). */
export const UNUSED_CONTENT_GRACE_MS = 2 * UPLOAD_EXPIRY_MS;

/**
 * Removes stored contents no live, kept or uploading deployment refers to any more (deleted sites and
 * environments, pruned, failed or expired deployments) and that nobody stored or asked for within the
 * grace period, so an upload in progress keeps what it was told not to send. Safe to run on several
 * nodes at once. Returns how many went.
 */
export async function sweepUnusedContents(
  ctx: ControlContext,
  graceMs = unusedContentGraceOf(ctx),
): Promise<number> {
  const usedBefore = new Date(ctx.now().getTime() - graceMs);
  // Failed deployments (including expired uploads) can never go live: their contents are not held.
  const rows = await ctx.db
    .selectFrom('deployments')
    .select('manifest')
    .where('status', 'in', ['Uploading', 'Succeeded'])
    .execute();
  const keep = new Set(rows.flatMap((row) => manifestHashes(JSON.parse(row.manifest) as Manifest)));
  const apps = await ctx.db
    .selectFrom('backend_apps')
    .select('content')
    .where('content', 'is not', null)
    .execute();
  for (const app of apps) {
    for (const file of JSON.parse(app.content ?? '[]') as ManifestFile[]) {
      keep.add(file.sha256);
    }
  }
  return ctx.blobs.sweep(keep, usedBefore);
}
