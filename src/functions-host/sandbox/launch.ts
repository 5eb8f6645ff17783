/**
 * Prepares one worker's launch under a {@link SandboxProfile}: a private folder named for this process
 * (stale-folders.ts) holding its temp folder (unless bubblewrap gives it a tmpfs of its own), its
 * resolv.conf when it has its own network, and under `user` without bubblewrap a read-only copy of its
 * app; the Node permission flags, the bubblewrap and uid wrapping, and an environment whose TMPDIR and
 * HOME are its temp folder.
 */
import { chmod, chown, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfinedProgram, ProgramRun } from '../../shared/confine.js';
import { bubblewrapArgs, programBubblewrapArgs, SANDBOX_APP_DIR, SANDBOX_TEMP_DIR } from './bubblewrap.js';
import { nodePermissionArgs } from './node-permission.js';
import { PRIVATE_RESOLV_CONF } from './private-network.js';
import { privateFolderPrefix } from './stale-folders.js';
import {
  type Sandbox,
  type SandboxProfile,
  WORKER_TEMP_BYTES,
  type WorkerLaunch,
  type WorkerLaunchInput,
} from './types.js';
import { grantFolder, uidFor } from './user.js';
import { resolveWorkerFiles } from './worker-files.js';

/** What the machine lacks for a sandbox (see {@link Sandbox}'s `notice` and `tempNotice`). */
export interface SandboxNotices {
  readonly network?: string;
  readonly temp?: string;
}

/** A sandbox applying `profile` to every worker; `notices` say what the machine lacks. */
export function createSandbox(profile: SandboxProfile, notices: SandboxNotices = {}): Sandbox {
  return {
    profile,
    describe: () => describeProfile(profile),
    ...(notices.network === undefined ? {} : { notice: notices.network }),
    ...(notices.temp === undefined ? {} : { tempNotice: notices.temp }),
    prepare: (input) =>
      profile.nodePermission ? prepareSandboxed(profile, input) : Promise.resolve(plainLaunch(input)),
    confine: (run) => confineProgram(profile, run),
  };
}

/**
 * A program run for a tenant (npm), in bubblewrap when the profile has it: the system folders, its own
 * files, the folders it works on and a private `/tmp`, no capabilities, and as the server's uid (its
 * files stay the server's; a uid per site would have to own a cache shared by sites). Without
 * bubblewrap it runs as it is: the Node permission model would not hold npm's child processes, and a
 * uid alone would still see every folder other users can read. It keeps the host's network, even with a
 * private one for the workers: a registry may be on loopback, and npm runs no scripts of the tenant.
 */
async function confineProgram(profile: SandboxProfile, run: ProgramRun): Promise<ConfinedProgram> {
  const bwrap = profile.bubblewrap;
  if (bwrap === undefined) {
    return { ...run, confined: false, cleanup: async () => {} };
  }
  const tempDir = await mkdtemp(await privateFolderPrefix(profile.tempBase ?? tmpdir(), 'run'));
  const cleanup = () => rm(tempDir, { recursive: true, force: true });
  try {
    const mounts = await programBubblewrapArgs({
      tempDir,
      writable: run.writable,
      readOnly: [process.execPath, ...run.readOnly],
      hidden: profile.hidden,
      cwd: run.cwd,
    });
    return {
      command: bwrap.bwrap,
      args: [...mounts, '--', run.command, ...run.args],
      cwd: '/',
      env: { ...run.env, TMPDIR: SANDBOX_TEMP_DIR },
      confined: true,
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** `bubblewrap + private network + uid per site (1000000000+) + Node permission model`, or `none`. */
export function describeProfile(profile: SandboxProfile): string {
  const parts = [
    profile.bubblewrap === undefined ? undefined : 'bubblewrap (Linux namespaces)',
    profile.bubblewrap === undefined || profile.privateNetwork === undefined
      ? undefined
      : 'private network (slirp4netns)',
    profile.user === undefined ? undefined : `a uid per site (${profile.user.base}+)`,
    profile.nodePermission ? 'Node permission model' : undefined,
  ].filter((part): part is string => part !== undefined);
  return parts.length === 0
    ? 'none (functions run as the server, with its view of the machine)'
    : parts.join(' + ');
}

/** Today's unsandboxed launch (`--sandbox none`). */
function plainLaunch(input: WorkerLaunchInput): WorkerLaunch {
  return {
    command: process.execPath,
    args: [...input.nodeArgs, input.workerPath, JSON.stringify(input.config)],
    env: input.env,
    cwd: input.config.appDir,
    stopWith: 'signal',
    cleanup: async () => {},
  };
}

async function prepareSandboxed(profile: SandboxProfile, input: WorkerLaunchInput): Promise<WorkerLaunch> {
  const uid = profile.user === undefined ? undefined : uidFor(profile.user, input.identity);
  const root = await mkdtemp(await privateFolderPrefix(profile.tempBase ?? tmpdir(), 'fn'));
  try {
    const folders = await privateFolders(profile, input, root, uid);
    return await sandboxedLaunch(profile, input, folders, uid, () =>
      rm(root, { recursive: true, force: true }),
    );
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

interface Folders {
  /** On the host. */
  readonly appDir: string;
  /** Absent when the worker's /tmp is a tmpfs of its sandbox ({@link SandboxProfile.tempBytes}). */
  readonly tempDir?: string;
  /** The worker's /etc/resolv.conf, when it has its own network. */
  readonly resolvConf?: string;
}

/**
 * The slirp4netns that connects the worker's own network: under bubblewrap with a private network, for
 * a worker that does not listen itself (nothing outside could reach a port in its namespace).
 */
function privateNetworkOf(profile: SandboxProfile, input: WorkerLaunchInput): string | undefined {
  if (profile.bubblewrap === undefined || input.config.connections !== 'parent') {
    return undefined;
  }
  return profile.privateNetwork?.slirp4netns;
}

/**
 * The worker's temp folder on the host (its own; none when its sandbox makes a tmpfs), its resolv.conf
 * with its own network, and the app folder it reads.
 */
async function privateFolders(
  profile: SandboxProfile,
  input: WorkerLaunchInput,
  root: string,
  uid: number | undefined,
): Promise<Folders> {
  const tempDir = await hostTempFolder(profile, root, uid);
  const appDir = await appFolder(profile, input, root, uid);
  const folders = { appDir, ...(tempDir === undefined ? {} : { tempDir }) };
  if (privateNetworkOf(profile, input) === undefined) {
    return folders;
  }
  // Bound read-only over /etc/resolv.conf by bwrap, which runs as the server: the uid only reads it.
  const resolvConf = join(root, 'resolv.conf');
  await writeFile(resolvConf, PRIVATE_RESOLV_CONF, { mode: 0o644 });
  return { ...folders, resolvConf };
}

/** `<root>/tmp`, the worker's own (its uid's under `user`); none when bubblewrap gives it a sized tmpfs. */
async function hostTempFolder(
  profile: SandboxProfile,
  root: string,
  uid: number | undefined,
): Promise<string | undefined> {
  if (profile.bubblewrap !== undefined && profile.tempBytes !== undefined) {
    return undefined;
  }
  const tempDir = join(root, 'tmp');
  await mkdir(tempDir, { mode: 0o700 });
  if (uid !== undefined) {
    await chown(tempDir, uid, uid);
  }
  return tempDir;
}

/** The app folder the worker reads: its own, or under `user` without bubblewrap a copy the uid may read. */
async function appFolder(
  profile: SandboxProfile,
  input: WorkerLaunchInput,
  root: string,
  uid: number | undefined,
): Promise<string> {
  if (uid === undefined) {
    return input.config.appDir;
  }
  if (profile.bubblewrap !== undefined) {
    // Bound into the sandbox, so the private parents of the data folder do not matter.
    await grantFolder(input.config.appDir, uid);
    return input.config.appDir;
  }
  // Without a mount namespace the uid cannot reach into the private data folder: it gets its own copy.
  await chmod(root, 0o711);
  const appDir = join(root, 'app');
  await cp(input.config.appDir, appDir, { recursive: true, verbatimSymlinks: true });
  await grantFolder(appDir, uid);
  return appDir;
}

async function sandboxedLaunch(
  profile: SandboxProfile,
  input: WorkerLaunchInput,
  folders: Folders,
  uid: number | undefined,
  cleanup: () => Promise<void>,
): Promise<WorkerLaunch> {
  const bwrap = profile.bubblewrap;
  const appDir = bwrap === undefined ? folders.appDir : SANDBOX_APP_DIR;
  const tempDir = bwrap === undefined ? (folders.tempDir ?? SANDBOX_TEMP_DIR) : SANDBOX_TEMP_DIR;
  const workerFiles = await resolveWorkerFiles(input.workerPath);
  const config = { ...input.config, appDir, sandboxed: true };
  const node = [
    process.execPath,
    ...input.nodeArgs,
    ...nodePermissionArgs({ read: [appDir, ...workerFiles], write: [tempDir] }),
    input.workerPath,
    JSON.stringify(config),
  ];
  const env = { ...input.env, TMPDIR: tempDir, HOME: tempDir };
  if (bwrap === undefined) {
    const [command = process.execPath, ...args] = node;
    const ids = uid === undefined ? {} : { uid, gid: uid };
    return { command, args, env, cwd: folders.appDir, ...ids, stopWith: 'signal', cleanup };
  }
  const slirp4netns = privateNetworkOf(profile, input);
  const mounts = await bubblewrapArgs({
    appDir: folders.appDir,
    temp:
      folders.tempDir === undefined
        ? { sizeBytes: profile.tempBytes ?? WORKER_TEMP_BYTES }
        : { hostDir: folders.tempDir },
    readOnly: [process.execPath, ...workerFiles],
    hidden: profile.hidden,
    dropCapabilities: uid === undefined,
    ...(folders.resolvConf === undefined ? {} : { privateNetwork: { resolvConf: folders.resolvConf } }),
  });
  const drop = uid === undefined ? [] : setprivArgs(bwrap.setpriv ?? 'setpriv', uid);
  return {
    command: bwrap.bwrap,
    args: [...mounts, '--', ...drop, ...node],
    env,
    cwd: '/',
    stopWith: 'message',
    ...(slirp4netns === undefined ? {} : { network: { slirp4netns } }),
    cleanup,
  };
}

/**
 * bubblewrap runs as root (so it can bind the private app folder); setpriv then drops to the site's uid
 * with no capabilities, no supplementary groups and no way to gain privileges back.
 */
function setprivArgs(setpriv: string, uid: number): string[] {
  return [
    setpriv,
    `--reuid=${uid}`,
    `--regid=${uid}`,
    '--clear-groups',
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--no-new-privs',
    '--',
  ];
}
