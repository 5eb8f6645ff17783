/**
 * Prepares one worker's launch under a {@link SandboxProfile}: a private folder (its temp folder, and under
 * `user` without bubblewrap a read-only copy of its app), the Node permission flags, the bubblewrap and
 * uid wrapping, and an environment whose TMPDIR and HOME are that temp folder.
 */
import { chmod, chown, cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfinedProgram, ProgramRun } from '../../shared/confine.js';
import { bubblewrapArgs, programBubblewrapArgs, SANDBOX_APP_DIR, SANDBOX_TEMP_DIR } from './bubblewrap.js';
import { nodePermissionArgs } from './node-permission.js';
import type { Sandbox, SandboxProfile, WorkerLaunch, WorkerLaunchInput } from './types.js';
import { grantFolder, uidFor } from './user.js';
import { resolveWorkerFiles } from './worker-files.js';

/** A sandbox applying `profile` to every worker. */
export function createSandbox(profile: SandboxProfile): Sandbox {
  return {
    profile,
    describe: () => describeProfile(profile),
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
 * uid alone would still see every folder other users can read.
 */
async function confineProgram(profile: SandboxProfile, run: ProgramRun): Promise<ConfinedProgram> {
  const bwrap = profile.bubblewrap;
  if (bwrap === undefined) {
    return { ...run, confined: false, cleanup: async () => {} };
  }
  const tempDir = await mkdtemp(join(profile.tempBase ?? tmpdir(), 'portico-run-'));
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

/** `bubblewrap + uid per site (1000000000+) + Node permission model`, or `none`. */
export function describeProfile(profile: SandboxProfile): string {
  const parts = [
    profile.bubblewrap === undefined ? undefined : 'bubblewrap (Linux namespaces)',
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
  const root = await mkdtemp(join(profile.tempBase ?? tmpdir(), 'portico-fn-'));
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
  readonly tempDir: string;
}

/** The worker's temp folder (its own), and the app folder it reads. */
async function privateFolders(
  profile: SandboxProfile,
  input: WorkerLaunchInput,
  root: string,
  uid: number | undefined,
): Promise<Folders> {
  const tempDir = join(root, 'tmp');
  await mkdir(tempDir, { mode: 0o700 });
  if (uid === undefined) {
    return { appDir: input.config.appDir, tempDir };
  }
  await chown(tempDir, uid, uid);
  if (profile.bubblewrap !== undefined) {
    // Bound into the sandbox, so the private parents of the data folder do not matter.
    await grantFolder(input.config.appDir, uid);
    return { appDir: input.config.appDir, tempDir };
  }
  // Without a mount namespace the uid cannot reach into the private data folder: it gets its own copy.
  await chmod(root, 0o711);
  const appDir = join(root, 'app');
  await cp(input.config.appDir, appDir, { recursive: true, verbatimSymlinks: true });
  await grantFolder(appDir, uid);
  return { appDir, tempDir };
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
  const tempDir = bwrap === undefined ? folders.tempDir : SANDBOX_TEMP_DIR;
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
  const mounts = await bubblewrapArgs({
    appDir: folders.appDir,
    tempDir: folders.tempDir,
    readOnly: [process.execPath, ...workerFiles],
    hidden: profile.hidden,
    dropCapabilities: uid === undefined,
  });
  const drop = uid === undefined ? [] : setprivArgs(bwrap.setpriv ?? 'setpriv', uid);
  return {
    command: bwrap.bwrap,
    args: [...mounts, '--', ...drop, ...node],
    env,
    cwd: '/',
    stopWith: 'message',
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
