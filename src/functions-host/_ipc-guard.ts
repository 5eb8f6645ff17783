/**
 * The server's guard on a worker's IPC channel (decision 0099). The worker runs tenant code, and tenant
 * code can write anything to the channel's descriptor (fd 3): `process.send`, or `fs.writeSync(3, …)`,
 * which Node's permission model allows on an open descriptor. Node's own IPC code in the *server* trusts
 * what it reads there: a line that is not JSON throws out of the channel's `onread`, a `NODE_HANDLE_ACK`
 * with no handle in flight fails an internal assertion, and a line with no end is buffered without limit.
 * Each of those would take down `portico serve` with every site on it.
 *
 * The guard sits between the channel and Node's IPC code, on one `ChildProcess`:
 * 1. the channel handle's `onread` is wrapped: a throw while parsing, a descriptor sent by the worker, or a
 *    partial message over {@link MAX_WORKER_MESSAGE_BYTES} is a violation;
 * 2. `emit` of that child vets `internalMessage`: only `NODE_HANDLE_ACK`/`NACK` while a handle of ours is
 *    in flight; any other `NODE_*` command is a violation (we never take handles from a worker);
 * 3. a throw from a `message` listener (the worker's message reached code that did not expect it) is one.
 * On a violation the worker is killed (SIGKILL), the channel is closed as at end of file, nothing more it
 * sent is delivered, and `onViolation` runs once. The bytes are never echoed.
 *
 * It relies on Node internals (a symbol-keyed channel handle, its `onread`, the JSON mode's partial-line
 * buffer, `_handleQueue`); {@link guardIpcChannel} returns undefined when one is missing, and the caller
 * fails closed.
 */
import type { ChildProcess } from 'node:child_process';

/**
 * The longest message a worker may send, in bytes of its JSON line. The worker caps the text of its log
 * and fatal messages well below this (`worker/messages.ts`), so only a `ready` listing thousands of
 * functions comes near it.
 */
export const MAX_WORKER_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Why a worker's channel was closed on it; never holds the worker's bytes. */
export type IpcViolation =
  | 'a message that is not JSON'
  | 'a message over the size limit'
  | 'a descriptor'
  | 'an unexpected Node IPC command'
  | 'a message the server could not handle';

/** Node's channel handle (a `Pipe`), as far as the guard uses it. */
interface ChannelHandle {
  onread: (this: ChannelHandle, buffer?: ArrayBuffer) => void;
  pendingHandle: { close?: () => void } | null;
  buffering: boolean;
  [key: symbol]: unknown;
}

/** The internals found on a child: its channel handle and where that keeps the partial line. */
interface ChannelInternals {
  readonly handle: ChannelHandle;
  readonly partialLine: symbol;
}

/**
 * Guards `child`'s IPC channel; `onViolation` runs once, after the child was killed. Returns a
 * description of what is missing when this Node's internals are not the ones the guard knows (the
 * channel is then unguarded: the caller must not let the worker run), else undefined.
 */
export function guardIpcChannel(
  child: ChildProcess,
  onViolation: (violation: IpcViolation) => void,
): string | undefined {
  const internals = findInternals(child);
  if (typeof internals === 'string') {
    return internals;
  }
  let violated = false;
  const violate = (violation: IpcViolation): void => {
    if (violated) {
      return;
    }
    violated = true;
    child.kill('SIGKILL');
    if (child.channel) {
      closeChannel(internals, originalRead);
    }
    onViolation(violation);
  };
  const originalRead = internals.handle.onread;
  internals.handle.onread = guardedRead(internals, originalRead, () => violated, violate);
  vetEvents(child, () => violated, violate);
  return undefined;
}

function findInternals(child: ChildProcess): ChannelInternals | string {
  const handleKey = Object.getOwnPropertySymbols(child).find((key) => key.description === 'kChannelHandle');
  const handle =
    handleKey === undefined ? undefined : (child as unknown as Record<symbol, unknown>)[handleKey];
  if (!isChannelHandle(handle)) {
    return 'the IPC channel handle (kChannelHandle) with its onread';
  }
  const partialLine = Object.getOwnPropertySymbols(handle).find((key) => key.description === 'kJSONBuffer');
  if (partialLine === undefined || typeof handle[partialLine] !== 'string') {
    return "the JSON channel's partial-line buffer (kJSONBuffer)";
  }
  if (!('_handleQueue' in child)) {
    return 'the queue of handles in flight (_handleQueue)';
  }
  return { handle, partialLine };
}

function isChannelHandle(value: unknown): value is ChannelHandle {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { onread?: unknown }).onread === 'function' &&
    'pendingHandle' in value
  );
}

/** `onread` that turns every failure of Node's parser, and every bound it passes, into a violation. */
function guardedRead(
  internals: ChannelInternals,
  originalRead: ChannelHandle['onread'],
  isViolated: () => boolean,
  violate: (violation: IpcViolation) => void,
): ChannelHandle['onread'] {
  const { handle, partialLine } = internals;
  return function onread(this: ChannelHandle, buffer?: ArrayBuffer): void {
    if (isViolated()) {
      // Killed already: its last bytes are dropped, its end of file closes the channel as usual.
      if (buffer === undefined) {
        originalRead.call(this, buffer);
      }
      return;
    }
    if (handle.pendingHandle !== null) {
      // A descriptor from the worker: we never ask for one, and Node would keep it until a NODE_HANDLE.
      handle.pendingHandle.close?.();
      handle.pendingHandle = null;
      violate('a descriptor');
      return;
    }
    try {
      originalRead.call(this, buffer);
    } catch {
      violate('a message that is not JSON');
      return;
    }
    // A JSON line's bytes as UTF-16 code units: never more than its bytes, and at most one read (64 KiB) over.
    const pending = handle[partialLine];
    if (typeof pending === 'string' && pending.length > MAX_WORKER_MESSAGE_BYTES) {
      violate('a message over the size limit');
    }
  };
}

/**
 * Closes the channel, still open, the way Node does at end of file (disconnect, close, count the close
 * towards the child's `close` event), after dropping what it had buffered.
 */
function closeChannel(internals: ChannelInternals, originalRead: ChannelHandle['onread']): void {
  const { handle, partialLine } = internals;
  handle[partialLine] = '';
  handle.buffering = false;
  originalRead.call(handle, undefined);
}

/** Overrides `emit` on this one child: Node delivers every IPC message through it. */
function vetEvents(
  child: ChildProcess,
  isViolated: () => boolean,
  violate: (violation: IpcViolation) => void,
): void {
  const emit = child.emit.bind(child) as (event: string | symbol, ...args: unknown[]) => boolean;
  const guarded = (event: string | symbol, ...args: unknown[]): boolean => {
    if (event !== 'internalMessage' && event !== 'message') {
      return emit(event, ...args);
    }
    if (isViolated()) {
      closeHandle(args[1]);
      return false;
    }
    if (event === 'internalMessage' && !isExpectedInternal(child, args[0], args[1])) {
      closeHandle(args[1]);
      violate('an unexpected Node IPC command');
      return false;
    }
    try {
      return emit(event, ...args);
    } catch {
      violate('a message the server could not handle');
      return false;
    }
  };
  child.emit = guarded as ChildProcess['emit'];
}

/** An acknowledgement of a handle we sent, while one is in flight; nothing else is expected from a worker. */
function isExpectedInternal(child: ChildProcess, message: unknown, handle: unknown): boolean {
  const cmd =
    typeof message === 'object' && message !== null ? (message as { cmd?: unknown }).cmd : undefined;
  const inFlight = Array.isArray((child as unknown as { _handleQueue?: unknown })._handleQueue);
  return (cmd === 'NODE_HANDLE_ACK' || cmd === 'NODE_HANDLE_NACK') && inFlight && handle === undefined;
}

function closeHandle(handle: unknown): void {
  if (typeof handle === 'object' && handle !== null) {
    const close = (handle as { close?: unknown; destroy?: unknown }).close;
    const destroy = (handle as { destroy?: unknown }).destroy;
    if (typeof destroy === 'function') {
      destroy.call(handle);
    } else if (typeof close === 'function') {
      close.call(handle);
    }
  }
}
