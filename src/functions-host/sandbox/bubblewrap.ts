/**
 * Linux namespaces through bubblewrap: the worker gets an empty root with only the system folders (read
 * only), its app at {@link SANDBOX_APP_DIR} (read only), Portico's worker files (read only) and its private
 * `/tmp` (the only writable place: a size-limited tmpfs of its own mount namespace, which goes with the
 * sandbox whatever happens to the server; decision 0113); its own PID namespace and `/proc`, its own IPC, UTS and
 * cgroup namespaces; a new session; and it dies with the server. With a private network it also gets its
 * own network namespace (slirp4netns connects it, see private-network.ts); otherwise it shares the host's.
 */
import { spawn } from 'node:child_process';
import { lstat, readlink } from 'node:fs/promises';
import { dirname, sep } from 'node:path';
import { PRIVATE_NETWORK_FDS } from './types.js';

/** Where the app is inside the sandbox (where Azure puts it on Linux). */
export const SANDBOX_APP_DIR = '/home/site/wwwroot';
/** The private temp folder inside the sandbox. */
export const SANDBOX_TEMP_DIR = '/tmp';

/** System folders bound read-only (symbolic links, as in merged-/usr systems, are recreated as such). */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
const RESOLV_CONF = '/etc/resolv.conf';
/** The files of /etc a Node process needs: name resolution, CA certificates, time zone, the linker cache. */
const SYSTEM_ETC = [
  RESOLV_CONF,
  '/etc/hosts',
  '/etc/nsswitch.conf',
  '/etc/host.conf',
  '/etc/gai.conf',
  '/etc/localtime',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/pki',
  '/etc/alternatives',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
];
const NAMESPACES = ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try'];

/**
 * The sandbox's `/tmp`: a tmpfs of `sizeBytes` that only its mount namespace holds (bubblewrap 0.5 or
 * later), or a folder of the host bound there (older bubblewrap, and programs run for a tenant).
 */
export type SandboxTemp = { readonly sizeBytes: number } | { readonly hostDir: string };

/** What one worker's sandbox shows. */
export interface BubblewrapMounts {
  readonly appDir: string;
  readonly temp: SandboxTemp;
  /** Read-only, at their own paths: the node binary, Portico's worker files. */
  readonly readOnly: readonly string[];
  /** Paths masked by an empty folder (the data folder, should it sit under a system folder). */
  readonly hidden: readonly string[];
  /**
   * Drop every capability (bwrap started by root keeps them otherwise). False only when setpriv runs next
   * to change to the site's uid, which needs them and drops them itself.
   */
  readonly dropCapabilities: boolean;
  /**
   * Its own network namespace, with this file (slirp4netns' resolver) as /etc/resolv.conf: the host's
   * may name a resolver on the host's loopback, which the sandbox no longer reaches.
   */
  readonly privateNetwork?: { readonly resolvConf: string };
}

/** The bwrap arguments before the command (which follows `--`). */
export async function bubblewrapArgs(mounts: BubblewrapMounts): Promise<string[]> {
  const args = await systemArgs(mounts, mounts.privateNetwork?.resolvConf);
  if (mounts.privateNetwork !== undefined) {
    args.push(...privateNetworkArgs());
  }
  args.push(...parentDirs(SANDBOX_APP_DIR), '--ro-bind', mounts.appDir, SANDBOX_APP_DIR);
  args.push('--chdir', SANDBOX_APP_DIR);
  return args;
}

/** What a program the server runs for a tenant (npm) sees besides the system folders. */
export interface ProgramMounts {
  /** Its private temp folder, at {@link SANDBOX_TEMP_DIR}. */
  readonly tempDir: string;
  /** Read-write, at their own paths. */
  readonly writable: readonly string[];
  /** Read-only, at their own paths. */
  readonly readOnly: readonly string[];
  readonly hidden: readonly string[];
  readonly cwd: string;
}

/**
 * The bwrap arguments of such a program: the worker's view, without capabilities, with the folders it
 * works on in place of the app (bound after the hidden folders, so they show even inside one).
 */
export async function programBubblewrapArgs(mounts: ProgramMounts): Promise<string[]> {
  const args = await systemArgs({ ...mounts, temp: { hostDir: mounts.tempDir }, dropCapabilities: true });
  for (const path of mounts.writable) {
    args.push(...parentDirs(path), '--bind', path, path);
  }
  args.push('--chdir', mounts.cwd);
  return args;
}

/**
 * A network namespace of its own, whose pid bwrap writes to the info pipe before it waits on the block
 * pipe: the spawner connects the namespace in between (see {@link PRIVATE_NETWORK_FDS}).
 */
function privateNetworkArgs(): string[] {
  return [
    '--unshare-net',
    '--info-fd',
    String(PRIVATE_NETWORK_FDS.info),
    '--block-fd',
    String(PRIVATE_NETWORK_FDS.block),
  ];
}

/**
 * Namespaces, /proc, /dev, the system folders, /etc's few files (with `resolvConf` in place of the host's
 * /etc/resolv.conf when given), /tmp, the read-only and hidden paths.
 */
async function systemArgs(
  mounts: Pick<BubblewrapMounts, 'temp' | 'readOnly' | 'hidden' | 'dropCapabilities'>,
  resolvConf?: string,
): Promise<string[]> {
  const args = [...NAMESPACES, '--die-with-parent', '--new-session', '--proc', '/proc', '--dev', '/dev'];
  if (mounts.dropCapabilities) {
    args.push('--cap-drop', 'ALL');
  }
  for (const dir of SYSTEM_DIRS) {
    args.push(...(await systemDirArgs(dir)));
  }
  args.push('--perms', '0755', '--dir', '/etc');
  for (const path of SYSTEM_ETC) {
    if (path === RESOLV_CONF && resolvConf !== undefined) {
      args.push('--ro-bind', resolvConf, path);
    } else {
      args.push('--ro-bind-try', path, path);
    }
  }
  // The private /tmp comes before the read-only binds: Portico (or Node) installed under /tmp must stay
  // visible, and a later mount on /tmp would hide it.
  args.push(...tempArgs(mounts.temp));
  for (const path of mounts.readOnly.filter((path) => !isUnderSystemDir(path))) {
    args.push(...parentDirs(path), '--ro-bind', path, path);
  }
  for (const path of mounts.hidden.filter((hidden) => isUnderSystemDir(hidden))) {
    args.push('--tmpfs', path);
  }
  return args;
}

/**
 * `/tmp` as a tmpfs of its own, world-writable and sticky as a system /tmp is (a site's uid, which setpriv
 * changes to after bwrap made the mount, must write there), or the host folder bound in its place.
 */
function tempArgs(temp: SandboxTemp): string[] {
  return 'hostDir' in temp
    ? ['--bind', temp.hostDir, SANDBOX_TEMP_DIR]
    : ['--perms', '1777', '--size', String(temp.sizeBytes), '--tmpfs', SANDBOX_TEMP_DIR];
}

/** What {@link probeBubblewrap} found. */
export interface BubblewrapProbe {
  /** bubblewrap creates its namespaces here (as this user). */
  readonly works: boolean;
  /** It can give `/tmp` a size (`--size`, bubblewrap 0.5 or later). */
  readonly sizedTmpfs: boolean;
}

/**
 * Runs Node in the same namespaces, with a sized tmpfs on `/tmp`, and without one only if that failed
 * (bubblewrap before 0.5 has no `--size`). `node --version` answers before Node starts its JavaScript: the
 * probe needs the namespaces and the binary, and costs 20 ms instead of the 100 ms of `node -e 0`, on the
 * start path of `portico serve`.
 */
export async function probeBubblewrap(bwrap: string): Promise<BubblewrapProbe> {
  const args = [
    ...NAMESPACES,
    '--die-with-parent',
    '--ro-bind',
    '/',
    '/',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
  ];
  if (await runsNode(bwrap, [...args, ...tempArgs({ sizeBytes: 1024 * 1024 })])) {
    return { works: true, sizedTmpfs: true };
  }
  return { works: await runsNode(bwrap, args), sizedTmpfs: false };
}

function runsNode(bwrap: string, args: readonly string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(bwrap, [...args, process.execPath, '--version'], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

async function systemDirArgs(dir: string): Promise<string[]> {
  const info = await lstat(dir).catch(() => undefined);
  if (info === undefined) {
    return [];
  }
  return info.isSymbolicLink() ? ['--symlink', await readlink(dir), dir] : ['--ro-bind', dir, dir];
}

/** `--dir` for each missing ancestor of `path`, world-traversable (bwrap makes them 0700 otherwise). */
function parentDirs(path: string): string[] {
  const parents: string[] = [];
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    parents.unshift('--perms', '0755', '--dir', dir);
  }
  return parents;
}

function isUnderSystemDir(path: string): boolean {
  return SYSTEM_DIRS.some((dir) => path.startsWith(`${dir}${sep}`)) || path.startsWith(`/etc${sep}`);
}
