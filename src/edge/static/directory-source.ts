/**
 * A {@link FileSource} over a directory on disk. The directory is walked once into an in-memory index
 * keyed by URL path; lookups are exact map hits, so a request path (with `..`, encoded dots,
 * backslashes or NUL) can only ever name a file the walk found inside the root.
 */
import { realpath } from 'node:fs/promises';
import { type FolderWatcher, watchFolderTree } from '../../shared/folder-watch.js';
import { errorMessage } from '../../shared/guards.js';
import { type Logger, SILENT_LOGGER } from '../../shared/logger.js';
import type { FileSource, StaticFile } from '../types.js';
import { createFileEntry } from './internal/file-entry.js';
import { walkDirectory } from './internal/walk.js';

/** Options of {@link createDirectorySource}. */
export interface DirectorySourceOptions {
  /** The app's output folder; symlinks in the path itself are resolved once. */
  readonly root: string;
  /**
   * Skips root-relative `/`-separated paths (`api`, `api/index.js`); directories are offered too, and
   * skipping one skips everything below it. `.git`, `node_modules`, `staticwebapp.config.json` and
   * `routes.json` are always skipped.
   */
  readonly exclude?: (relativePath: string) => boolean;
  /** Rebuild the index when files change (one `fs.watch` per folder, debounced; `shared/folder-watch`). */
  readonly watch?: boolean;
  /** Called after each rebuild caused by the watcher. */
  readonly onChange?: () => void;
  readonly logger?: Logger;
  /**
   * ETags by URL path, where the caller knows the contents (a deployment's hashes): the same content keeps
   * its ETag across deploys and nodes, so browsers keep their 304s. Other files get size and mtime.
   */
  readonly etags?: ReadonlyMap<string, string>;
  /**
   * Also index every path by its lower case, rebuilt with the index, so that {@link FileSource.matchCase}
   * answers in one map lookup: `portico start` names the file a 404 missed only by case. Off by default:
   * `portico serve` keeps one map per deployment, not two.
   */
  readonly caseIndex?: boolean;
}

/** A directory-backed {@link FileSource} that can be re-indexed. */
export interface DirectorySource extends FileSource {
  /** The real (symlink-free) path of the root. */
  readonly root: string;
  /** Number of files in the current index. */
  readonly fileCount: number;
  /** Walks the root again and swaps the index atomically; cached file contents are dropped. */
  refresh(): Promise<void>;
}

/** Quiet time after the last file-system event before the index is rebuilt. */
const WATCH_DEBOUNCE_MS = 30;

/**
 * Indexes `options.root` and returns a source serving exactly the files found.
 *
 * @example
 * const source = await createDirectorySource({ root: 'dist', watch: true, onChange: () => log('reloaded') });
 * source.get('/index.html')?.etag; // '"2a1-18c3f..."'
 * await source.close();
 */
export async function createDirectorySource(options: DirectorySourceOptions): Promise<DirectorySource> {
  const root = await realpath(options.root);
  const index = createIndex(root, options);
  // Watch first, then walk: a change made while the watcher starts is in the walk or triggers a rebuild.
  const watcher = options.watch === true ? startWatching(root, options, index) : undefined;
  await watcher?.ready;
  await index.refresh().catch((error: unknown) => {
    watcher?.close();
    throw error;
  });
  return {
    root,
    get fileCount() {
      return index.files().size;
    },
    get: (path) => index.files().get(path),
    ...(options.caseIndex === true ? { matchCase: (path: string) => index.matchCase(path) } : {}),
    refresh: index.refresh,
    close: async () => {
      watcher?.close();
      index.close();
    },
  };
}

interface Index {
  files(): ReadonlyMap<string, StaticFile>;
  matchCase(path: string): string | undefined;
  refresh(): Promise<void>;
  isClosed(): boolean;
  close(): void;
}

/** Holds the current map; concurrent refreshes never let an older walk replace a newer one. */
function createIndex(root: string, options: DirectorySourceOptions): Index {
  let files: ReadonlyMap<string, StaticFile> = new Map();
  let byLowerCase: ReadonlyMap<string, string> = new Map();
  let started = 0;
  let applied = 0;
  let closed = false;
  const logger = options.logger ?? SILENT_LOGGER;
  return {
    files: () => files,
    matchCase: (path) => {
      const found = byLowerCase.get(path.toLowerCase());
      return found === path ? undefined : found;
    },
    isClosed: () => closed,
    refresh: async () => {
      const generation = ++started;
      const next = await buildMap(root, options, logger);
      if (!closed && generation > applied) {
        applied = generation;
        files = next;
        byLowerCase = options.caseIndex === true ? indexByLowerCase(next) : byLowerCase;
      }
    },
    close: () => {
      closed = true;
      files = new Map();
      byLowerCase = new Map();
    },
  };
}

/** Lower-cased path → path; of two paths that differ only in case, the first in the index is kept. */
function indexByLowerCase(files: ReadonlyMap<string, StaticFile>): ReadonlyMap<string, string> {
  const byLowerCase = new Map<string, string>();
  for (const path of files.keys()) {
    const lower = path.toLowerCase();
    if (!byLowerCase.has(lower)) {
      byLowerCase.set(lower, path);
    }
  }
  return byLowerCase;
}

async function buildMap(
  root: string,
  options: DirectorySourceOptions,
  logger: Logger,
): Promise<ReadonlyMap<string, StaticFile>> {
  const walked = await walkDirectory({ root, exclude: options.exclude, logger });
  return new Map(
    walked.map((file) => [file.urlPath, createFileEntry(file, options.etags?.get(file.urlPath))]),
  );
}

function startWatching(root: string, options: DirectorySourceOptions, index: Index): FolderWatcher {
  const logger = options.logger ?? SILENT_LOGGER;
  const { onChange } = options;
  const notify = onChange && (() => (index.isClosed() ? undefined : onChange()));
  const rebuild = createSerialRebuild(index.refresh, notify, logger);
  return watchFolderTree({ root, delayMs: WATCH_DEBOUNCE_MS, logger, onSettled: rebuild });
}

/**
 * Runs one rebuild at a time; events arriving during a rebuild cause exactly one more. Failures are
 * logged and keep the previous index.
 */
function createSerialRebuild(
  refresh: () => Promise<void>,
  onChange: (() => void) | undefined,
  logger: Logger,
): () => void {
  let running = false;
  let pending = false;
  const loop = async (): Promise<void> => {
    running = true;
    do {
      pending = false;
      await rebuildOnce(refresh, onChange, logger);
    } while (pending);
    running = false;
  };
  return () => {
    if (running) {
      pending = true;
      return;
    }
    void loop();
  };
}

async function rebuildOnce(
  refresh: () => Promise<void>,
  onChange: (() => void) | undefined,
  logger: Logger,
): Promise<void> {
  try {
    await refresh();
    onChange?.();
  } catch (error) {
    const message = errorMessage(error);
    logger.error(`static: rebuilding the file index failed: ${message}`);
  }
}
