/**
 * A worker's own network (decisions 0071, 0076): bubblewrap makes an empty network namespace
 * (`--unshare-net`), says the sandbox's pid on the info pipe and waits on the block pipe; once bubblewrap
 * has given the namespace its loopback address, slirp4netns gives it a tap device routed to the outside
 * through a user-mode TCP/IP stack, with the host's loopback (10.0.2.2) turned off; one byte on the block
 * pipe lets the worker start. slirp4netns exits when its exit pipe closes (when the worker has exited, or
 * when the server dies), and is killed when it does not.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { PorticoError } from '../../shared/errors.js';
import { PRIVATE_NETWORK_FDS } from './types.js';

/** /etc/resolv.conf inside the sandbox: slirp4netns' DNS forwarder (with `--configure`). */
export const PRIVATE_RESOLV_CONF = 'nameserver 10.0.2.3\n';

/** slirp4netns' own descriptors: it writes to `ready` once the tap is up, and exits when `exit` closes. */
const SLIRP_FDS = { ready: 3, exit: 4 } as const;
/** Characters of slirp4netns' stderr kept to explain a failed start. */
const STDERR_LIMIT = 2000;
/** Characters of bwrap's info (a small JSON object) read before giving up on finding the pid. */
const INFO_LIMIT = 4096;
/** How long slirp4netns has to exit once its exit pipe is closed before it is killed. */
const SLIRP_KILL_GRACE_MS = 3000;
/** Pause between two looks at the sandbox's loopback while bubblewrap sets it up (a few ms in all). */
const LOOPBACK_POLL_MS = 2;

/** A worker's network, at whatever stage it has reached. */
export interface PrivateNetwork {
  /**
   * Resolves once the network is up and the worker let go, or without a network when bwrap ended before
   * it said its pid (the worker's exit explains why); rejects with FUNCTIONS_LOAD_FAILED when
   * slirp4netns could not start.
   */
  readonly ready: Promise<void>;
  /**
   * Resolves, with how it ended, when slirp4netns ends on its own after the network was up: the worker
   * then has no outbound network left. Never settles otherwise.
   */
  readonly lost: Promise<string>;
  /**
   * Why the worker has not started yet when slirp4netns is what it waits for (it was started and has not
   * said it is ready), for a start that took longer than `limitMs`; undefined at any other stage.
   */
  unready(limitMs: number): PorticoError | undefined;
  /**
   * Makes slirp4netns exit (closing its exit pipe, then SIGKILL after a few seconds) and resolves once it
   * has; safe at any stage.
   */
  close(): Promise<void>;
}

/**
 * The arguments of slirp4netns for the namespace of `pid`: `--configure` sets the address, route and
 * loopback inside; `--disable-host-loopback` keeps 10.0.2.2 from reaching the host's 127.0.0.1;
 * `--enable-sandbox` and `--enable-seccomp` confine slirp4netns itself (its own mount namespace, no
 * capabilities, a syscall filter), as it parses what the tenant's code sends.
 */
export function slirp4netnsArgs(pid: number): string[] {
  return [
    '--configure',
    '--mtu=65520',
    '--disable-host-loopback',
    '--enable-sandbox',
    '--enable-seccomp',
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
export function connectPrivateNetwork(sandbox: ChildProcess, slirp4netns: string): PrivateNetwork {
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
  let resolveLost: (how: string) => void = () => {};
  const lost = new Promise<string>((resolve) => {
    resolveLost = resolve;
  });
  const ready = readSandboxPid(info).then(async (pid) => {
    if (pid === undefined) {
      return;
    }
    await loopbackConfigured(pid, () => closed);
    if (closed) {
      return;
    }
    slirp = startSlirp(slirp4netns, pid);
    await slirp.ready;
    block.end('1');
    // Not asked to go (close() comes first then): the worker has no outbound network left.
    void slirp.exited.then((how) => !closed && resolveLost(how));
  });
  ready.catch(() => {});
  return {
    ready,
    lost,
    unready: (limitMs) => slirp?.unready(limitMs),
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

/**
 * Waits until bubblewrap has given the sandbox's namespace its loopback address (the kernel then lists
 * 127.0.0.1 in the namespace's routing tables), or the sandbox is gone, or `closed()`. slirp4netns brings
 * `lo` up, which adds that address too: started earlier, it makes bubblewrap's own RTM_NEWADDR fail
 * ("bwrap: loopback: Failed RTM_NEWADDR", decision 0076).
 */
async function loopbackConfigured(pid: number, closed: () => boolean): Promise<void> {
  while (!closed()) {
    const routes = await readFile(`/proc/${pid}/net/fib_trie`, 'utf8').catch(() => undefined);
    // Unreadable: the sandbox is gone (its exit explains why), or /proc hides it; go on either way.
    if (routes === undefined || routes.includes('127.0.0.1')) {
      return;
    }
    await sleep(LOOPBACK_POLL_MS);
  }
}

interface RunningSlirp {
  /** Resolves once slirp4netns says the tap is up; rejects when it could not start. */
  readonly ready: Promise<void>;
  /** Resolves, with how it ended, once slirp4netns has exited. */
  readonly exited: Promise<string>;
  /** The error of a start that waited `limitMs` for slirp4netns; undefined once it is ready. */
  unready(limitMs: number): PorticoError | undefined;
  /** Closes its exit pipe, kills it if it has not exited after a few seconds; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Starts slirp4netns on the namespace of `pid`. */
function startSlirp(slirp4netns: string, pid: number): RunningSlirp {
  const child = spawn(slirp4netns, slirp4netnsArgs(pid), {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_LIMIT);
  });
  const exitPipe = child.stdio[SLIRP_FDS.exit] as Writable;
  exitPipe.on('error', () => {});
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal === null ? `code ${code}` : signal));
    child.once('error', (error) => resolve(error.message));
  });
  let isReady = false;
  const ready = new Promise<void>((resolve, reject) => {
    (child.stdio[SLIRP_FDS.ready] as Readable).once('data', () => {
      isReady = true;
      resolve();
    });
    void exited.then((how) => reject(slirpFailed(slirp4netns, how, stderr)));
  });
  ready.catch(() => {});
  return {
    ready,
    exited,
    unready: (limitMs) => (isReady ? undefined : slirpTooSlow(slirp4netns, limitMs, stderr)),
    stop: () => stopSlirp(child, exitPipe, exited),
  };
}

/** Closes the exit pipe of slirp4netns, and kills it when it is still there after a grace period. */
async function stopSlirp(child: ChildProcess, exitPipe: Writable, exited: Promise<string>): Promise<void> {
  exitPipe.destroy();
  const timer = setTimeout(() => child.kill('SIGKILL'), SLIRP_KILL_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

function slirpFailed(slirp4netns: string, how: string, stderr: string): PorticoError {
  return new PorticoError(
    'FUNCTIONS_LOAD_FAILED',
    `cannot give the API worker its private network: ${slirp4netns} ended (${how}) before it was ready${stderrDetail(stderr)}. Install a working slirp4netns, or start with --functions-network shared (see docs/security.md)`,
  );
}

function slirpTooSlow(slirp4netns: string, limitMs: number, stderr: string): PorticoError {
  return new PorticoError(
    'FUNCTIONS_LOAD_FAILED',
    `cannot give the API worker its private network: ${slirp4netns} did not say it was ready within ${limitMs / 1000} s${stderrDetail(stderr)}. Check that it works (\`slirp4netns --version\`; a wrapper must pass its file descriptors 3 and 4 on), or start with --functions-network shared (see docs/security.md)`,
  );
}

/** `: <what slirp4netns said>`, or nothing when it said nothing. */
function stderrDetail(stderr: string): string {
  return stderr.trim() === '' ? '' : `: ${stderr.trim()}`;
}
