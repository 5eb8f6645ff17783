/**
 * `portico start --api` on a TypeScript Functions app whose build output is missing: its `build` script
 * runs first (said so on stderr), its `watch` script runs beside the worker and new output restarts the
 * worker; stopping Portico stops the watch; a failing build is a clear error.
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventually, send, writeApp } from '../helpers/app.js';
import { runCli, startCli } from '../helpers/cli.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/functions/ts-build/', import.meta.url));
/** Inside the repository, so the copied app resolves `@azure/functions` from its node_modules. */
const SCRATCH = fileURLToPath(new URL('../.tmp/', import.meta.url));

async function copyApi(name: string): Promise<string> {
  await mkdir(SCRATCH, { recursive: true });
  const dir = join(SCRATCH, `${name}-${process.pid}`);
  await rm(dir, { recursive: true, force: true });
  await cp(FIXTURE, dir, { recursive: true });
  return dir;
}

async function textOf(url: string): Promise<string> {
  const response = await send(url).catch(() => undefined);
  return response?.status === 200 ? response.text : '';
}

/** How many times the log says the API restarted for a change. */
function restartsIn(log: string): number {
  return log.split('API changed, restarting').length - 1;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('portico start --api with a TypeScript app', () => {
  it('builds missing output first, rebuilds through the watch script, and stops the watch on exit', async () => {
    const apiDir = await copyApi('ts-build');
    const appDir = await writeApp({ 'index.html': 'x' });
    const cli = await startCli(['start', appDir, '--port', '0', '--api', apiDir], 120_000);
    try {
      expect(cli.stderr()).toContain('is missing; running `npm run build`');
      expect(cli.stderr()).toContain('running `npm run watch`');
      await eventually(async () => (await textOf(`${cli.url}/api/hello`)) === 'compiled v1', 60_000);
      const source = join(apiDir, 'src', 'functions', 'hello.ts');
      const restartsBefore = restartsIn(cli.stderr());
      await writeFile(source, (await readFile(source, 'utf8')).replace('compiled v1', 'compiled v2'));
      await eventually(async () => (await textOf(`${cli.url}/api/hello`)) === 'compiled v2', 60_000);
      // The watch's lines are prefixed, without the codes that would clear the developer's terminal.
      expect(cli.stderr()).toMatch(/\[api watch\] \d\d:\d\d:\d\d - File change detected/);
      expect(cli.stderr()).not.toContain('\x1b[2J');
      // The edit of the source restarts nothing; the output the watch wrote does, once.
      expect(restartsIn(cli.stderr()) - restartsBefore).toBe(1);
      const watchPid = Number(await readFile(join(apiDir, 'node_modules', '.watch.pid'), 'utf8'));
      expect(isAlive(watchPid)).toBe(true);
      expect(await cli.stop()).toBe(0);
      await eventually(async () => !isAlive(watchPid), 20_000);
    } finally {
      await cli.stop();
      await rm(apiDir, { recursive: true, force: true });
      await rm(appDir, { recursive: true, force: true });
    }
    // Two TypeScript compiles and a worker start: the waits above, not the default 20 s, bound it.
  }, 240_000);

  it('a failing build stops the start with the build error and a clear message', async () => {
    const apiDir = await copyApi('ts-build-broken');
    const appDir = await writeApp({ 'index.html': 'x' });
    await writeFile(join(apiDir, 'src', 'functions', 'hello.ts'), 'BROKEN');
    try {
      const result = await runCli(['start', appDir, '--port', '0', '--api', apiDir], 120_000);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("error TS1005: ';' expected.");
      expect(result.stderr).toContain('`npm run build` in');
      expect(result.stderr).toContain('failed (exit code 2)');
      expect(result.stdout).not.toMatch(/https?:\/\//);
    } finally {
      await rm(apiDir, { recursive: true, force: true });
      await rm(appDir, { recursive: true, force: true });
    }
  }, 150_000);
});
