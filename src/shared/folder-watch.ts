/**
 * Watches a folder tree for the dev loop (a site's folder, a config folder outside it, an API folder):
 * one non-recursive `fs.watch` per directory, skipping `.git` and `node_modules` at any depth and not
 * following symbolic links. It only says "something changed", once per burst of events; the caller then
 * rebuilds what it derives from the tree, which is simpler and safer than patching it per event.
 *
 * Why one watcher per directory:
 * - Node 20's recursive mode on Linux watches each known file by inode and ignores directory events for
 *   names it already knows, so once a file was saved by renaming a temp file over it (how editors save),
 *   later saves of that file went unnoticed (issue 13, item 5.3). A directory's own watcher reports every
 *   change to the names in it, renames included.
 * - Finding the directories takes one `readdir` per directory, with no `stat` per file. chokidar, used
 *   here before, also `lstat`ed every file at start, which for a site of 3,000 files cost more than the
 *   site's own index and held up `portico start` before its first answer.
 *
 * Each directory is watched before it is listed, so a folder created while the tree is read is either in
 * the listing or reported by its parent's watcher. Before `onSettled` runs, directories added meanwhile
 * are watched and the ones gone are forgotten, so the caller's rebuild never races a new folder; a burst
 * of contents changes only ('change' events: files saved in place) reads no folder again.
 */
import { type FSWatcher, watch } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from './guards.js';
import type { Logger } from './logger.js';

/** Inputs of {@link watchFolderTree}. */
export interface FolderWatchOptions {
  readonly root: string;
  /** Quiet time after the last event before `onSettled` runs. */
  readonly delayMs: number;
  /** Called once per burst of changes, after the directories added meanwhile are watched too. */
  readonly onSettled: () => void;
  /**
   * Called at the first event of a burst, before the quiet time: for work that can start while the files
   * still change (the functions host boots the next worker then, decision 0056).
   */
  readonly onBurstStart?: () => void;
  /** File names whose changes are not reported (TypeScript sources a watch compiler turns into output). */
  readonly ignoreFile?: (name: string) => boolean;
  readonly logger: Logger;
}

/** A running watcher; `close()` is idempotent. */
export interface FolderWatcher {
  /** Resolves once every directory present at start is watched (never rejects). */
  readonly ready: Promise<void>;
  close(): void;
}

/** Directory names never watched or entered, at any depth (compared case-insensitively). */
const IGNORED_NAMES: ReadonlySet<string> = new Set(['.git', 'node_modules']);

/** Errors that only mean a directory went away between being listed and being watched. */
const GONE_CODES: ReadonlySet<string> = new Set(['ENOENT', 'ENOTDIR']);

/**
 * Starts watching `options.root`. Failures to watch are logged, never thrown: a warning once per kind of
 * failure (the next folders failing the same way are logged at debug level), and nothing above debug
 * when a folder simply went away.
 *
 * @example
 * const watcher = watchFolderTree({ root, delayMs: 30, logger, onSettled: () => void source.refresh() });
 * await watcher.ready;
 */
export function watchFolderTree(options: FolderWatchOptions): FolderWatcher {
  return new TreeWatcher(options);
}

class TreeWatcher implements FolderWatcher {
  readonly ready: Promise<void>;
  readonly #options: FolderWatchOptions;
  readonly #watchers = new Map<string, FSWatcher>();
  /** The kinds of failure (error codes) already warned about: one warning each, not one per folder. */
  readonly #warned = new Set<string>();
  /** The sync running or last run: syncs run one at a time, so an older one never forgets a newer folder. */
  #syncing: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  /** Whether this burst may have added or removed a folder: a name appeared, went or moved, or a watch broke. */
  #namesChanged = false;
  #closed = false;

  constructor(options: FolderWatchOptions) {
    this.#options = options;
    this.ready = this.#sync();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const watcher of this.#watchers.values()) {
      watcher.close();
    }
    this.#watchers.clear();
  }

  readonly #onEvent = (event: string, filename: string | Buffer | null): void => {
    if (
      this.#closed ||
      (typeof filename === 'string' &&
        (IGNORED_NAMES.has(filename.toLowerCase()) || this.#options.ignoreFile?.(filename) === true))
    ) {
      return;
    }
    // A 'change' only rewrote a file's contents, so the folders stay as they are.
    this.#namesChanged ||= event !== 'change';
    if (this.#timer === undefined) {
      this.#options.onBurstStart?.();
    }
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#settle(), this.#options.delayMs);
  };

  async #settle(): Promise<void> {
    this.#timer = undefined;
    if (this.#namesChanged) {
      this.#namesChanged = false;
      await this.#sync();
    }
    if (!this.#closed) {
      this.#options.onSettled();
    }
  }

  #sync(): Promise<void> {
    this.#syncing = this.#syncing
      .then(() => this.#syncOnce())
      .catch((error: unknown) => this.#report(this.#options.root, error));
    return this.#syncing;
  }

  /**
   * Watches every directory of the tree not watched yet, then forgets the ones no longer in it. The tree
   * is read a level at a time, the folders of a level listed together, each after it is watched.
   */
  async #syncOnce(): Promise<void> {
    const found = new Set<string>();
    let level = [this.#options.root];
    while (level.length > 0 && !this.#closed) {
      for (const dir of level) {
        found.add(dir);
        if (!this.#watchers.has(dir)) {
          this.#add(dir);
        }
      }
      level = (await Promise.all(level.map(listSubdirectories))).flat();
    }
    for (const [dir, watcher] of this.#watchers) {
      if (!found.has(dir)) {
        watcher.close();
        this.#watchers.delete(dir);
      }
    }
  }

  #add(dir: string): void {
    try {
      const watcher = watch(dir, this.#onEvent);
      // A directory deleted or swapped while watched: its parent reports it, the next sync forgets it.
      watcher.on('error', () => {
        watcher.close();
        this.#watchers.delete(dir);
        this.#onEvent('error', null);
      });
      this.#watchers.set(dir, watcher);
    } catch (error) {
      this.#report(dir, error);
    }
  }

  #report(dir: string, error: unknown): void {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const message = errorMessage(error);
    if (code !== undefined && GONE_CODES.has(code)) {
      this.#options.logger.debug(`not watching ${dir}: it is gone (${message})`);
      return;
    }
    const kind = code ?? message;
    if (this.#warned.has(kind)) {
      this.#options.logger.debug(`not watching ${dir} either (${message})`);
      return;
    }
    this.#warned.add(kind);
    this.#options.logger.warn(describeWatchFailure(dir, error));
  }
}

/**
 * The warning for a folder that cannot be watched: what failed, what it means, and for the system limits
 * a developer meets on a big project, how to raise them.
 */
export function describeWatchFailure(dir: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = errorMessage(error);
  const consequence = 'changes in the folders not watched need a restart';
  if (code === 'ENOSPC') {
    return `watching ${dir} failed: the system's limit of watched folders is reached (${message}); ${consequence}. Raise the limit, e.g. \`sudo sysctl fs.inotify.max_user_watches=524288\`, then restart.`;
  }
  if (code === 'EMFILE') {
    return `watching ${dir} failed: too many open files (${message}); ${consequence}. Raise the limit, e.g. \`ulimit -n 10240\` in the shell that starts Portico, then restart.`;
  }
  return `watching ${dir} failed (${message}); ${consequence}.`;
}

/** The paths of the subdirectories of `dir` to watch: not ignored, not symbolic links. */
async function listSubdirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const paths: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory() && !IGNORED_NAMES.has(entry.name.toLowerCase())) {
      paths.push(join(dir, entry.name));
    }
  }
  return paths;
}
