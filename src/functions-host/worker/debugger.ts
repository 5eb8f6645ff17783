/**
 * A worker started with an inspector (`--inspect` from `languageWorkers__node__arguments`, decision 0057)
 * lets its debugger go before it exits. With one attached, Node.js would hold the exit until the debugger
 * disconnects ("Waiting for the debugger to disconnect..."), which Chrome DevTools never does by itself:
 * every restart after an edit would wait for the parent's kill.
 */
import { createRequire } from 'node:module';

type Inspector = typeof import('node:inspector');

/** Closes the inspector's connections when this process opened one; does nothing otherwise. */
export function releaseDebugger(): void {
  // Only a worker given an inspector option loads the module (a few ms), and only as it exits; the
  // sandboxes, which refuse such options, never load it.
  if (!process.execArgv.some((arg) => arg.startsWith('--inspect'))) {
    return;
  }
  const inspector = createRequire(import.meta.url)('node:inspector') as Inspector;
  if (inspector.url() !== undefined) {
    inspector.close();
  }
}
