/**
 * What the worker adds to the sandbox from inside, before any user code loads. Node's permission model
 * does not cover signals, so under the Node floor alone a function could signal the server: `process.kill`
 * is refused for every process but the worker itself (under every mechanism, so functions behave alike).
 */

/** The code of Node's own permission refusals; the worker's sandbox hint keys on it. */
const ACCESS_DENIED = 'ERR_ACCESS_DENIED';

/** Replaces `process.kill` (and the internal `process._kill` it calls) for the rest of the process. */
export function guardSignals(): void {
  const target = process as unknown as Record<
    'kill' | '_kill',
    (pid: number, signal?: string | number) => unknown
  >;
  for (const name of ['kill', '_kill'] as const) {
    const original = target[name].bind(process);
    const guarded = (pid: number, signal?: string | number): unknown => {
      if (Number(pid) !== process.pid) {
        throw deniedSignal(pid);
      }
      return original(pid, signal);
    };
    Object.defineProperty(process, name, { value: guarded, writable: false, configurable: false });
  }
}

function deniedSignal(pid: number): Error {
  return Object.assign(
    new Error(
      `Access to this API has been restricted: the functions sandbox allows no signals to process ${pid}`,
    ),
    { code: ACCESS_DENIED, permission: 'Signal' },
  );
}
