/**
 * The sandbox's choices and flags: option values, uids per site, the Node permission flags per Node
 * version, and failing closed when a mechanism asked for by name is missing.
 * @see issue 13, item 1
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bubblewrapArgs } from './bubblewrap.js';
import { nodePermissionArgs } from './node-permission.js';
import { parseSandboxChoice, resolveSandbox } from './select.js';
import { grantFolder, parseFunctionsUser, uidFor } from './user.js';

describe('--sandbox and --functions-user values', () => {
  it('accepts the mechanisms in any case and names them all when one is unknown', () => {
    expect(parseSandboxChoice('Bubblewrap')).toBe('bubblewrap');
    expect(() => parseSandboxChoice('docker')).toThrow(/auto, bubblewrap, user, node, none/);
  });

  it('reads auto, a first uid, or a first uid and a count, and explains a bad one', () => {
    expect(parseFunctionsUser('auto')).toEqual({ base: 1_000_000_000, range: 1_000_000_000 });
    expect(parseFunctionsUser('200000')).toEqual({ base: 200_000, range: 65_536 });
    expect(parseFunctionsUser('200000:10')).toEqual({ base: 200_000, range: 10 });
    for (const bad of ['0', 'nobody', '4294967290:100', '5:0']) {
      expect(() => parseFunctionsUser(bad), bad).toThrow(/expected auto, off, a first uid/);
    }
  });

  it('gives each site a stable uid inside the range', () => {
    const user = { base: 200_000, range: 10 };
    const uid = uidFor(user, 'site:a');
    expect(uid).toBeGreaterThanOrEqual(200_000);
    expect(uid).toBeLessThan(200_010);
    expect(uidFor(user, 'site:a')).toBe(uid);
  });
});

describe('Node permission flags', () => {
  const permissions = { read: ['/app', '/portico/dist'], write: ['/tmp/w'] };

  it('spells Node 20 --experimental-permission, one flag per path, writable paths readable too', () => {
    expect(nodePermissionArgs(permissions, { ...process.versions, node: '20.20.2' })).toEqual([
      '--experimental-permission',
      '--disable-warning=ExperimentalWarning',
      '--allow-fs-read=/app',
      '--allow-fs-read=/portico/dist',
      '--allow-fs-read=/tmp/w',
      '--allow-fs-write=/tmp/w',
    ]);
  });

  it('leaves out paths inside another granted folder, so that Node 20 grants the folder itself', () => {
    // Portico installed under /tmp: its worker files are inside the sandbox's /tmp. Node 20 would then
    // refuse readdir and statfs of /tmp itself (its tree of granted paths splits /tmp/* in two).
    const args = nodePermissionArgs(
      {
        read: ['/home/site/wwwroot', '/tmp/portico/dist/functions-host/worker', '/opt/lib'],
        write: ['/tmp'],
      },
      { ...process.versions, node: '20.20.2' },
    );
    expect(args.filter((arg) => arg.startsWith('--allow-fs'))).toEqual([
      '--allow-fs-read=/home/site/wwwroot',
      '--allow-fs-read=/opt/lib',
      '--allow-fs-read=/tmp',
      '--allow-fs-write=/tmp',
    ]);
  });

  it('spells Node 22 and later --permission, and never allows processes, threads or addons', () => {
    const args = nodePermissionArgs(permissions, { ...process.versions, node: '22.12.0' });
    expect(args[0]).toBe('--permission');
    expect(args.join(' ')).not.toMatch(/allow-child-process|allow-worker|allow-addons|allow-wasi/);
  });
});

describe('choosing the sandbox at start', () => {
  it('fails closed when bubblewrap is asked for and missing, saying how to install it', async () => {
    const error = await resolveSandbox({ choice: 'bubblewrap', searchPath: '/nonexistent' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'FUNCTIONS_SANDBOX_UNAVAILABLE' });
    expect(String((error as Error).message)).toMatch(/bwrap is not installed.*apt-get install bubblewrap/);
  });

  it('falls back under auto to what the machine has, always with the Node floor', async () => {
    const sandbox = await resolveSandbox({
      choice: 'auto',
      searchPath: '/nonexistent',
      functionsUser: 'off',
    });
    expect(sandbox.describe()).toBe('Node permission model');
  });

  it('fails closed when a private network is asked for without bubblewrap or slirp4netns', async () => {
    const refused = (request: Parameters<typeof resolveSandbox>[0]) =>
      resolveSandbox(request).then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(await refused({ choice: 'node', network: 'private' })).toMatchObject({
      code: 'FUNCTIONS_SANDBOX_UNAVAILABLE',
      message: expect.stringMatching(/--functions-network private: .*--sandbox node has none/),
    });
    expect(await refused({ choice: 'none', network: 'private' })).toMatchObject({
      code: 'FUNCTIONS_SANDBOX_UNAVAILABLE',
    });
    expect(
      await refused({ choice: 'auto', network: 'private', searchPath: '/nonexistent', functionsUser: 'off' }),
    ).toMatchObject({ message: expect.stringMatching(/needs bubblewrap.*apt-get install bubblewrap/) });
  });

  it('reports none as running with the server’s view of the machine', async () => {
    const sandbox = await resolveSandbox({ choice: 'none' });
    expect(sandbox.describe()).toMatch(/^none/);
  });
});

describe('bubblewrap arguments', () => {
  const mounts = {
    appDir: '/data/cache/deployments/d1/api',
    temp: { hostDir: '/tmp/portico-fn-x/tmp' },
    readOnly: ['/opt/portico/dist/functions-host/worker'],
    hidden: ['/usr/local/var/portico', '/srv/data'],
    dropCapabilities: true,
  };

  it('binds the app read-only at /home/site/wwwroot and a host folder, when given, as the only writable /tmp', async () => {
    const args = (await bubblewrapArgs(mounts)).join(' ');
    expect(args).toContain('--ro-bind /data/cache/deployments/d1/api /home/site/wwwroot');
    expect(args).toContain('--bind /tmp/portico-fn-x/tmp /tmp');
    expect(args).toContain('--perms 0755 --dir /home --perms 0755 --dir /home/site');
    expect(args).toContain(
      '--ro-bind /opt/portico/dist/functions-host/worker /opt/portico/dist/functions-host/worker',
    );
    expect(args).toMatch(/--unshare-pid .*--die-with-parent --new-session --proc \/proc/);
    expect(args).not.toContain('--unshare-net');
    expect(args).not.toContain('--info-fd');
    expect(args).toContain('--ro-bind-try /etc/resolv.conf /etc/resolv.conf');
  });

  it('gives a private network its own namespace, the pipes slirp4netns needs and slirp’s resolver', async () => {
    const args = (
      await bubblewrapArgs({ ...mounts, privateNetwork: { resolvConf: '/tmp/portico-fn-x/resolv.conf' } })
    ).join(' ');
    expect(args).toContain('--unshare-net --info-fd 4 --block-fd 5');
    expect(args).toContain('--ro-bind /tmp/portico-fn-x/resolv.conf /etc/resolv.conf');
    expect(args).not.toContain('--ro-bind-try /etc/resolv.conf');
  });

  it('masks a data folder under a system folder, and drops capabilities unless setpriv needs them', async () => {
    const args = await bubblewrapArgs(mounts);
    expect(args.join(' ')).toContain('--tmpfs /usr/local/var/portico');
    expect(args.join(' ')).not.toContain('--tmpfs /srv/data');
    expect(args.join(' ')).toContain('--cap-drop ALL');
    expect((await bubblewrapArgs({ ...mounts, dropCapabilities: false })).join(' ')).not.toContain(
      '--cap-drop',
    );
  });
});

describe.skipIf(!existsSync('/usr/bin/bwrap'))('bubblewrap with Portico installed under /tmp', () => {
  it('keeps read-only files under /tmp visible beside the private /tmp, which stays writable', async () => {
    const { mkdir, mkdtemp, writeFile } = await import('node:fs/promises');
    const { spawnSync } = await import('node:child_process');
    const root = await mkdtemp('/tmp/portico-install-');
    const worker = join(root, 'dist', 'worker');
    const app = join(root, 'app');
    const temp = join(root, 'temp');
    await Promise.all([mkdir(worker, { recursive: true }), mkdir(app), mkdir(temp)]);
    await writeFile(join(worker, 'main.js'), 'worker code');
    const args = await bubblewrapArgs({
      appDir: app,
      temp: { hostDir: temp },
      readOnly: [process.execPath, worker],
      hidden: [],
      dropCapabilities: true,
    });
    const script = `const fs = require('node:fs'); fs.writeFileSync('/tmp/written', 'x'); process.stdout.write(fs.readFileSync(${JSON.stringify(join(worker, 'main.js'))}, 'utf8'))`;
    const run = spawnSync('/usr/bin/bwrap', [...args, '--', process.execPath, '-e', script], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('worker code');
    expect(existsSync(join(temp, 'written'))).toBe(true);
  });
});

describe.skipIf(process.getuid?.() !== 0)('granting a deployment folder to a site (as root)', () => {
  it('never changes the group of a file another deployment shares through a hard link', async () => {
    const { link, mkdir, mkdtemp, readFile, stat, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const root = await mkdtemp(join(tmpdir(), 'portico-grant-'));
    const blob = join(root, 'blob');
    await writeFile(blob, 'shared content', { mode: 0o600 });
    for (const site of ['a', 'b']) {
      await mkdir(join(root, site));
      await link(blob, join(root, site, 'index.js'));
    }
    await grantFolder(join(root, 'a'), 1_000_000_001);
    await grantFolder(join(root, 'b'), 1_000_000_002);
    expect((await stat(join(root, 'a', 'index.js'))).gid).toBe(1_000_000_001);
    expect((await stat(join(root, 'b', 'index.js'))).gid).toBe(1_000_000_002);
    expect((await stat(blob)).gid).toBe(0);
    expect((await stat(blob)).mode & 0o777).toBe(0o600);
    expect(await readFile(join(root, 'a', 'index.js'), 'utf8')).toBe('shared content');
  });
});

describe.skipIf(!existsSync('/usr/bin/bwrap'))('a program run for a tenant (npm) under bubblewrap', () => {
  it('writes only the folders it works on, and sees none of the server’s other files', async () => {
    const { mkdir, mkdtemp, readFile, writeFile } = await import('node:fs/promises');
    const { spawnSync } = await import('node:child_process');
    const { tmpdir } = await import('node:os');
    const root = await mkdtemp(join(tmpdir(), 'portico-confine-'));
    const project = join(root, 'data', 'cache', 'api');
    const home = join(root, 'data', 'cache', 'npm');
    const secret = join(root, 'data', 'admin-token');
    await Promise.all([mkdir(project, { recursive: true }), mkdir(home, { recursive: true })]);
    await writeFile(secret, 'admin-token-value');
    const sandbox = await resolveSandbox({ choice: 'bubblewrap', functionsUser: 'off' });
    const script = `const fs = require('node:fs');
const tryRead = (path) => { try { return fs.readFileSync(path, 'utf8'); } catch (error) { return error.code; } };
const tryWrite = (path) => { try { fs.writeFileSync(path, 'x'); return 'written'; } catch (error) { return error.code; } };
process.stdout.write(JSON.stringify({
  secret: tryRead(${JSON.stringify(secret)}),
  project: tryWrite('node_modules.txt'),
  home: tryWrite(${JSON.stringify(join(home, 'cache.txt'))}),
  beside: tryWrite(${JSON.stringify(join(root, 'data', 'planted'))}),
  tmp: tryWrite(require('node:path').join(require('node:os').tmpdir(), 'scratch')),
  tmpdir: require('node:os').tmpdir(),
}));`;
    const program = await sandbox.confine({
      command: process.execPath,
      args: ['-e', script],
      cwd: project,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      writable: [project, home],
      readOnly: [],
    });
    expect(program.confined).toBe(true);
    const run = spawnSync(program.command, program.args, {
      cwd: program.cwd,
      env: program.env,
      encoding: 'utf8',
    });
    await program.cleanup();
    expect(run.stderr).toBe('');
    // Beside its folders it may write into the sandbox's own scratch space, never the server's folder.
    expect(JSON.parse(run.stdout)).toMatchObject({
      secret: 'ENOENT',
      project: 'written',
      home: 'written',
      tmp: 'written',
      tmpdir: '/tmp',
    });
    expect(await readFile(join(project, 'node_modules.txt'), 'utf8')).toBe('x');
    expect(existsSync(join(root, 'data', 'planted'))).toBe(false);
    expect(existsSync(join(tmpdir(), 'scratch'))).toBe(false);
  });

  it('runs the program as it is when the sandbox has no bubblewrap', async () => {
    const sandbox = await resolveSandbox({ choice: 'node' });
    const run = { command: 'npm', args: ['install'], cwd: '/x', env: {}, writable: ['/x'], readOnly: [] };
    expect(await sandbox.confine(run)).toMatchObject({ command: 'npm', args: ['install'], confined: false });
  });
});
