/**
 * Installs a deployed API's dependencies when the deploy did not include them (`npm install --omit=dev`,
 * with a time limit), as Azure's build does; the output is kept with the deployment.
 */
import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PorticoError } from '../shared/errors.js';
import { isRecord } from '../shared/guards.js';
import { tightenTree } from '../shared/private-fs.js';

/** Default limit of one install. */
export const INSTALL_TIMEOUT_MS = 5 * 60_000;
const MAX_LOG_CHARS = 64 * 1024;

/** What an install did: `undefined` when none was needed. */
export interface InstallResult {
  readonly log: string;
}

/**
 * Runs `npm install --omit=dev` in `apiDir` when package.json lists dependencies and node_modules is absent;
 * what it wrote is then private to the service's user.
 */
export async function installDependencies(
  apiDir: string,
  timeoutMs = INSTALL_TIMEOUT_MS,
): Promise<InstallResult | undefined> {
  if (!(await needsInstall(apiDir))) {
    return undefined;
  }
  const { code, log, timedOut } = await runNpm(apiDir, timeoutMs);
  // npm writes with the process umask (0644 files): the installed files become private like the rest.
  await tightenTree(apiDir);
  if (timedOut || code !== 0) {
    const why = timedOut
      ? `did not finish within ${Math.round(timeoutMs / 1000)} s`
      : `failed (exit code ${code})`;
    throw new PorticoError(
      'DEPLOY_API_INVALID',
      `Installing the API's dependencies (npm install --omit=dev) ${why}; the previous deployment keeps serving. Include node_modules in the API folder, or fix package.json. Last output:\n${log.slice(-2000)}`,
    );
  }
  return { log };
}

async function needsInstall(apiDir: string): Promise<boolean> {
  const text = await readFile(join(apiDir, 'package.json'), 'utf8').catch(() => undefined);
  if (text === undefined) {
    return false;
  }
  let pkg: unknown;
  try {
    pkg = JSON.parse(text);
  } catch (cause) {
    throw new PorticoError(
      'DEPLOY_API_INVALID',
      `The API's package.json is not valid JSON: ${(cause as Error).message}.`,
    );
  }
  const dependencies = isRecord(pkg) ? pkg.dependencies : undefined;
  if (!isRecord(dependencies) || Object.keys(dependencies).length === 0) {
    return false;
  }
  return !(await stat(join(apiDir, 'node_modules')).then(
    (s) => s.isDirectory(),
    () => false,
  ));
}

function runNpm(
  cwd: string,
  timeoutMs: number,
): Promise<{ code: number | null; log: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const child = spawn(
      npm,
      ['install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline'],
      {
        cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, npm_config_update_notifier: 'false' },
      },
    );
    let log = '';
    const append = (chunk: Buffer) => {
      log = (log + chunk.toString('utf8')).slice(-MAX_LOG_CHARS);
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => append(Buffer.from(`\n${error.message}\n`)));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, log, timedOut });
    });
  });
}
