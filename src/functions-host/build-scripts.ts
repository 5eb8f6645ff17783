/**
 * TypeScript Functions apps in the dev loop: when `package.json` `main` points at build output that is
 * missing or older than the app's TypeScript sources, the app's own `build` script runs before the worker
 * starts; its `watch` script, when there is one, then runs beside the worker for the whole session, and the
 * API folder watcher (`shared/folder-watch.ts`) restarts the worker whenever new output lands.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PorticoError } from '../shared/errors.js';
import { isRecord } from '../shared/guards.js';
import { parseJsonText } from '../shared/json-text.js';
import type { Logger } from '../shared/logger.js';
import { forwardLines } from './_logs.js';

/** Inputs of {@link prepareApiBuild}. */
export interface ApiBuildOptions {
  readonly apiDir: string;
  readonly logger: Logger;
}

/** A running `watch` script; `close()` stops its whole process tree. */
export interface ApiBuildWatch {
  close(): Promise<void>;
}

interface PackageFacts {
  readonly main: string;
  readonly scripts: Readonly<Record<string, string>>;
}

const STOP_GRACE_MS = 3_000;

/**
 * Builds a TypeScript API whose output is missing or stale (rejects with a user error when the build
 * fails) and starts its `watch` script. Resolves with the watch to stop, or undefined when the app is not a
 * TypeScript app with a build script.
 */
export async function prepareApiBuild(options: ApiBuildOptions): Promise<ApiBuildWatch | undefined> {
  const facts = await readPackage(options.apiDir);
  if (facts === undefined || facts.scripts.build === undefined) {
    return undefined;
  }
  const state = await compareOutput(options.apiDir, facts.main);
  if (state === 'not-typescript') {
    return undefined;
  }
  if (state !== 'fresh') {
    options.logger.info(
      `api: ${facts.main} is ${state === 'missing' ? 'missing' : 'older than its TypeScript sources'}; running \`npm run build\` in ${options.apiDir} first`,
    );
    await runBuild(options.apiDir);
  }
  if (facts.scripts.watch === undefined) {
    return undefined;
  }
  options.logger.info('api: running `npm run watch`; the API restarts when its build output changes');
  return startWatch(options.apiDir, options.logger);
}

async function readPackage(apiDir: string): Promise<PackageFacts | undefined> {
  try {
    const parsed = parseJsonText(await readFile(join(apiDir, 'package.json'), 'utf8'));
    const json = (parsed.ok && isRecord(parsed.value) ? parsed.value : {}) as Record<string, unknown>;
    const scripts = typeof json.scripts === 'object' && json.scripts !== null ? json.scripts : {};
    return typeof json.main === 'string'
      ? { main: json.main.replace(/^\.\//, ''), scripts: scripts as Record<string, string> }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `main` is build output of TypeScript sources, and if so whether it is missing, stale or fresh. */
async function compareOutput(
  apiDir: string,
  main: string,
): Promise<'not-typescript' | 'missing' | 'stale' | 'fresh'> {
  const outputRoot = main.split('/')[0] ?? '';
  if (outputRoot === main || /[*?{[]/.test(outputRoot)) {
    return 'not-typescript';
  }
  // Imported here: an API without a build script (most JavaScript apps) starts without tinyglobby.
  const { glob } = await import('tinyglobby');
  const sources = await glob(['**/*.{ts,mts,cts}'], {
    cwd: apiDir,
    ignore: ['node_modules/**', `${outputRoot}/**`, '**/*.d.ts', '**/*.d.mts', '**/*.d.cts'],
    absolute: true,
  });
  if (sources.length === 0) {
    return 'not-typescript';
  }
  const outputs = await glob([main], { cwd: apiDir, absolute: true });
  if (outputs.length === 0) {
    return 'missing';
  }
  return (await newest(sources)) > (await newest(outputs)) ? 'stale' : 'fresh';
}

async function newest(files: readonly string[]): Promise<number> {
  const times = await Promise.all(files.map(async (file) => (await stat(file)).mtimeMs));
  return Math.max(...times);
}

function runNpm(apiDir: string, script: string, detached: boolean): ChildProcess {
  return spawn('npm', ['run', script], {
    cwd: apiDir,
    // The script's output goes to stderr: stdout carries the dev server's ready line. The watch's is read
    // line by line (`relayWatchOutput`); the build's goes as it is.
    stdio: ['ignore', detached ? 'pipe' : 2, detached ? 'pipe' : 2],
    detached,
    shell: process.platform === 'win32',
  });
}

/**
 * Terminal codes that clear the screen or move to its top. `tsc -w` writes them before each compile when
 * its output is a terminal; through a pipe it should not, and they are taken out if it does.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern exists to find terminal escape codes
const CLEAR_SCREEN = /\x1b\[[23]J|\x1b\[H|\x1bc/g;

/**
 * The watch's output on Portico's stderr, each line prefixed `[api watch]` like the `--run` command's
 * `[run]` lines, so a compiler never wipes the request log or the function errors printed before it.
 */
function relayWatchOutput(child: ChildProcess): void {
  const relay = (line: string) => {
    const text = line.replace(CLEAR_SCREEN, '');
    if (text.trim() !== '') {
      process.stderr.write(`[api watch] ${text}\n`);
    }
  };
  forwardLines(child.stdout, relay);
  forwardLines(child.stderr, relay);
}

async function runBuild(apiDir: string): Promise<void> {
  const child = runNpm(apiDir, 'build', false);
  const code = await new Promise<number | string>((resolve) => {
    child.once('error', (error) => resolve(error.message));
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? signal ?? 1));
  });
  if (code !== 0) {
    throw new PorticoError(
      'FUNCTIONS_BUILD_FAILED',
      `\`npm run build\` in ${apiDir} failed (${typeof code === 'number' ? `exit code ${code}` : code}); fix the errors above, then start again`,
    );
  }
}

/** Starts `npm run watch` in its own process group, so stopping it ends the compiler it runs too. */
function startWatch(apiDir: string, logger: Logger): ApiBuildWatch {
  const child = runNpm(apiDir, 'watch', true);
  relayWatchOutput(child);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code) => {
      exited = true;
      if (code !== null && code !== 0) {
        logger.warn(
          `api: \`npm run watch\` exited with code ${code}; the API is no longer rebuilt on changes`,
        );
      }
      resolve();
    });
    child.once('error', (error) => {
      exited = true;
      logger.warn(`api: cannot run \`npm run watch\`: ${error.message}`);
      resolve();
    });
  });
  return {
    async close() {
      if (exited || child.pid === undefined) {
        return;
      }
      killGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child.pid ?? 0, 'SIGKILL'), STOP_GRACE_MS);
      await exit;
      clearTimeout(timer);
      killGroup(child.pid, 'SIGKILL');
    },
  };
}

/** Signals the whole process group (`npm` and the compiler it started); a gone group is fine. */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
  } catch {
    // Already gone.
  }
}
