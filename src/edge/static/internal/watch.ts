/**
 * A debounced recursive watcher for a directory source's root. It only says "something changed";
 * the source then rebuilds its whole index, which is simpler and safer than patching it per event.
 */
import { type FSWatcher, watch } from 'node:fs';
import { sep } from 'node:path';
import type { Logger } from '../../../shared/logger.js';

/** Inputs of {@link watchRoot}. */
export interface WatchRootOptions {
  readonly root: string;
  /** Quiet time after the last event before `onSettled` runs. */
  readonly delayMs: number;
  readonly onSettled: () => void;
  readonly logger: Logger;
}

/** A running watcher; `close()` is idempotent. */
export interface RootWatcher {
  close(): void;
}

/** Changes inside these directories never change what is served, so they never trigger a rebuild. */
const IGNORED_SEGMENTS: ReadonlySet<string> = new Set(['.git', 'node_modules']);

/**
 * Watches `root` recursively and calls `onSettled` once events stop for `delayMs`. Watcher errors
 * (including platforms without recursive watching) are logged, never thrown.
 */
export function watchRoot(options: WatchRootOptions): RootWatcher {
  let timer: NodeJS.Timeout | undefined;
  const onEvent = (_event: string, filename: string | null): void => {
    if (filename !== null && isIgnoredPath(filename)) {
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(options.onSettled, options.delayMs);
  };
  const watcher = startWatcher(options, onEvent);
  return {
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}

function startWatcher(
  options: WatchRootOptions,
  onEvent: (event: string, filename: string | null) => void,
): FSWatcher | undefined {
  try {
    const watcher = watch(options.root, { recursive: true }, onEvent);
    watcher.on('error', (error: Error) => {
      options.logger.warn(`static: watching ${options.root} failed: ${error.message}`);
    });
    return watcher;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    options.logger.warn(`static: cannot watch ${options.root} (${message}); changes need a restart`);
    return undefined;
  }
}

function isIgnoredPath(filename: string): boolean {
  return filename.split(sep).some((segment) => IGNORED_SEGMENTS.has(segment.toLowerCase()));
}
