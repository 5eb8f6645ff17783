/**
 * Lists the files of a folder to deploy, with their sizes and SHA-256 (computed by streaming), as the
 * deployment API wants them: relative `/`-separated paths, sorted. `.git` folders and `.DS_Store` files
 * are skipped, `.env*` files too unless asked for (they hold local secrets; docs/decisions/0015-dotfiles.md),
 * and symbolic links are followed only when they point inside the folder.
 */
import { createHash } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { PorticoError } from '../shared/errors.js';
import { UNDECODABLE_NAME_REASON, undecodableNameOf } from '../shared/file-names.js';
import type { DeployFile } from './types.js';

/** Names skipped wherever they appear. */
const SKIPPED_NAMES: ReadonlySet<string> = new Set(['.git', '.DS_Store']);

/** What {@link packDirectory} may leave out. */
export interface PackOptions {
  /**
   * Called with the relative `/`-separated path of every file and folder (`isFolder` for a folder, a link
   * to one not counted); `true` leaves it out (a folder with everything in it).
   */
  readonly exclude?: (relPath: string, isFolder: boolean) => boolean;
  /** Upload `.env*` files too (`portico deploy --include-dotenv`); by default they are left out. */
  readonly includeDotenv?: boolean;
  /**
   * Leave out links to what a site never serves under its own name (a dotfile or dot-folder other than a
   * root `.well-known`, `node_modules`, the config file), as `portico start` does: the link's own name
   * would serve it. For the app folder; an API's links (pnpm's `.pnpm`) are its own business.
   */
  readonly servedTargetsOnly?: boolean;
}

/** The packed files of a folder. */
export interface PackedFolder {
  /** The files, sorted by path. */
  readonly files: readonly DeployFile[];
  /** The total size of the files. */
  readonly bytes: number;
  /** The `.env*` files left out (relative paths, sorted); empty with `includeDotenv`. */
  readonly skippedDotenv: readonly string[];
  /** Links left out because they point outside the folder, or nowhere (relative paths, sorted). */
  readonly skippedLinks: readonly string[];
  /** The absolute path to read a listed file from. */
  absolute(path: string): string;
}

/**
 * True for the names of dotenv files (`.env`, `.env.local`, `.env.production`, `.envrc`): local
 * secrets that a deploy leaves out unless asked for.
 */
export function isDotenvName(name: string): boolean {
  return name.startsWith('.env');
}

/**
 * Leaves out what Azure never deploys from an API folder: `local.settings.json` (local secrets and
 * settings of the Functions app; deployed apps get app settings instead).
 */
export function apiExclusions(relPath: string): boolean {
  return relPath === 'local.settings.json';
}

interface Walk {
  readonly root: string;
  readonly exclude: (relPath: string, isFolder: boolean) => boolean;
  readonly includeDotenv: boolean;
  readonly servedTargetsOnly: boolean;
  readonly found: Map<string, string>;
  readonly skippedDotenv: string[];
  readonly skippedLinks: string[];
}

/**
 * Lists and hashes the files of `dir`.
 *
 * @throws PorticoError `CLIENT_FOLDER_UNREADABLE` when `dir` is not a readable folder or a file in it
 *   cannot be read.
 * @example
 * const api = await packDirectory('api', { exclude: apiExclusions });
 */
export async function packDirectory(dir: string, options: PackOptions = {}): Promise<PackedFolder> {
  const root = await resolveRoot(dir);
  const walk: Walk = {
    root,
    exclude: options.exclude ?? (() => false),
    includeDotenv: options.includeDotenv === true,
    servedTargetsOnly: options.servedTargetsOnly === true,
    found: new Map(),
    skippedDotenv: [],
    skippedLinks: [],
  };
  await walkFolder(walk, root, '', new Set([root]));
  const paths = [...walk.found.keys()].sort(compareText);
  const files: DeployFile[] = [];
  for (const path of paths) {
    files.push({ path, ...(await hashFile(walk.found.get(path) ?? join(root, path))) });
  }
  return {
    files,
    bytes: files.reduce((total, file) => total + file.size, 0),
    skippedDotenv: walk.skippedDotenv.sort(compareText),
    skippedLinks: walk.skippedLinks.sort(compareText),
    absolute: (path) => walk.found.get(path) ?? join(root, ...path.split('/')),
  };
}

/**
 * `folder` with the file at `absolutePath` listed as `path` (replacing a file listed there): for a
 * staticwebapp.config.json kept outside the built app (`portico deploy --swa-config-location`).
 */
export async function withFile(
  folder: PackedFolder,
  path: string,
  absolutePath: string,
): Promise<PackedFolder> {
  const added: DeployFile = { path, ...(await hashFile(absolutePath)) };
  const files = [...folder.files.filter((file) => file.path !== path), added].sort((a, b) =>
    compareText(a.path, b.path),
  );
  return {
    ...folder,
    files,
    bytes: files.reduce((total, file) => total + file.size, 0),
    absolute: (relPath) => (relPath === path ? absolutePath : folder.absolute(relPath)),
  };
}

/**
 * The relative `/`-separated path of `child` when it is a folder inside `parent` (after resolving
 * links), `''` when they are the same folder, otherwise `undefined`.
 */
export async function nestedFolder(parent: string, child: string): Promise<string | undefined> {
  const [outer, inner] = await Promise.all([realpath(parent), realpath(child)]);
  return isInside(outer, inner) ? relative(outer, inner).split(sep).join('/') : undefined;
}

async function resolveRoot(dir: string): Promise<string> {
  try {
    const root = await realpath(dir);
    if ((await stat(root)).isDirectory()) {
      return root;
    }
  } catch (cause) {
    throw unreadable(`The folder ${dir} does not exist or cannot be read`, cause);
  }
  throw new PorticoError('CLIENT_FOLDER_UNREADABLE', `${dir} is a file, not a folder.`);
}

async function walkFolder(walk: Walk, dir: string, relDir: string, ancestors: ReadonlySet<string>) {
  for (const entry of await readFolder(dir)) {
    const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
    if (SKIPPED_NAMES.has(entry.name) || walk.exclude(rel, entry.isDirectory())) {
      continue;
    }
    if (entry.name.includes('\\')) {
      throw new PorticoError(
        'CLIENT_FOLDER_UNREADABLE',
        `The file ${JSON.stringify(rel)} in ${walk.root} has a backslash in its name, which a deployment cannot hold (URLs and Windows read it as a folder separator); rename it.`,
      );
    }
    await refuseUndecodableName(walk, dir, relDir, entry);
    const target = await resolveEntry(walk.root, join(dir, entry.name), entry);
    const linked = entry.isSymbolicLink() && target !== undefined ? linkedPath(walk.root, target.path) : [];
    if (target === undefined && entry.isSymbolicLink()) {
      walk.skippedLinks.push(rel);
    } else if (walk.servedTargetsOnly && linked.some(isUnservedSegment)) {
      walk.skippedLinks.push(rel);
    } else if (
      target?.kind === 'file' &&
      !walk.includeDotenv &&
      (isDotenvName(entry.name) || linked.some(isDotenvName))
    ) {
      walk.skippedDotenv.push(rel);
    } else if (target?.kind === 'file') {
      walk.found.set(rel, target.path);
    } else if (target?.kind === 'folder' && !ancestors.has(target.path)) {
      await walkFolder(walk, target.path, rel, new Set([...ancestors, target.path]));
    }
  }
}

/** Refuses an entry whose name is not valid UTF-8: it could neither be read again by name nor served. */
async function refuseUndecodableName(walk: Walk, dir: string, relDir: string, entry: Dirent): Promise<void> {
  const name = entry.name.includes('\uFFFD') ? await undecodableNameOf(dir, entry.name) : undefined;
  if (name !== undefined) {
    const what = entry.isDirectory() ? 'folder' : 'file';
    throw new PorticoError(
      'CLIENT_FOLDER_UNREADABLE',
      `The ${what} "${relDir === '' ? name : `${relDir}/${name}`}" in ${walk.root} ${UNDECODABLE_NAME_REASON}, so a deployment cannot hold it; rename it.`,
    );
  }
}

async function readFolder(dir: string): Promise<Dirent[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.sort((a, b) => compareText(a.name, b.name));
  } catch (cause) {
    throw unreadable(`Cannot read the folder ${dir}`, cause);
  }
}

interface Target {
  readonly kind: 'file' | 'folder';
  readonly path: string;
}

/** Regular files and folders as they are; links only when they resolve inside the root. */
async function resolveEntry(root: string, path: string, entry: Dirent): Promise<Target | undefined> {
  if (entry.isFile()) {
    return { kind: 'file', path };
  }
  if (entry.isDirectory()) {
    return { kind: 'folder', path };
  }
  if (!entry.isSymbolicLink()) {
    return undefined;
  }
  try {
    const real = await realpath(path);
    if (!isInside(root, real)) {
      return undefined;
    }
    const stats = await stat(real);
    return stats.isFile()
      ? { kind: 'file', path: real }
      : stats.isDirectory()
        ? { kind: 'folder', path: real }
        : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The site's config file, as `config/constants.ts` names it (the client, loaded by `portico deploy`,
 * imports no other plane).
 */
export const SITE_CONFIG_FILE = 'staticwebapp.config.json';

/** Names a site never serves a file under (decision 0015), lower-cased: `node_modules` and the config files. */
const UNSERVED_NAMES: ReadonlySet<string> = new Set(['node_modules', SITE_CONFIG_FILE, 'routes.json']);

/** The segments of a link target's path inside the root; a first `.well-known` is blanked (it is served). */
function linkedPath(root: string, target: string): string[] {
  return relative(root, target)
    .split(sep)
    .map((segment, index) => (index === 0 && segment === '.well-known' ? '' : segment));
}

/** A dot name (other than the root `.well-known`, blanked by {@link linkedPath}) or an unserved name. */
function isUnservedSegment(segment: string): boolean {
  return segment.startsWith('.') || UNSERVED_NAMES.has(segment.toLowerCase());
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

async function hashFile(path: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      size += bytes.length;
    }
  } catch (cause) {
    throw unreadable(`Cannot read ${path}`, cause);
  }
  return { size, sha256: hash.digest('hex') };
}

function unreadable(what: string, cause: unknown): PorticoError {
  const code = cause instanceof Error && 'code' in cause ? String(cause.code) : String(cause);
  return new PorticoError('CLIENT_FOLDER_UNREADABLE', `${what} (${code}).`, { cause });
}

/** Ordinal comparison, so the order is the same on every machine. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
