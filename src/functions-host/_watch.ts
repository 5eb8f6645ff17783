/**
 * Watches an API folder for the dev loop: one non-recursive `fs.watch` per directory, skipping
 * `node_modules` and `.git`. Node 20's recursive mode on Linux would instead stat and watch every file
 * of `node_modules` (thousands of inotify watches for a typical API folder). `local.settings.json` is
 * watched too: a settings change needs a new worker as much as a code change does.
 */
import { type FSWatcher, watch } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../shared/logger.js';

/** Directory names whose changes never restart the worker. */
const IGNORED_NAMES: ReadonlySet<string> = new Set(['node_modules', '.git']);

/** Inputs of {@link watchApiFolder}. */
export interface ApiWatchOptions {
  readonly root: string;
  /** Quiet time after the last event before `onChange` runs. */
  readonly debounceMs: number;
  /** Called once per burst of changes, after directories added meanwhile are watched too. */
  readonly onChange: () => void;
  readonly logger: Logger;
}

/** A running watcher. */
export interface ApiWatcher {
  /** Resolves once every directory present at start is watched. */
  readonly ready: Promise<void>;
  /** Stops watching (idempotent). */
  close(): void;
}

/** Starts watching `options.root`. */
export function watchApiFolder(options: ApiWatchOptions): ApiWatcher {
  return new ApiFolderWatcher(options);
}

class ApiFolderWatcher implements ApiWatcher {
  readonly ready: Promise<void>;
  readonly #options: ApiWatchOptions;
  readonly #watchers = new Map<string, FSWatcher>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: ApiWatchOptions) {
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

  #onEvent(filename: string | null): void {
    if (this.#closed || (filename !== null && IGNORED_NAMES.has(filename))) {
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#settle(), this.#options.debounceMs);
  }

  async #settle(): Promise<void> {
    await this.#sync();
    if (!this.#closed) {
      this.#options.onChange();
    }
  }

  /** Watches every directory of the tree that is not watched yet and forgets the ones that are gone. */
  async #sync(): Promise<void> {
    const dirs = new Set(await listDirectories(this.#options.root));
    if (this.#closed) {
      return;
    }
    for (const [dir, watcher] of this.#watchers) {
      if (!dirs.has(dir)) {
        watcher.close();
        this.#watchers.delete(dir);
      }
    }
    for (const dir of dirs) {
      if (!this.#watchers.has(dir)) {
        this.#add(dir);
      }
    }
  }

  #add(dir: string): void {
    try {
      const watcher = watch(dir, (_event, filename) => this.#onEvent(filename));
      watcher.on('error', () => {
        watcher.close();
        this.#watchers.delete(dir);
      });
      this.#watchers.set(dir, watcher);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#options.logger.debug(`functions: cannot watch ${dir}: ${message}`);
    }
  }
}

/** `root` and its subdirectories, skipping ignored names and symbolic links. */
async function listDirectories(root: string): Promise<string[]> {
  const found = [root];
  for (let index = 0; index < found.length; index++) {
    const dir = found[index] ?? root;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.isDirectory() && !IGNORED_NAMES.has(entry.name)) {
        found.push(join(dir, entry.name));
      }
    }
  }
  return found;
}
