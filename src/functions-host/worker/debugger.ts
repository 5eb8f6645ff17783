/**
 * A worker started with an inspector (`--inspect` from `languageWorkers__node__arguments`, decision 0057)
 * lets its debugger go before it exits. With one attached, Node.js would hold the exit until the debugger
 * disconnects ("Waiting for the debugger to disconnect..."), which Chrome DevTools never does by itself:
 * every restart after an edit would wait for the parent's kill.
 */
import { close, url } from 'node:inspector';

/** Closes the inspector's connections when this process opened one; does nothing otherwise. */
export function releaseDebugger(): void {
  if (url() !== undefined) {
    close();
  }
}
