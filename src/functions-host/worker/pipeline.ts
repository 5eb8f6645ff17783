/**
 * The invocation pipeline of the worker's `InvocationHandler` (spec §6.1): getArguments → preInvocation
 * hooks (which may replace inputs and the callback) → invokeFunction → postInvocation hooks (which may
 * replace result and error) → rethrow the error → getResponse.
 */

import type { AppFunction } from './app-functions.js';
import { programmingModelOf, type WorkerApp } from './app-state.js';
import { AzFuncSystemError } from './errors.js';
import { isCallable } from './guards.js';
import { type EmitLog, runHooks, withReadOnly } from './hooks.js';
import type {
  CoreInvocationContext,
  FunctionCallback,
  InvocationModel,
  RpcInvocationRequest,
  RpcInvocationResponse,
} from './types.js';

/** What the pipeline needs from the worker. */
export interface PipelineDeps {
  app: WorkerApp;
  emitLog: EmitLog;
}

/** The programming model's response, plus the handler's result after the postInvocation hooks. */
export interface InvocationOutcome {
  response: RpcInvocationResponse;
  result: unknown;
}

/**
 * Runs one invocation of `fn`; rejects with the handler's (or a hook's) error. `beforeResponse` may
 * replace the result handed to `getResponse` (not the one the hooks see or the outcome reports): the
 * streaming path wraps a streamed body there so that a client going away cancels it.
 */
export async function runPipeline(
  deps: PipelineDeps,
  fn: AppFunction,
  request: RpcInvocationRequest,
  beforeResponse: (result: unknown) => unknown = (result) => result,
): Promise<InvocationOutcome> {
  const programmingModel = programmingModelOf(deps.app);
  if (programmingModel === undefined) {
    throw new AzFuncSystemError('No programming model is set.');
  }
  const core = createCoreContext(deps.emitLog, fn, request);
  const model = await programmingModel.getInvocationModel(core.context);
  const { context, inputs } = await model.getArguments();
  core.setUserContext(context);
  const { hooks } = deps.app;
  const hookBase = { hookData: {}, appHookData: deps.app.appHookData, invocationContext: context };
  // Without hooks (the usual app), no promise and no await for them: each costs a microtask turn.
  const pre =
    hooks.preInvocation.length === 0
      ? { inputs, callback: boundCallback(fn) }
      : await runPreHooks(deps.app, core.context, hookBase, inputs, boundCallback(fn));
  const invoked = await invokeSafely(core.context, model, context, pre);
  const post =
    hooks.postInvocation.length === 0
      ? invoked
      : await runPostHooks(deps.app, core.context, hookBase, pre.inputs, invoked);
  if (post.error !== null && post.error !== undefined) {
    throw post.error;
  }
  return { response: await model.getResponse(context, beforeResponse(post.result)), result: post.result };
}

interface CoreContextHandle {
  context: CoreInvocationContext;
  setUserContext(context: unknown): void;
}

function createCoreContext(
  emitLog: EmitLog,
  fn: AppFunction,
  request: RpcInvocationRequest,
): CoreContextHandle {
  const tag = { functionName: fn.name, invocationId: request.invocationId };
  let userContext: unknown;
  const context: CoreInvocationContext = {
    invocationId: request.invocationId,
    request,
    metadata: fn.metadata,
    log: (level, category, message) => emitLog(level, category, message, { tag, context: userContext }),
  };
  return { context, setUserContext: (value) => (userContext = value) };
}

/** v3 callbacks are called with their module as `this`; `bind` also keeps invocations apart. */
function boundCallback(fn: AppFunction): FunctionCallback {
  return fn.thisArg === undefined ? fn.callback : fn.callback.bind(fn.thisArg);
}

interface PreResult {
  inputs: unknown[];
  callback: FunctionCallback;
}

/** The preInvocation hooks (at least one), which may replace the inputs and the callback. */
async function runPreHooks(
  app: WorkerApp,
  core: CoreInvocationContext,
  base: Record<string, unknown>,
  inputs: unknown[],
  callback: FunctionCallback,
): Promise<PreResult> {
  const hookContext = withReadOnly({ inputs, functionCallback: callback }, base);
  core.state = 'preInvocationHooks';
  try {
    await runHooks(app.hooks.preInvocation, hookContext);
  } finally {
    core.state = undefined;
  }
  const replaced = hookContext.functionCallback;
  return {
    inputs: Array.isArray(hookContext.inputs) ? hookContext.inputs : inputs,
    callback: isCallable(replaced) ? replaced : callback,
  };
}

interface InvokeResult {
  result: unknown;
  error: unknown;
}

async function invokeSafely(
  core: CoreInvocationContext,
  model: InvocationModel,
  context: unknown,
  pre: PreResult,
): Promise<InvokeResult> {
  core.state = 'invocation';
  try {
    return { result: await model.invokeFunction(context, pre.inputs, pre.callback), error: null };
  } catch (error) {
    return { result: null, error: error ?? new Error('The function failed with no error value.') };
  } finally {
    core.state = undefined;
  }
}

/** The postInvocation hooks (at least one), which may replace the result and the error. */
async function runPostHooks(
  app: WorkerApp,
  core: CoreInvocationContext,
  base: Record<string, unknown>,
  inputs: unknown[],
  invoked: InvokeResult,
): Promise<InvokeResult> {
  const hookContext = withReadOnly({ inputs, result: invoked.result, error: invoked.error }, base);
  core.state = 'postInvocationHooks';
  try {
    await runHooks(app.hooks.postInvocation, hookContext);
  } finally {
    core.state = undefined;
  }
  return { result: hookContext.result, error: hookContext.error };
}
