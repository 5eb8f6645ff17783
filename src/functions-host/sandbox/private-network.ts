/**
 * A worker's own network (decision 0071): bubblewrap makes an empty network namespace (`--unshare-net`,
 * its loopback only), says the sandbox's pid on the info pipe and waits on the block pipe; slirp4netns
 * then gives the namespace a tap device routed to the outside through a user-mode TCP/IP stack, with the
 * host's loopback (10.0.2.2) turned off; one byte on the block pipe lets the worker start. slirp4netns
 * exits when its exit pipe closes: when the worker has exited, or when the server dies.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { PorticoError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { PRIVATE_NETWORK_FDS } from './types.js';

/** /etc/resolv.conf inside the sandbox: slirp4netns' DNS forwarder (with `--configure`). */
export const PRIVATE_RESOLV_CONF = 'nameserver 10.0.2.3\n';

/** slirp4netns' own descriptors: it writes to `ready` once the tap is up, and exits when `exit` closes. */
const SLIRP_FDS = { ready: 3, exit: 4 } as const;
/** Characters of slirp4netns' stderr kept to explain a failed start. */
const STDERR_LIMIT = 2000;
/** Characters of bwrap's info (a small JSON object) read before giving up on finding the pid. */
const INFO_LIMIT = 4096;

/** A worker's network, at whatever stage it has reached. */
export interface PrivateNetwork {
  /**
   * Resolves once the network is up and the worker let go, or without a network when bwrap ended before
   * it said its pid (the worker's exit explains why); rejects with FUNCTIONS_LOAD_FAILED when
   * slirp4netns could not start.
   */
  readonly ready: Promise<void>;
  /** Makes slirp4netns exit (closing its exit pipe) and resolves once it has; safe at any stage. */
  close(): Promise<void>;
}

/**
 * The arguments of slirp4netns for the namespace of `pid`: `--configure` sets the address, route and
 * loopback inside; `--disable-host-loopback` keeps 10.0.2.2 from reaching the host's 127.0.0.1.
 */
export function slirp4netnsArgs(pid: number): string[] {
  return [
    '--configure',
    '--mtu=65520',
    '--disable-host-loopback',
    '--ready-fd',
    String(SLIRP_FDS.ready),
    '--exit-fd',
    String(SLIRP_FDS.exit),
    String(pid),
    'tap0',
  ];
}

/**
 * Connects the namespace of `sandbox`, a bwrap spawned with pipes at {@link PRIVATE_NETWORK_FDS}, through
 * the slirp4netns at `slirp4netns`.
 */
export function connectPrivateNetwork(
  sandbox: ChildProcess,
  slirp4netns: string,
  logger: Logger,
): PrivateNetwork {
  const pipes: readonly unknown[] = sandbox.stdio;
  const info = pipes[PRIVATE_NETWORK_FDS.info] as Readable | null | undefined;
  const block = pipes[PRIVATE_NETWORK_FDS.block] as Writable | null | undefined;
  if (!info || !block) {
    throw new Error('the worker was spawned without the pipes of its private network');
  }
  // A pipe that breaks (bwrap gone) must not be an unhandled 'error' in the server.
  info.on('error', () => {});
  block.on('error', () => {});
  let slirp: RunningSlirp | undefined;
  let closed = false;
  const ready = readSandboxPid(info).then(async (pid) => {
    if (pid === undefined || closed) {
      return;
    }
    slirp = startSlirp(slirp4netns, pid, logger);
    await slirp.ready;
    block.end('1');
  });
  ready.catch(() => {});
  return {
    ready,
    async close() {
      closed = true;
      info.destroy();
      block.destroy();
      await slirp?.stop();
    },
  };
}

/** The sandbox's pid from bwrap's info JSON (`"child-pid": N`); undefined when bwrap ends first. */
function readSandboxPid(info: Readable): Promise<number | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const finish = (pid: number | undefined): void => {
      info.off('data', onData);
      resolve(pid);
    };
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      const found = /"child-pid"\s*:\s*(\d+)/.exec(text);
      if (found?.[1] !== undefined) {
        finish(Number(found[1]));
      } else if (text.length > INFO_LIMIT) {
        finish(undefined);
      }
    };
    info.on('data', onData);
    info.once('close', () => finish(undefined));
  });
}

interface RunningSlirp {
  /** Resolves once slirp4netns says the tap is up; rejects when it could not start. */
  readonly ready: Promise<void>;
  /** Closes its exit pipe and resolves once it has exited. */
  stop(): Promise<void>;
}

/** Starts slirp4netns on the namespace of `pid`; a warning when it stops before it is asked to. */
function startSlirp(slirp4netns: string, pid: number, logger: Logger): RunningSlirp {
  const child = spawn(slirp4netns, slirp4netnsArgs(pid), {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_LIMIT);
  });
  const exitPipe = child.stdio[SLIRP_FDS.exit] as Writable;
  exitPipe.on('error', () => {});
  let stopping = false;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal === null ? `code ${code}` : signal));
    child.once('error', (error) => resolve(error.message));
  });
  const ready = new Promise<void>((resolve, reject) => {
    (child.stdio[SLIRP_FDS.ready] as Readable).once('data', () => resolve());
    void exited.then((how) => reject(slirpFailed(slirp4netns, how, stderr)));
  });
  void ready.then(
    () =>
      exited.then((how) => {
        if (!stopping) {
          logger.warn(
            `functions: slirp4netns of a worker exited (${how}): its outbound connections fail until the worker restarts`,
          );
        }
      }),
    () => {},
  );
  return {
    ready,
    async stop() {
      stopping = true;
      exitPipe.destroy();
      await exited;
    },
  };
}

function slirpFailed(slirp4netns: string, how: string, stderr: string): PorticoError {
  const detail = stderr.trim() === '' ? '' : `: ${stderr.trim()}`;
  return new PorticoError(
    'FUNCTIONS_LOAD_FAILED',
    `cannot give the API worker its private network: ${slirp4netns} ended (${how}) before it was ready${detail}. Install a working slirp4netns, or start with --functions-network shared (see docs/security.md)`,
  );
}
