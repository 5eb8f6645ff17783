/**
 * Lists the servable files under a root directory. This is the security boundary of static serving:
 * only what this walk returns can ever be served, so every rule about what must never be served
 * (config files, `.git`, `node_modules`, symlinks leaving the root) lives here.
 */

import type { Dirent, Stats } from 'node:fs';
import { stat } from 'node:fs';
import { readdir, realpath, stat as statPromise } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { CONFIG_FILE_NAME, LEGACY_ROUTES_FILE_NAME } from '../../../config/index.js';
import { UNDECODABLE_NAME_REASON, undecodableNameOf } from '../../../shared/file-names.js';
import { errorMessage } from '../../../shared/guards.js';
import type { Logger } from '../../../shared/logger.js';

/** One regular file found by {@link walkDirectory}. */
export interface WalkedFile {
  /** `/` + the path relative to the root with `/` separators, not percent-encoded. */
  readonly urlPath: string;
  /** Absolute path of the file itself (symlinks resolved), always inside the root. */
  readonly realPath: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Inputs of {@link walkDirectory}. */
export interface WalkOptions {
  /** Absolute, already realpath'd root. */
  readonly root: string;
  /** Called with root-relative `/`-separated paths of directories and files; true skips them. */
  readonly exclude?: (relativePath: string) => boolean;
  readonly logger: Logger;
}

/** Directory names never entered, at any depth (compared case-insensitively). */
const SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set(['.git', 'node_modules']);
/** File names never served, at any depth (compared case-insensitively); spec §10.3. */
const HIDDEN_FILES: ReadonlySet<string> = new Set([CONFIG_FILE_NAME, LEGACY_ROUTES_FILE_NAME]);
/**
 * The one dot-named folder served, at the root only (RFC 8615: `security.txt`, ACME challenges,
 * `assetlinks.json`); every other dotfile and dot-folder (`.env`, `.npmrc`, `.vscode/`) is never served
 * (docs/decisions/0015-dotfiles.md).
 */
const SERVED_DOT_FOLDER = '.well-known';
/** Guards against pathological (acyclic) symlink fan-out; real sites are far shallower. */
const MAX_DEPTH = 64;

interface WalkContext extends WalkOptions {
  readonly rootPrefix: string;
  readonly files: WalkedFile[];
}

interface DirectoryFrame {
  readonly realDir: string;
  readonly relativeDir: string;
  /** Real paths of the directories on the way here; a symlink back to one of them is a loop. */
  readonly ancestors: ReadonlySet<string>;
  readonly depth: number;
}

/**
 * Walks `options.root` and returns every servable regular file.
 *
 * Skips `.git` and `node_modules` directories, files named `staticwebapp.config.json` or `routes.json`,
 * dotfiles and dot-folders other than a root `.well-known` folder, whatever `exclude` rejects, special
 * files, and unreadable entries. Symlinks are followed only when
 * their real path stays inside the root and passes the same rules; symlink loops are cut.
 */
export async function walkDirectory(options: WalkOptions): Promise<WalkedFile[]> {
  const rootPrefix = options.root.endsWith(sep) ? options.root : options.root + sep;
  const context: WalkContext = { ...options, rootPrefix, files: [] };
  const frame = { realDir: options.root, relativeDir: '', ancestors: new Set([options.root]), depth: 0 };
  await walkFrame(context, frame);
  return context.files;
}

/**
 * Lists one directory, stats what may be served in it, then enters its subdirectories. The entries of a
 * directory are stated together under one promise (`statEntries`).
 */
async function walkFrame(context: WalkContext, frame: DirectoryFrame): Promise<void> {
  const entries = (await readEntries(context, frame.realDir)).filter(
    (entry) =>
      !isHiddenDotName(entry.name, frame.depth === 0) &&
      context.exclude?.(relativePathOf(frame, entry.name)) !== true,
  );
  const targets = await statEntries(context, frame.realDir, entries);
  const subdirectories: Promise<void>[] = [];
  entries.forEach((entry, index) => {
    const target = targets[index];
    if (target === undefined || !isAllowedName(entry.name, target.stats)) {
      return;
    }
    const relativePath = relativePathOf(frame, entry.name);
    if (target.stats.isFile()) {
      context.files.push(toWalkedFile(relativePath, target));
    } else if (target.stats.isDirectory()) {
      subdirectories.push(enterDirectory(context, frame, relativePath, target.realPath));
    }
  });
  await Promise.all(subdirectories);
}

function relativePathOf(frame: DirectoryFrame, name: string): string {
  return frame.relativeDir === '' ? name : `${frame.relativeDir}/${name}`;
}

async function readEntries(context: WalkContext, directory: string): Promise<Dirent[]> {
  try {
    return await readdir(directory, { withFileTypes: true });
  } catch (error) {
    context.logger.warn(`static: cannot list ${directory}: ${errorMessage(error)}`);
    return [];
  }
}

async function enterDirectory(
  context: WalkContext,
  frame: DirectoryFrame,
  relativeDir: string,
  realDir: string,
): Promise<void> {
  if (frame.ancestors.has(realDir)) {
    context.logger.debug(`static: skipping symlink loop at ${relativeDir}`);
    return;
  }
  if (frame.depth >= MAX_DEPTH) {
    context.logger.warn(`static: not descending below ${relativeDir} (more than ${MAX_DEPTH} levels)`);
    return;
  }
  const ancestors = new Set(frame.ancestors).add(realDir);
  await walkFrame(context, { realDir, relativeDir, ancestors, depth: frame.depth + 1 });
}

interface ResolvedEntry {
  readonly realPath: string;
  readonly stats: Stats;
}

/**
 * Stats the entries of one directory, each to its resolved entry or undefined when it cannot be served.
 * Plain entries are stated with callbacks under one promise for them all: a promise per file cost a site
 * of 3,000 files about 45 ms of its start (decision 0053). A symlink is followed only when its real
 * target is inside the root and allowed.
 */
function statEntries(
  context: WalkContext,
  directory: string,
  entries: readonly Dirent[],
): Promise<(ResolvedEntry | undefined)[]> {
  const results: (ResolvedEntry | undefined)[] = new Array(entries.length).fill(undefined);
  if (entries.length === 0) {
    return Promise.resolve(results);
  }
  return new Promise((resolve) => {
    let pending = entries.length;
    const settle = (index: number, result: ResolvedEntry | undefined): void => {
      results[index] = result;
      pending -= 1;
      if (pending === 0) {
        resolve(results);
      }
    };
    entries.forEach((entry, index) => {
      const path = join(directory, entry.name);
      if (entry.isSymbolicLink()) {
        void resolveLink(context, path).then((result) => settle(index, result));
        return;
      }
      stat(path, (error, stats) => {
        if (error !== null && entry.name.includes('\uFFFD')) {
          void warnUndecodable(context, directory, entry.name).then(() => settle(index, undefined));
          return;
        }
        if (error !== null) {
          context.logger.debug(`static: skipping ${path}: ${errorMessage(error)}`);
        }
        settle(index, error === null ? { realPath: path, stats } : undefined);
      });
    });
  });
}

/** A symlink's real target and its stats, when the target is inside the root and allowed; never rejects. */
async function resolveLink(context: WalkContext, path: string): Promise<ResolvedEntry | undefined> {
  try {
    const realPath = await realpath(path);
    if (!isAllowedRealPath(context, realPath)) {
      if (realPath.startsWith(context.rootPrefix) || realPath === context.root) {
        context.logger.debug(`static: skipping symlink ${path}: its target is hidden`);
      } else {
        warnOnce(
          context,
          path,
          `static: not serving ${path}: it is a symbolic link to ${realPath}, outside the folder served, and only files inside it are served. Copy what it links to into the folder, or serve a folder that holds both.`,
        );
      }
      return undefined;
    }
    return { realPath, stats: await statPromise(realPath) };
  } catch (error) {
    context.logger.debug(`static: skipping ${path}: ${errorMessage(error)}`);
    return undefined;
  }
}

/**
 * Warns once that an entry whose name is not valid UTF-8 is not served (Node lists it with U+FFFD, so it
 * cannot be opened by that name, and no URL names it), as `portico deploy` refuses it; never rejects.
 */
async function warnUndecodable(context: WalkContext, directory: string, name: string): Promise<void> {
  const onDisk = await undecodableNameOf(directory, name).catch(() => undefined);
  const path = join(directory, onDisk ?? name);
  if (onDisk === undefined) {
    context.logger.debug(`static: skipping ${path}: it cannot be read`);
    return;
  }
  warnOnce(context, path, `static: not serving ${path}: it ${UNDECODABLE_NAME_REASON}; rename it.`);
}

/** Links already warned about (each file list is walked again at every change): said once per process. */
const WARNED_LINKS = new Set<string>();
const WARNED_LINKS_MAX = 1000;

function warnOnce(context: WalkContext, path: string, message: string): void {
  if (WARNED_LINKS.has(path) || WARNED_LINKS.size >= WARNED_LINKS_MAX) {
    context.logger.debug(message);
    return;
  }
  WARNED_LINKS.add(path);
  context.logger.warn(message);
}

/** True when a symlink's real path is inside the root and no part of it is skipped, hidden or excluded. */
function isAllowedRealPath(context: WalkContext, realPath: string): boolean {
  if (realPath === context.root) {
    return true;
  }
  if (!realPath.startsWith(context.rootPrefix)) {
    return false;
  }
  const segments = relative(context.root, realPath).split(sep);
  return segments.every((segment, index) => {
    const prefix = segments.slice(0, index + 1).join('/');
    return (
      isAllowedSegment(segment, index === segments.length - 1) &&
      !isHiddenDotName(segment, index === 0) &&
      context.exclude?.(prefix) !== true
    );
  });
}

/** Dot-named entries are never served, except the `.well-known` folder at the root. */
function isHiddenDotName(name: string, atRoot: boolean): boolean {
  return name.startsWith('.') && !(atRoot && name === SERVED_DOT_FOLDER);
}

/** A real-path segment: never a skipped directory, and the last one never a hidden file name. */
function isAllowedSegment(segment: string, isLast: boolean): boolean {
  const lower = segment.toLowerCase();
  return !SKIPPED_DIRECTORIES.has(lower) && !(isLast && HIDDEN_FILES.has(lower));
}

function isAllowedName(name: string, stats: Stats): boolean {
  const lower = name.toLowerCase();
  return stats.isDirectory() ? !SKIPPED_DIRECTORIES.has(lower) : !HIDDEN_FILES.has(lower);
}

function toWalkedFile(relativePath: string, target: ResolvedEntry): WalkedFile {
  const { size, mtimeMs } = target.stats;
  return { urlPath: `/${relativePath}`, realPath: target.realPath, size, mtimeMs };
}
