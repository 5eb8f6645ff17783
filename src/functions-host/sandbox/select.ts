/**
 * Chooses the sandbox once, at start: `auto` takes every mechanism the machine offers (bubblewrap when it
 * works here, a uid per site when the server runs as root, Node's permission model always); a mechanism
 * asked for by name and missing is an error naming what to install. Fails closed: never a weaker sandbox
 * than the one asked for.
 */
import { access, constants } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { PorticoError } from '../../shared/errors.js';
import { probeBubblewrap } from './bubblewrap.js';
import { createSandbox } from './launch.js';
import { hasNodePermissionModel } from './node-permission.js';
import type { Sandbox, SandboxChoice, SandboxProfile } from './types.js';
import {
  AUTO_FUNCTIONS_USER,
  findTraversable,
  parseFunctionsUser,
  probeUser,
  uidFor,
  untraversable,
} from './user.js';
import { defaultWorkerPath, resolveWorkerFiles } from './worker-files.js';

/** Inputs of {@link resolveSandbox}. */
export { parseSandboxChoice } from './choice.js';

export interface SandboxRequest {
  readonly choice: SandboxChoice;
  /** `--functions-user`: `auto` (default), `off`, `<base>` or `<base>:<count>`; used only as root. */
  readonly functionsUser?: string;
  /** Folders hidden from every worker (the data folder). */
  readonly hidden?: readonly string[];
  /** The flag spelling for messages (`--sandbox`). */
  readonly flag?: string;
  /** Where bwrap and setpriv are looked for (default: PATH). */
  readonly searchPath?: string;
}

/** The sandbox for `request` on this machine, or a user error saying what is missing and how to fix it. */
export async function resolveSandbox(request: SandboxRequest): Promise<Sandbox> {
  const hidden = (request.hidden ?? []).map((path) => resolve(path));
  if (request.choice === 'none') {
    return createSandbox({ nodePermission: false, hidden });
  }
  assertNodePermission(request);
  // The two probes each start a process: they run side by side, not one after the other.
  const found = findBubblewrap(request);
  const wantedUser = await resolveUser(request).catch(async (error: unknown) => {
    await found;
    throw error;
  });
  const bubblewrap = await resolveBubblewrap(request, wantedUser !== undefined, await found);
  const alone: { tempBase?: string } | undefined =
    wantedUser !== undefined && bubblewrap === undefined ? await resolveUserAlone(request) : {};
  const user = alone === undefined ? undefined : wantedUser;
  return createSandbox({
    nodePermission: true,
    hidden,
    ...(user === undefined ? {} : { user }),
    ...(bubblewrap === undefined ? {} : { bubblewrap }),
    ...(alone?.tempBase === undefined ? {} : { tempBase: alone.tempBase }),
  });
}

/**
 * A uid without bubblewrap sees the host's folders as they are: Node, Portico's worker files and the
 * folder holding the workers' private folders must be reachable by other users. When they are not,
 * `auto` goes without the uid; a uid asked for (`--sandbox user`, `--functions-user`) is an error.
 */
async function resolveUserAlone(request: SandboxRequest): Promise<{ tempBase: string } | undefined> {
  const needed = [process.execPath, ...(await resolveWorkerFiles(defaultWorkerPath()))];
  let problem: string | undefined;
  for (const path of needed) {
    const blocked = await untraversable(path);
    if (blocked !== undefined) {
      problem = `a uid per site without bubblewrap must reach ${path}, but other users cannot enter ${blocked}; install bubblewrap (apt-get install bubblewrap), or make Portico's install folder readable by others`;
      break;
    }
  }
  const base = problem === undefined ? await findTraversable([tmpdir(), '/tmp', '/var/tmp']) : undefined;
  if (problem === undefined && base === undefined) {
    problem = `no temp folder other users can enter (tried ${tmpdir()}, /tmp, /var/tmp)`;
  }
  if (base !== undefined) {
    return { tempBase: base };
  }
  if (request.choice === 'auto' && request.functionsUser === undefined) {
    return undefined;
  }
  throw unavailable(request, problem ?? 'a uid per site is not possible here');
}

function assertNodePermission(request: SandboxRequest): void {
  if (!hasNodePermissionModel()) {
    throw unavailable(
      request,
      `Node ${process.version} has no permission model; run Portico on Node 20 or later`,
    );
  }
}

async function resolveUser(request: SandboxRequest): Promise<SandboxProfile['user']> {
  const wanted = request.choice === 'user' || request.choice === 'auto' || request.choice === 'bubblewrap';
  const setting = request.functionsUser ?? 'auto';
  if (!wanted || setting === 'off') {
    if (request.choice === 'user') {
      throw unavailable(request, 'the user sandbox needs a uid per site; remove --functions-user off');
    }
    return undefined;
  }
  const user = setting === 'auto' ? AUTO_FUNCTIONS_USER : parseFunctionsUser(setting);
  const explicit = request.choice === 'user' || request.functionsUser !== undefined;
  if (process.getuid?.() !== 0) {
    if (explicit) {
      throw unavailable(request, 'a uid per site (--functions-user) needs the server to run as root');
    }
    return undefined;
  }
  if (!(await probeUser(uidFor(user, 'probe')))) {
    if (!explicit) {
      return undefined;
    }
    throw unavailable(
      request,
      `cannot run a process as uid ${user.base}…${user.base + user.range - 1} here (a user namespace with fewer uids?); choose a usable range with --functions-user <first uid>:<count>, or --functions-user off`,
    );
  }
  return user;
}

interface FoundBubblewrap {
  /** The bwrap executable, when installed. */
  readonly bwrap?: string;
  /** Whether it could create its namespaces here. */
  readonly works: boolean;
}

/** Looks for bwrap and probes it when the choice may use it; never rejects. */
async function findBubblewrap(request: SandboxRequest): Promise<FoundBubblewrap | undefined> {
  if (request.choice !== 'auto' && request.choice !== 'bubblewrap') {
    return undefined;
  }
  const bwrap = await findExecutable('bwrap', request.searchPath);
  return bwrap === undefined ? { works: false } : { bwrap, works: await probeBubblewrap(bwrap) };
}

async function resolveBubblewrap(
  request: SandboxRequest,
  withUser: boolean,
  found: FoundBubblewrap | undefined,
): Promise<SandboxProfile['bubblewrap']> {
  if (found === undefined) {
    return undefined;
  }
  const { bwrap, works } = found;
  if (bwrap === undefined || !works) {
    if (request.choice === 'bubblewrap') {
      const why = bwrap === undefined ? 'bwrap is not installed' : `${bwrap} cannot create namespaces here`;
      throw unavailable(
        request,
        `${why}; install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) on a kernel with user or mount namespaces, or choose --sandbox node`,
      );
    }
    return undefined;
  }
  if (!withUser) {
    return { bwrap };
  }
  const setpriv = await findExecutable('setpriv', request.searchPath);
  if (setpriv === undefined) {
    throw unavailable(
      request,
      'setpriv (util-linux) is needed to drop to the site uid inside bubblewrap; install util-linux, or pass --functions-user off',
    );
  }
  return { bwrap, setpriv };
}

/** The first executable `name` on `searchPath` (default PATH, or the system folders when it is empty). */
async function findExecutable(name: string, searchPath?: string): Promise<string | undefined> {
  const path = searchPath ?? (process.env.PATH || '/usr/local/bin:/usr/bin:/bin');
  const dirs = path.split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    ) {
      return candidate;
    }
  }
  return undefined;
}

function unavailable(request: SandboxRequest, why: string): PorticoError {
  return new PorticoError(
    'FUNCTIONS_SANDBOX_UNAVAILABLE',
    `${request.flag ?? '--sandbox'} ${request.choice}: ${why}. See docs/security.md.`,
  );
}
