/**
 * One buffered HTTP invocation: build the RPC request, run the pipeline inside the invocation's log scope,
 * and map the result. A failing function answers 500 with an empty body (as Azure does) and is logged
 * with its function name and invocation id; the worker keeps serving.
 */
import { randomUUID } from 'node:crypto';
import type { AppFunction } from './app-functions.js';
import { errorDetail } from './errors.js';
import { type PipelineDeps, runPipeline } from './pipeline.js';
import { buildInvocationRequest, type HttpRequestData } from './rpc-request.js';
import { type HttpResult, toHttpResult } from './rpc-response.js';
import type { InvocationTag, WorkerLog } from './worker-log.js';

/** What an invocation needs from the worker. */
export interface InvokeDeps extends PipelineDeps {
  log: WorkerLog;
  model: 'v3' | 'v4';
}

/** Invokes `fn` for a buffered request and resolves with the complete response (never rejects). */
export function invokeHttp(deps: InvokeDeps, fn: AppFunction, data: HttpRequestData): Promise<HttpResult> {
  const tag: InvocationTag = { functionName: fn.name, invocationId: randomUUID() };
  return deps.log.scope.run(tag, async () => {
    try {
      const request = buildInvocationRequest(fn, data, { model: deps.model, invocationId: tag.invocationId });
      const outcome = await runPipeline(deps, fn, request);
      return toHttpResult(fn, outcome.response);
    } catch (error) {
      logFailure(deps.log, tag, error);
      return { status: 500, headers: [], body: Buffer.alloc(0) };
    }
  });
}

/** Logs a failed invocation with its function name and invocation id. */
export function logFailure(log: WorkerLog, tag: InvocationTag, error: unknown): void {
  const message = `Executed "${tag.functionName}" (Failed, Id=${tag.invocationId}): ${errorDetail(error)}`;
  log.write('error', 'system', message, tag);
}
