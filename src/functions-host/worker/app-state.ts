/**
 * The state of the one app a worker hosts: what the emulated `@azure/functions-core` collects while the
 * entry points load (functions, hooks, the programming model), mirroring the real worker's `AppContext`.
 */
import type { HookCallback, HookName, ProgrammingModel, RegisteredFunction } from './types.js';

/** Mutable app state, created once per worker process in `main.ts`. */
export interface WorkerApp {
  /** v4 registrations by function id, in registration order. */
  readonly functions: Map<string, RegisteredFunction>;
  readonly hooks: Record<HookName, HookCallback[]>;
  programmingModel: ProgrammingModel | undefined;
  /** True once any function was registered: the app uses the v4 model ("worker indexing"). */
  usingWorkerIndexing: boolean;
  /** True after startup: registering or disposing a function then throws. */
  locked: boolean;
  /** Shared by every hook for the app's lifetime. */
  readonly appHookData: Record<string, unknown>;
  /** Shared by the appStart and appTerminate hooks only. */
  readonly appLevelOnlyHookData: Record<string, unknown>;
  /** The entry file being loaded, used to guess each registration's `scriptFile`. */
  currentEntryPoint: string | undefined;
}

/** Creates an empty app state. */
export function createWorkerApp(): WorkerApp {
  return {
    functions: new Map(),
    hooks: { preInvocation: [], postInvocation: [], appStart: [], appTerminate: [], log: [] },
    programmingModel: undefined,
    usingWorkerIndexing: false,
    locked: false,
    appHookData: {},
    appLevelOnlyHookData: {},
    currentEntryPoint: undefined,
  };
}
