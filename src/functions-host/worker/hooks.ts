/**
 * Hook execution (worker `hooks/executeHooks.ts`) and the log path with its `log` hooks. Hook contexts are
 * plain objects: the libraries wrap them in their own `*Context` classes and write through to them, so
 * the pipeline reads back `inputs`, `functionCallback`, `result` and `error` afterwards (spec §6.1).
 */
import type { WorkerApp } from './app-state.js';
import { errorDetail } from './errors.js';
import { asString } from './guards.js';
import type { HookCallback, HookContext } from './types.js';
import { type InvocationTag, toLogLevel, type WorkerLog } from './worker-log.js';

/** Runs the callbacks one after another, awaiting each; a throwing hook stops the chain (as on Azure). */
export async function runHooks(callbacks: readonly HookCallback[], context: HookContext): Promise<void> {
  for (const callback of [...callbacks]) {
    await callback(context);
  }
}

/** Defines read-only properties, so a hook assigning `hookData` fails as it does on Azure. */
export function withReadOnly(target: HookContext, values: Record<string, unknown>): HookContext {
  for (const [key, value] of Object.entries(values)) {
    Object.defineProperty(target, key, { value, enumerable: true, writable: false });
  }
  return target;
}

/** The invocation a log line belongs to: its tag and the library's user-facing context object. */
export interface LogInvocation {
  tag: InvocationTag;
  context: unknown;
}

/** Logs a line from a library or user code: runs the `log` hooks, which may change level and message. */
export type EmitLog = (
  level: unknown,
  category: unknown,
  message: unknown,
  invocation?: LogInvocation,
) => void;

/** Creates the log path used by `coreApi.log` and every `coreCtx.log`. */
export function createLogEmitter(app: WorkerApp, log: WorkerLog): EmitLog {
  let inHook = false;
  return (level, category, message, invocation) => {
    const context = withReadOnly({ level, message }, { hookData: {}, appHookData: app.appHookData });
    withReadOnly(context, { category, invocationContext: invocation?.context });
    if (!inHook && app.hooks.log.length > 0) {
      inHook = true;
      try {
        runLogHooks(app.hooks.log, context, log);
      } finally {
        inHook = false;
      }
    }
    const mapped = toLogLevel(context.level);
    if (mapped !== undefined) {
      const source = category === 'user' ? 'user' : 'system';
      log.write(mapped, source, asString(context.message) ?? String(context.message), invocation?.tag);
    }
  };
}

function runLogHooks(callbacks: readonly HookCallback[], context: HookContext, log: WorkerLog): void {
  for (const callback of [...callbacks]) {
    try {
      callback(context);
    } catch (error) {
      log.write('error', 'system', `A "log" hook threw: ${errorDetail(error)}`);
    }
  }
}
