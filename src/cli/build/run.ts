/**
 * Runs the project's own commands for `portico build`: installing dependencies when `node_modules` is
 * missing (`npm ci` with a lockfile, else `npm install`; yarn and pnpm by their lockfiles), then the build
 * command through the shell, as the user would type it. Output goes straight to the terminal.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

/** One command to run in a folder. */
export interface ShellStep {
  readonly command: string;
  readonly cwd: string;
}

/** Runs `step.command` with the shell in `step.cwd`; resolves with its exit code (1 when it cannot start). */
export function runShell(step: ShellStep, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(step.command, { cwd: step.cwd, shell: true, stdio: 'inherit', env });
    child.once('error', (error) => {
      process.stderr.write(`portico: cannot run \`${step.command}\`: ${error.message}\n`);
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128 + signalNumber(signal))));
  });
}

/** The install command for `dir` when it has package.json but no node_modules; undefined otherwise. */
export async function installCommand(dir: string): Promise<string | undefined> {
  if (!(await exists(join(dir, 'package.json'))) || (await exists(join(dir, 'node_modules')))) {
    return undefined;
  }
  if ((await exists(join(dir, 'package-lock.json'))) || (await exists(join(dir, 'npm-shrinkwrap.json')))) {
    return 'npm ci';
  }
  if (await exists(join(dir, 'pnpm-lock.yaml'))) {
    return 'pnpm install --frozen-lockfile';
  }
  if (await exists(join(dir, 'yarn.lock'))) {
    return 'yarn install --frozen-lockfile';
  }
  return 'npm install';
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

function signalNumber(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 2 : signal === 'SIGKILL' ? 9 : 15;
}

/** Windows `cmd` words a build command may have been written with, and what they are in a POSIX shell. */
const CMD_ISMS: readonly [RegExp, string][] = [
  [
    /(?:^|&&|&|;)\s*set\s+[A-Za-z_][A-Za-z0-9_]*=/i,
    '`set NAME=value` sets no variable in sh: write `NAME=value command`',
  ],
  [
    /(?:^|&&|&|;|\|\|)\s*(?:copy|xcopy|del|move|rmdir\s+\/s|md)\s/i,
    '`copy`, `xcopy`, `del`, `move` and `md` are cmd commands: use `cp`, `rm`, `mv`, `mkdir -p`, or a Node.js script',
  ],
  [
    /(?:^|&&|&|;)\s*if\s+(?:not\s+)?exist\s/i,
    '`if exist` is cmd: write `[ -e path ] && …`, or a Node.js script',
  ],
];

/**
 * Why a command written for Windows' `cmd` will not do here what it does there, or undefined. Commands run
 * in a POSIX shell, on Azure's build too, so `set X=1&& npm run build` runs the build without X.
 *
 * @example
 * windowsShellHint('set NODE_ENV=production&& npm run build') // '`set NAME=value` sets no variable…'
 */
export function windowsShellHint(command: string): string | undefined {
  const found = CMD_ISMS.find(([pattern]) => pattern.test(command));
  return found === undefined
    ? undefined
    : `this command looks written for Windows' cmd, and runs in sh here (as on Azure's build): ${found[1]}`;
}
