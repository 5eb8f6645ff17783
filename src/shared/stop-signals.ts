/**
 * Ctrl-C, SIGTERM and SIGHUP for `portico start` (decisions 0093, 0111): the first asks for a clean stop,
 * and says that another stops at once; any later one ends the process at once. Ending it at once is safe
 * because everything it started has an `exit` hook that kills it synchronously (the `--run` command's
 * process group with SIGKILL once a stop began, the functions workers). Without a listener for the
 * second signal, Node's default action would end the process without running those hooks, leaving a dev
 * server that ignores SIGTERM running.
 *
 * A stop asked for by a signal exits 0, whenever it comes (starting or running) and however many there
 * are (decision 0111): Portico did what was asked and left nothing running. Non-zero codes are failures.
 */

/** The signals that stop `portico start`. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The exit code of a stop asked for by a signal, clean or at once (decision 0111). */
export const STOPPED_EXIT_CODE = 0;

/** Options of {@link handleStopSignals}. */
export interface StopSignalOptions {
  /** Starts the clean stop; called once, for the first signal. */
  stop(signal: StopSignal): void;
  /** True when a stop is already under way for another reason (the `--run` command exited). */
  isStopping?(): boolean;
  /** Where the two lines go (stderr, as other `start` messages). */
  say(line: string): void;
}

/** Listens for the stop signals until `remove()`; see the module comment for what each one does. */
export function handleStopSignals(options: StopSignalOptions): { remove(): void } {
  let signalled = false;
  const onSignal = (signal: StopSignal) => {
    if (signalled || options.isStopping?.() === true) {
      const name = signal === 'SIGINT' ? 'Ctrl-C' : signal;
      options.say(`${signalled ? `${name} again` : name}: stopping at once.`);
      process.exit(STOPPED_EXIT_CODE);
    }
    signalled = true;
    options.say('Stopping… (press Ctrl-C again to stop at once)');
    options.stop(signal);
  };
  for (const signal of STOP_SIGNALS) {
    process.on(signal, onSignal);
  }
  return {
    remove() {
      for (const signal of STOP_SIGNALS) {
        process.off(signal, onSignal);
      }
    },
  };
}
