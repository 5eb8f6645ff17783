/**
 * The emulated `@azure/functions-core` module (spec §2). The real worker provides it by wrapping
 * `Module.prototype.require` (worker `src/setupCoreModule.ts`); Portico does the same, before any user code
 * loads, then makes the bundled `@azure/functions@3` the default programming model (spec §2.4).
 */
import Module, { createRequire } from 'node:module';
import { basename, dirname } from 'node:path';
import { isRecord } from '../../shared/guards.js';
import { programmingModelOf, type WorkerApp } from './app-state.js';
import { Disposable } from './disposable.js';
import { AzFuncRangeError, AzFuncSystemError, DuplicateFunctionError } from './errors.js';
import { isCallable } from './guards.js';
import type { EmitLog } from './hooks.js';
import type { HookName, ProgrammingModel, RpcBindingInfo, RpcFunctionMetadata } from './types.js';

/** The id user code and the libraries `require`. */
export const CORE_MODULE_ID = '@azure/functions-core';

/** The worker version Portico reports; a 3.x worker is what `@azure/functions` 4.x expects. */
export const CORE_WORKER_VERSION = '3.10.1';

/** The Functions host version Portico reports (above every feature gate: streaming 4.28, log hooks 4.34). */
export const CORE_HOST_VERSION = '4.1000.0';

const HOOK_NAMES: readonly HookName[] = [
  'preInvocation',
  'postInvocation',
  'appStart',
  'appTerminate',
  'log',
];

/** The object `require('@azure/functions-core')` returns. */
export interface CoreApi {
  readonly version: string;
  readonly hostVersion: string;
  registerFunction(metadata: unknown, callback: unknown): Disposable;
  registerHook(hookName: unknown, callback: unknown): Disposable;
  setProgrammingModel(model: unknown): void;
  getProgrammingModel(): ProgrammingModel | undefined;
  log(level: unknown, category: unknown, message: unknown): void;
  readonly Disposable: typeof Disposable;
}

/** Creates the core API over the app state; `emitLog` receives `coreApi.log` calls. */
export function createCoreApi(app: WorkerApp, emitLog: EmitLog): CoreApi {
  return {
    version: CORE_WORKER_VERSION,
    get hostVersion() {
      return CORE_HOST_VERSION;
    },
    registerFunction: (metadata, callback) => registerFunction(app, metadata, callback),
    registerHook: (hookName, callback) => registerHook(app, hookName, callback),
    setProgrammingModel: (model) => setProgrammingModel(app, model),
    getProgrammingModel: () => programmingModelOf(app),
    log: (level, category, message) => emitLog(level, category, message),
    Disposable,
  };
}

function registerFunction(app: WorkerApp, metadata: unknown, callback: unknown): Disposable {
  if (app.locked) {
    throw new AzFuncSystemError('A function can only be registered during app startup.');
  }
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || !isRecord(metadata.bindings)) {
    throw new AzFuncSystemError('registerFunction expects metadata with a "name" and "bindings".');
  }
  if (!isCallable(callback)) {
    throw new AzFuncSystemError(`The callback of function "${metadata.name}" is not a function.`);
  }
  app.usingWorkerIndexing = true;
  const id =
    typeof metadata.functionId === 'string' && metadata.functionId ? metadata.functionId : metadata.name;
  if (app.functions.has(id)) {
    throw new DuplicateFunctionError(id);
  }
  app.functions.set(id, { metadata: toRpcMetadata(app, id, metadata.name, metadata.bindings), callback });
  return new Disposable(() => {
    if (app.locked) {
      throw new AzFuncSystemError('A function can only be disposed during app startup.');
    }
    app.functions.delete(id);
  });
}

function toRpcMetadata(
  app: WorkerApp,
  id: string,
  name: string,
  bindings: Record<string, unknown>,
): RpcFunctionMetadata {
  const entry = app.currentEntryPoint;
  return {
    name,
    functionId: id,
    directory: entry ? dirname(entry) : '',
    scriptFile: entry ? basename(entry) : 'unknown',
    bindings: bindings as Record<string, RpcBindingInfo>,
  };
}

function registerHook(app: WorkerApp, hookName: unknown, callback: unknown): Disposable {
  const name = HOOK_NAMES.find((candidate) => candidate === hookName);
  if (name === undefined) {
    throw new AzFuncRangeError(`Unrecognized hook "${String(hookName)}"`);
  }
  if (!isCallable(callback)) {
    throw new AzFuncSystemError(`The "${name}" hook callback is not a function.`);
  }
  const hooks = app.hooks[name];
  hooks.push(callback);
  return new Disposable(() => {
    const index = hooks.indexOf(callback);
    if (index > -1) {
      hooks.splice(index, 1);
    }
  });
}

function setProgrammingModel(app: WorkerApp, model: unknown): void {
  if (!isRecord(model) || !isCallable(model.getInvocationModel)) {
    throw new AzFuncSystemError('setProgrammingModel expects an object with getInvocationModel().');
  }
  app.programmingModel = model as unknown as ProgrammingModel;
}

/**
 * Makes `require('@azure/functions-core')` return `coreApi` in every CommonJS module (ESM `import` of the
 * id fails, as on Azure). Returns a function that removes the interception.
 */
export function installCoreModule(coreApi: CoreApi): () => void {
  const prototype = Module.prototype;
  const original = prototype.require;
  prototype.require = new Proxy(original, {
    apply(target, thisArg: unknown, args: unknown[]) {
      return args[0] === CORE_MODULE_ID ? coreApi : Reflect.apply(target, thisArg, args);
    },
  });
  return () => {
    prototype.require = original;
  };
}

/** Loads the bundled `@azure/functions@3` and calls its `setup()`, making v3 the default model. */
export function setupDefaultProgrammingModel(): void {
  const bundled: unknown = createRequire(import.meta.url)('@azure/functions-v3');
  if (!isRecord(bundled) || !isCallable(bundled.setup)) {
    throw new AzFuncSystemError('The bundled @azure/functions v3 package has no setup().');
  }
  bundled.setup();
}
