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
  /** The model the app (or the default) set; read it through {@link programmingModelOf}. */
  programmingModel: ProgrammingModel | undefined;
  /** Sets the default model (the bundled v3) when first asked for while none is set; then undefined. */
  setUpDefaultModel: (() => void) | undefined;
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
    setUpDefaultModel: undefined,
    usingWorkerIndexing: false,
    locked: false,
    appHookData: {},
    appLevelOnlyHookData: {},
    currentEntryPoint: undefined,
  };
}

/**
 * The app's programming model: the one set through `@azure/functions-core`, else the default, set up on
 * first use (decision 0050). A v4 app sets its own while it loads, so the v3 package and the 21 modules
 * it brings are never loaded for it; whoever asks before any model is set gets v3, as on Azure, where v3
 * is in place before the app loads.
 */
export function programmingModelOf(app: WorkerApp): ProgrammingModel | undefined {
  const setUp = app.setUpDefaultModel;
  if (app.programmingModel === undefined && setUp !== undefined) {
    app.setUpDefaultModel = undefined;
    setUp();
  }
  return app.programmingModel;
}
