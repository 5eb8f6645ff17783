/**
 * Chooses the sandbox once, at start: `auto` takes every mechanism the machine offers (bubblewrap when it
 * works here, with a private network when slirp4netns is installed too, a uid per site when the server
 * runs as root, Node's permission model always); a mechanism asked for by name and missing is an error
 * naming what to install. Fails closed: never a weaker sandbox than the one asked for.
 */
import { access, constants } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { PorticoError } from '../../shared/errors.js';
import { probeBubblewrap } from './bubblewrap.js';
import { createSandbox } from './launch.js';
import { hasNodePermissionModel } from './node-permission.js';
import {
  type FunctionsNetwork,
  type Sandbox,
  type SandboxChoice,
  type SandboxProfile,
  WORKER_TEMP_BYTES,
} from './types.js';
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
  /** `--functions-network` (default `auto`: private when bubblewrap and slirp4netns are both here). */
  readonly network?: FunctionsNetwork;
  /** Folders hidden from every worker (the data folder). */
  readonly hidden?: readonly string[];
  /** The flag spelling for messages (`--sandbox`). */
  readonly flag?: string;
  /** Where bwrap, setpriv and slirp4netns are looked for (default: PATH). */
  readonly searchPath?: string;
  /** The size of each worker's `/tmp` under bubblewrap (default {@link WORKER_TEMP_BYTES}). */
  readonly tempBytes?: number;
}

/** The sandbox for `request` on this machine, or a user error saying what is missing and how to fix it. */
export async function resolveSandbox(request: SandboxRequest): Promise<Sandbox> {
  const hidden = (request.hidden ?? []).map((path) => resolve(path));
  assertNetworkChoice(request);
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
  const probed = await found;
  const bubblewrap = await resolveBubblewrap(request, wantedUser !== undefined, probed);
  const tempBytes =
    bubblewrap !== undefined && probed?.sizedTmpfs === true
      ? (request.tempBytes ?? WORKER_TEMP_BYTES)
      : undefined;
  const network = await resolveNetwork(request, bubblewrap !== undefined);
  const alone: { tempBase?: string } | undefined =
    wantedUser !== undefined && bubblewrap === undefined ? await resolveUserAlone(request) : {};
  const user = alone === undefined ? undefined : wantedUser;
  const profile: SandboxProfile = {
    nodePermission: true,
    hidden,
    ...(user === undefined ? {} : { user }),
    ...(bubblewrap === undefined ? {} : { bubblewrap }),
    ...(network.privateNetwork === undefined ? {} : { privateNetwork: network.privateNetwork }),
    ...(alone?.tempBase === undefined ? {} : { tempBase: alone.tempBase }),
    ...(tempBytes === undefined ? {} : { tempBytes }),
  };
  return createSandbox(profile, {
    ...(network.notice === undefined ? {} : { network: network.notice }),
    ...(bubblewrap !== undefined && tempBytes === undefined ? { temp: UNBOUNDED_TEMP_NOTICE } : {}),
  });
}

/** Why the workers' temp folders have no size limit under a bubblewrap older than 0.5 (no `--size`). */
const UNBOUNDED_TEMP_NOTICE =
  "each worker's /tmp is a folder in the host's temp folder, without a size limit (this bubblewrap has no --size); install bubblewrap 0.5 or later to give each worker a /tmp of its own in memory, limited to 500 MB";

/** `--functions-network private` needs bubblewrap: a sandbox without it has no namespace to make private. */
function assertNetworkChoice(request: SandboxRequest): void {
  if (request.network === 'private' && request.choice !== 'auto' && request.choice !== 'bubblewrap') {
    throw networkUnavailable(
      `a private network needs bubblewrap, and ${request.flag ?? '--sandbox'} ${request.choice} has none; choose --sandbox auto or bubblewrap, or --functions-network shared`,
    );
  }
}

interface ResolvedNetwork {
  readonly privateNetwork?: SandboxProfile['privateNetwork'];
  /** Why `auto` kept the host's network, and how to get a private one. */
  readonly notice?: string;
}

/**
 * A private network under bubblewrap when slirp4netns is installed (found on the search path: it is
 * started per worker, and a broken one fails that worker's start, saying so). `private` without either
 * is an error; `auto` keeps the host's network then, with a notice when only slirp4netns is missing.
 */
async function resolveNetwork(request: SandboxRequest, bubblewrap: boolean): Promise<ResolvedNetwork> {
  const choice = request.network ?? 'auto';
  if (choice === 'shared') {
    return {};
  }
  if (!bubblewrap) {
    if (choice === 'private') {
      throw networkUnavailable(
        'a private network needs bubblewrap, which cannot run here; install bubblewrap (apt-get install bubblewrap), or choose --functions-network shared',
      );
    }
    return {};
  }
  const slirp4netns = await findExecutable('slirp4netns', request.searchPath);
  if (slirp4netns !== undefined) {
    return { privateNetwork: { slirp4netns } };
  }
  if (choice === 'private') {
    throw networkUnavailable(
      'slirp4netns is not installed; install it (Debian/Ubuntu: apt-get install slirp4netns), or choose --functions-network shared',
    );
  }
  return {
    notice:
      'shared with the host, 127.0.0.1 included; install slirp4netns (apt-get install slirp4netns) to give each worker its own, or pass --functions-network shared',
  };
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
  /** Whether it can give `/tmp` a size (bubblewrap 0.5 or later). */
  readonly sizedTmpfs?: boolean;
}

/** Looks for bwrap and probes it when the choice may use it; never rejects. */
async function findBubblewrap(request: SandboxRequest): Promise<FoundBubblewrap | undefined> {
  if (request.choice !== 'auto' && request.choice !== 'bubblewrap') {
    return undefined;
  }
  const bwrap = await findExecutable('bwrap', request.searchPath);
  return bwrap === undefined ? { works: false } : { bwrap, ...(await probeBubblewrap(bwrap)) };
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

function networkUnavailable(why: string): PorticoError {
  return new PorticoError(
    'FUNCTIONS_SANDBOX_UNAVAILABLE',
    `--functions-network private: ${why}. See docs/security.md.`,
  );
}

function unavailable(request: SandboxRequest, why: string): PorticoError {
  return new PorticoError(
    'FUNCTIONS_SANDBOX_UNAVAILABLE',
    `${request.flag ?? '--sandbox'} ${request.choice}: ${why}. See docs/security.md.`,
  );
}
