/**
 * Types of the functions sandbox: what `--sandbox` asks for, the profile chosen at start, and the launch of
 * one worker inside it (see docs/security.md, "Function code: the sandbox").
 */

import type { ConfineProgram } from '../../shared/confine.js';

/** The value of `--sandbox`: `auto` picks the strongest mechanism the machine offers. */
export type SandboxChoice = 'auto' | 'bubblewrap' | 'user' | 'node' | 'none';

/** The values `--sandbox` accepts, strongest first. */
export const SANDBOX_CHOICES: readonly SandboxChoice[] = ['auto', 'bubblewrap', 'user', 'node', 'none'];

/**
 * The value of `--functions-network`: `private` gives each worker its own network namespace, reaching
 * out through slirp4netns and never the host's loopback; `shared` keeps the host's; `auto` takes
 * `private` when bubblewrap and slirp4netns are both here.
 */
export type FunctionsNetwork = 'auto' | 'private' | 'shared';

/** The values `--functions-network` accepts. */
export const FUNCTIONS_NETWORKS: readonly FunctionsNetwork[] = ['auto', 'private', 'shared'];

/** Unprivileged uids of the sites' workers: `base + (hash of the site) mod range`, gid equal to the uid. */
export interface FunctionsUser {
  readonly base: number;
  readonly range: number;
}

/** The mechanisms in force around every worker, chosen once at start. */
export interface SandboxProfile {
  /** Linux namespaces through bubblewrap (`bwrap` at this path). */
  readonly bubblewrap?: { readonly bwrap: string; readonly setpriv?: string };
  /**
   * A network namespace per worker (under bubblewrap only), its egress through slirp4netns at this path;
   * absent: the workers share the host's network.
   */
  readonly privateNetwork?: { readonly slirp4netns: string };
  /** A separate uid/gid per site (the server runs as root). */
  readonly user?: FunctionsUser;
  /** Node's permission model (false only with `--sandbox none`). */
  readonly nodePermission: boolean;
  /** Folders never visible inside the sandbox even when under a bound system folder (the data folder). */
  readonly hidden: readonly string[];
  /** Where the workers' private folders go (default `os.tmpdir()`); other users can traverse it under `user`. */
  readonly tempBase?: string;
  /**
   * Under bubblewrap, the size of each worker's `/tmp`: a tmpfs (RAM) of its own mount namespace, gone with
   * the sandbox. Absent: the worker's temp folder is a folder of the host (no bubblewrap, or one before 0.5).
   */
  readonly tempBytes?: number;
}

/**
 * Azure's limit on a Consumption plan app's temporary files (%TMP% and the other local folders together:
 * 500 MB), the plan Static Web Apps' managed functions run on; each worker's `/tmp` under bubblewrap.
 */
export const WORKER_TEMP_BYTES = 500 * 1024 * 1024;

/** The worker's start contract, passed as its last argument (JSON). */
export interface WorkerConfig {
  readonly appDir: string;
  readonly port: number;
  readonly host: string;
  /** The only `routePrefix` accepted in host.json (SWA serves functions under `/api`). */
  readonly routePrefixRequired: 'api';
  /** The worker refuses to signal other processes (the Node permission model does not cover signals). */
  readonly sandboxed?: boolean;
  /** A deployed app (`portico serve`): load errors tell how to deploy again, not to run npm. */
  readonly deployed?: boolean;
  /**
   * `parent`: the worker does not listen; the supervisor holds the port and hands it connections over IPC
   * (decision 0029). `listen` (a worker started on its own): it listens on `host:port` itself.
   */
  readonly connections?: 'listen' | 'parent';
  /** Boot, then wait for the parent's `load` before reading the app (decision 0056). */
  readonly waitForLoad?: boolean;
}

/** What a sandbox needs to start one worker. */
export interface WorkerLaunchInput {
  readonly workerPath: string;
  /** Node options of the worker (`--max-old-space-size=…`). */
  readonly nodeArgs: readonly string[];
  readonly config: WorkerConfig;
  /** The worker's environment: its settings only (the sandbox adds TMPDIR and HOME). */
  readonly env: Readonly<Record<string, string>>;
  /** Who the worker runs for (a site id): picks its uid under `user`. */
  readonly identity: string;
}

/** A worker ready to spawn. */
export interface WorkerLaunch {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly uid?: number;
  readonly gid?: number;
  /** How a graceful stop is asked: SIGTERM, or an IPC `stop` message (bubblewrap does not pass signals on). */
  readonly stopWith: 'signal' | 'message';
  /**
   * The worker's own network namespace, to connect once bubblewrap has made it: the spawner gives bwrap
   * the pipes of {@link PRIVATE_NETWORK_FDS} and starts slirp4netns (see private-network.ts).
   */
  readonly network?: { readonly slirp4netns: string };
  /** Removes the worker's private temp folder; called once the worker has exited. */
  cleanup(): Promise<void>;
}

/**
 * The descriptors bwrap gets besides stdio and the IPC channel (fd 3) when the worker has its own
 * network: `info` where it writes its sandbox's pid, `block` where it waits for one byte before it runs
 * the worker (once the network is up).
 */
export const PRIVATE_NETWORK_FDS = { info: 4, block: 5 } as const;

/** A chosen sandbox: prepares each worker's launch. */
export interface Sandbox {
  readonly profile: SandboxProfile;
  /** One line for the start-up output, e.g. `bubblewrap + uid per site + Node permission model`. */
  describe(): string;
  /** One line for the start-up output when the machine lacks something `auto` would have used. */
  readonly notice?: string;
  /** One line for the start-up output when the workers' temp folders cannot be bounded (bubblewrap < 0.5). */
  readonly tempNotice?: string;
  prepare(input: WorkerLaunchInput): Promise<WorkerLaunch>;
  /**
   * Prepares a program the server runs on a tenant's files (npm): under bubblewrap it sees the system
   * folders, its own files and the folders it works on, without capabilities; otherwise it runs as is.
   */
  confine: ConfineProgram;
}
