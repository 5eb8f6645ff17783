/**
 * Running a composed policy (spec/apim.md §2): inbound, backend, outbound in order; a failure skips the
 * rest and runs on-error, and if on-error did not answer, the caller gets APIM's JSON error;
 * `return-response` ends the call at once with its response.
 *
 * Steps that answer at once (most checks, in-memory counters, cached keys) run one after the other
 * without a promise; the engine waits only from the first step that returns one (decision 0037). A step
 * that throws and a step whose promise rejects are handled the same way.
 */
import {
  type GatewayContext,
  GatewayFailure,
  type GatewayResponse,
  isBackendBody,
  isPromiseLike,
  type PolicySection,
} from '../types.js';
import { answerCorsPreflight, type CorsStep } from './kinds/cors.js';
import { ReturnResponse } from './kinds/responses.js';
import { type EffectivePolicy, runDeferred, type Step } from './model.js';

/** The main sections, in order; on-error runs only after a failure. */
const SECTIONS = ['inbound', 'backend', 'outbound'] as const;

type MainSection = (typeof SECTIONS)[number];

function stepsOf(policy: EffectivePolicy, section: MainSection): readonly Step[] {
  return section === 'inbound' ? policy.inbound : section === 'backend' ? policy.backend : policy.outbound;
}

/**
 * One run of the main sections: where it stands, so that a step that waits resumes the run from the next
 * step. One object per call, and one continuation per step that waits, whatever the sections; a failure,
 * thrown or rejected, is recovered from in that same continuation (no promise per run on top of it).
 */
class SectionRun {
  readonly #policy: EffectivePolicy;
  readonly #ctx: GatewayContext;
  #index = 0;
  #step = 0;
  /** The section running (for `context.LastError.Section`); stays `outbound` for the deferred work. */
  section: PolicySection = 'inbound';

  constructor(policy: EffectivePolicy, ctx: GatewayContext) {
    this.#policy = policy;
    this.#ctx = ctx;
  }

  /**
   * Runs from where it stands, then the deferred work; undefined when all of it ran at once. Throws a
   * failure met before anything waited; a promise it returns has recovered from any later one.
   */
  run(): Promise<void> | undefined {
    const ctx = this.#ctx;
    for (; this.#index < SECTIONS.length; this.#index += 1, this.#step = 0) {
      const section = SECTIONS[this.#index] as MainSection;
      this.section = section;
      const steps = stepsOf(this.#policy, section);
      while (this.#step < steps.length) {
        const pending = (steps[this.#step] as Step).run(ctx);
        this.#step += 1;
        if (isPromiseLike(pending)) {
          return pending.then(
            () => this.#resume(),
            (error: unknown) => this.recover(error),
          );
        }
      }
    }
    return runDeferred(ctx)?.then(undefined, (error: unknown) => this.recover(error));
  }

  /** What a failure leads to (on-error, a `return-response`); unexpected errors are thrown again. */
  recover(error: unknown): Promise<void> | undefined {
    return recover(this.#policy, this.#ctx, error, this.section);
  }

  #resume(): Promise<void> | undefined {
    try {
      return this.run();
    } catch (error) {
      return this.recover(error);
    }
  }
}

/**
 * Runs `steps` (on-error's) from `from` on. Undefined when every step ran at once; otherwise a promise of
 * the rest, from the first step that returned one.
 */
function runSteps(steps: readonly Step[], ctx: GatewayContext, from: number): Promise<void> | undefined {
  for (let index = from; index < steps.length; index += 1) {
    const pending = (steps[index] as Step).run(ctx);
    if (isPromiseLike(pending)) {
      return pending.then(() => runSteps(steps, ctx, index + 1));
    }
  }
  return undefined;
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

function answerOnError(ctx: GatewayContext, error: unknown): void {
  ctx.response = error instanceof ReturnResponse ? error.response : failureResponse(toFailure(error));
}

function runOnError(
  policy: EffectivePolicy,
  ctx: GatewayContext,
  failure: GatewayFailure,
  section: PolicySection,
): Promise<void> | undefined {
  ctx.lastError = { source: failure.source, reason: failure.reason, message: failure.message, section };
  ctx.response = failureResponse(failure);
  try {
    return runSteps(policy.onError, ctx, 0)?.catch((error: unknown) => answerOnError(ctx, error));
  } catch (error) {
    answerOnError(ctx, error);
    return undefined;
  }
}

/** What a failure of the main sections leads to; unexpected errors are thrown again. */
function recover(
  policy: EffectivePolicy,
  ctx: GatewayContext,
  error: unknown,
  section: PolicySection,
): Promise<void> | undefined {
  dropBody(ctx.response);
  if (error instanceof ReturnResponse) {
    ctx.response = error.response;
    return undefined;
  }
  if (!(error instanceof GatewayFailure)) {
    throw error;
  }
  return runOnError(policy, ctx, error, section);
}

/**
 * Runs a call's policy; afterwards `ctx.response` holds what to send. Undefined when the whole policy ran
 * at once, otherwise a promise of its end. Unexpected errors are thrown (or rejected) again.
 */
export function runPipeline(policy: EffectivePolicy, ctx: GatewayContext): Promise<void> | undefined {
  const run = new SectionRun(policy, ctx);
  try {
    return run.run();
  } catch (error) {
    return run.recover(error);
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
