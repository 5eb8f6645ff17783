/**
 * A worker started with an inspector (`--inspect` from `languageWorkers__node__arguments`, decision 0057)
 * lets its debugger go before it exits. With one attached, Node.js would hold the exit until the debugger
 * disconnects ("Waiting for the debugger to disconnect..."), which Chrome DevTools never does by itself:
 * every restart after an edit would wait for the parent's kill.
 */

/** Closes the inspector's connections when this process opened one; resolves at once otherwise. */
export async function releaseDebugger(): Promise<void> {
  // No inspector option, no inspector: the sandboxes, which refuse such options, never load the module.
  if (!process.execArgv.some((arg) => arg.startsWith('--inspect'))) {
    return;
  }
  const inspector = await import('node:inspector');
  if (inspector.url() !== undefined) {
    inspector.close();
  }
}
