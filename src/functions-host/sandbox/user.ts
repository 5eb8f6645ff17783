/**
 * A separate unprivileged uid/gid per site, when the server runs as root. The uid of a site is
 * `base + (SHA-256 of the site id) mod count` and needs no /etc/passwd entry; the gid is the same number.
 * The worker's app folder is given to that gid (group read, nothing for others) and nothing else is: the
 * data folder stays private to the server's user.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, chown, copyFile, lstat, readdir, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PorticoError } from '../../shared/errors.js';
import type { FunctionsUser } from './types.js';

/** `--functions-user auto`: uids 1 000 000 000 to 1 999 999 999, outside any distribution's ranges. */
export const AUTO_FUNCTIONS_USER: FunctionsUser = { base: 1_000_000_000, range: 1_000_000_000 };
/** Uids per site range when `--functions-user <base>` gives no count. */
const DEFAULT_COUNT = 65_536;
const MAX_ID = 4_294_967_294;

/** Parses `--functions-user`: `auto`, `<base>` or `<base>:<count>`; throws a user error naming the fix. */
export function parseFunctionsUser(value: string): FunctionsUser {
  if (value === 'auto') {
    return AUTO_FUNCTIONS_USER;
  }
  const match = /^(\d+)(?::(\d+))?$/.exec(value.trim());
  const base = Number(match?.[1]);
  const range = match?.[2] === undefined ? DEFAULT_COUNT : Number(match[2]);
  if (match === null || base < 1 || range < 1 || base + range - 1 > MAX_ID) {
    throw new PorticoError(
      'FUNCTIONS_SANDBOX_INVALID',
      `--functions-user ${value}: expected auto, off, a first uid (e.g. 200000) or <first uid>:<count> (e.g. 200000:65536), above 0 and with the last uid at most ${MAX_ID}`,
    );
  }
  return { base, range };
}

/** The uid (and gid) of the site `identity`. */
export function uidFor(user: FunctionsUser, identity: string): number {
  const digest = createHash('sha256').update(identity).digest();
  return user.base + (digest.readUInt32BE(0) % user.range);
}

/**
 * Gives `gid` read access to the folder `dir` and everything in it, and takes it from everyone else. A
 * file with other hard links (a deployment's files are links to the blob store's contents, which other
 * sites' deployments share) is first replaced by its own copy, so granting one site never changes who may
 * read another site's file.
 */
export async function grantFolder(dir: string, gid: number): Promise<void> {
  let info = await lstat(dir);
  if (info.isSymbolicLink()) {
    return;
  }
  if (info.isFile() && info.nlink > 1) {
    await unshareFile(dir);
    info = await lstat(dir);
  }
  await chown(dir, info.uid, gid);
  const groupRead = info.isDirectory() ? 0o050 : 0o040;
  await chmod(dir, (info.mode & 0o700) | groupRead | (info.mode & 0o010));
  if (info.isDirectory()) {
    for (const name of await readdir(dir)) {
      await grantFolder(join(dir, name), gid);
    }
  }
}

/** Replaces a hard-linked file by a copy of its own (same content, same mode), atomically. */
async function unshareFile(path: string): Promise<void> {
  const copy = `${path}.${process.pid}.unshare`;
  await copyFile(path, copy);
  await rename(copy, path);
}

/**
 * The first of `candidates` that every user can traverse to (each folder on its path has the x bit for
 * others), or `undefined`.
 */
export async function findTraversable(candidates: readonly string[]): Promise<string | undefined> {
  for (const candidate of candidates) {
    if ((await untraversable(candidate)) === undefined) {
      return candidate;
    }
  }
  return undefined;
}

/** The first folder on the way to `path` that other users cannot traverse (or read, for `path` itself). */
export async function untraversable(path: string): Promise<string | undefined> {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const info = await stat(dir).catch(() => undefined);
    if (info === undefined || (info.mode & 0o001) === 0) {
      return dir;
    }
    if (dirname(dir) === dir) {
      break;
    }
  }
  const own = await stat(path).catch(() => undefined);
  const needed = own?.isDirectory() ? 0o005 : 0o004;
  return own === undefined || (own.mode & needed) !== needed ? path : undefined;
}

/**
 * True when a process can run as `uid` here (root, and the uid is usable in this user namespace): Node
 * runs as that uid. `node --version` answers before Node starts its JavaScript, in a fifth of the time of
 * `node -e 0`, and needs the same: the switch to the uid, and the binary and its libraries readable by it.
 */
export function probeUser(uid: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--version'], { uid, gid: uid, stdio: 'ignore', cwd: '/' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}
