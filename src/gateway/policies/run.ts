/**
 * Running a composed policy (spec/apim.md §2): inbound, backend, outbound in order; a failure skips the
 * rest and runs on-error, and if on-error did not answer, the caller gets APIM's JSON error;
 * `return-response` ends the call at once with its response.
 */
import {
  type GatewayContext,
  GatewayFailure,
  type GatewayResponse,
  isBackendBody,
  type PolicySection,
} from '../types.js';
import { answerCorsPreflight, type CorsStep } from './kinds/cors.js';
import { mocked, ReturnResponse } from './kinds/responses.js';
import { type EffectivePolicy, runDeferred, type Step } from './model.js';

async function runSteps(steps: readonly Step[], ctx: GatewayContext): Promise<void> {
  for (const step of steps) {
    await step.run(ctx);
  }
}

/** APIM's error response for a failure. */
export function failureResponse(failure: GatewayFailure): GatewayResponse {
  const headers = new Map<string, string[]>([['content-type', ['application/json; charset=utf-8']]]);
  for (const [name, value] of Object.entries(failure.headers)) {
    headers.set(name.toLowerCase(), [value]);
  }
  return {
    status: failure.status,
    headers,
    body: JSON.stringify({ statusCode: failure.status, message: failure.message }),
  };
}

function toFailure(error: unknown): GatewayFailure {
  return error instanceof GatewayFailure
    ? error
    : new GatewayFailure(500, 'Internal server error', {
        reason: 'PolicyError',
        source: 'policy',
        headers: {},
      });
}

/**
 * Drops the backend's body of a response that will not be sent (replaced by another answer, or one
 * without a body), so its connection goes back to the pool.
 */
export function dropBody(response: GatewayResponse | undefined): void {
  if (isBackendBody(response?.body)) {
    response.body.discard();
  }
}

async function runOnError(
  policy: EffectivePolicy,
  ctx: GatewayContext,
  failure: GatewayFailure,
  section: PolicySection,
): Promise<void> {
  ctx.lastError = { source: failure.source, reason: failure.reason, message: failure.message, section };
  ctx.response = failureResponse(failure);
  try {
    await runSteps(policy.onError, ctx);
  } catch (error) {
    ctx.response = error instanceof ReturnResponse ? error.response : failureResponse(toFailure(error));
  }
}

/** Runs a call's policy; afterwards `ctx.response` holds what to send. Unexpected errors are rethrown. */
export async function runPipeline(policy: EffectivePolicy, ctx: GatewayContext): Promise<void> {
  let section: PolicySection = 'inbound';
  try {
    await runSteps(policy.inbound, ctx);
    if (!mocked.has(ctx)) {
      section = 'backend';
      await runSteps(policy.backend, ctx);
    }
    section = 'outbound';
    await runSteps(policy.outbound, ctx);
    await runDeferred(ctx);
  } catch (error) {
    dropBody(ctx.response);
    if (error instanceof ReturnResponse) {
      ctx.response = error.response;
      return;
    }
    if (!(error instanceof GatewayFailure)) {
      throw error;
    }
    await runOnError(policy, ctx, error, section);
  }
}

/** Answers a CORS preflight from the first `cors` of the inbound section; false when there is none. */
export function answerPreflight(policy: EffectivePolicy, ctx: GatewayContext): boolean {
  const step = policy.inbound.find((candidate): candidate is CorsStep => candidate.name === 'cors');
  if (step === undefined) {
    return false;
  }
  answerCorsPreflight(step.cors, ctx);
  return true;
}
