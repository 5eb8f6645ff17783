/**
 * One `close` listener per response, however many parts of Portico want to know when it closes (the
 * metrics and access log, the `/api` proxy, the gateway's body, an in-process gateway call).
 *
 * Why not `res.on('close', …)` from each: node keeps two or more listeners of an event in an array made
 * at one place in its EventEmitter, shared by every emitter of the process. Long-lived sockets and servers
 * teach V8 that arrays made there live long, so it starts allocating them in the old generation; a
 * response's listener array then sits there holding the call's closures, and while a major GC is marking,
 * every call's objects survive it. Under load the gateway promoted 3.5 KB per call in process and 6 KB
 * over the HTTP hop instead of 0.3 KB (bench/load/gateway.js, column "promoted B/req"). Here the
 * callbacks of a response hang off it in a short list of their own.
 */
import type { ServerResponse } from 'node:http';

const CALLBACKS = Symbol('portico.responseCloseCallbacks');

interface Callback {
  readonly run: () => void;
  next: Callback | undefined;
}

type Tracked = ServerResponse & { [CALLBACKS]?: Callback };

/**
 * Calls `run` when `res` emits `close` (once: a response closes once), after the callbacks added before
 * it. An exception from one stops the rest, as it would stop the listeners after it.
 */
export function onResponseClose(res: ServerResponse, run: () => void): void {
  const tracked = res as Tracked;
  const first = tracked[CALLBACKS];
  if (first === undefined) {
    tracked[CALLBACKS] = { run, next: undefined };
    res.on('close', runCallbacks);
    return;
  }
  let last = first;
  while (last.next !== undefined) {
    last = last.next;
  }
  last.next = { run, next: undefined };
}

// A function of the module with the response as `this`: one listener object for every response.
function runCallbacks(this: Tracked): void {
  for (let callback = this[CALLBACKS]; callback !== undefined; callback = callback.next) {
    callback.run();
  }
}
