/**
 * Which invocation a log line belongs to, for lines that do not say (the user's `console.*`, a library's
 * `coreApi.log` without an invocation). Tracking it costs every promise in the worker a call into
 * Node's async hooks (an AsyncLocalStorage), about a tenth of a warm call's CPU, so the scope starts
 * tracking only once a line first asks for its invocation (decision 0049). Until then it counts the
 * invocations in flight: while one alone runs untracked, its lines are still tagged; a line that cannot
 * be told apart (several untracked invocations in flight) goes untagged rather than to the wrong one.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Which invocation a log line belongs to. */
export interface InvocationTag {
  functionName: string;
  invocationId: string;
}

export interface InvocationScope {
  /** Runs one invocation's work; lines it writes without a tag are tagged with `tag`. */
  run<T>(tag: InvocationTag, work: () => Promise<T>): Promise<T>;
  /** The invocation the running code belongs to, if it can be told; starts tracking from now on. */
  current(): InvocationTag | undefined;
  /** Whether invocations started from now on are tracked (a line has asked for its invocation). */
  readonly tracking: boolean;
}

/** Creates a scope that stays out of Node's async hooks until a line first needs it. */
export function createInvocationScope(): InvocationScope {
  const storage = new AsyncLocalStorage<InvocationTag>();
  const untracked = new Set<InvocationTag>();
  let tracking = false;
  return {
    run<T>(tag: InvocationTag, work: () => Promise<T>): Promise<T> {
      if (tracking) {
        return storage.run(tag, work);
      }
      untracked.add(tag);
      const settle = () => untracked.delete(tag);
      let running: Promise<T>;
      try {
        running = work();
      } catch (error) {
        settle();
        throw error;
      }
      running.then(settle, settle);
      return running;
    },
    current() {
      tracking = true;
      const tracked = storage.getStore();
      if (tracked !== undefined || untracked.size !== 1) {
        return tracked;
      }
      return untracked.values().next().value;
    },
    get tracking() {
      return tracking;
    },
  };
}
