/**
 * Scope composition (spec/apim.md §2): evaluation starts at the narrowest scope; `<base/>` inlines the
 * parent scope's same section there; an absent section behaves as `<base/>`; at global scope `<base/>`
 * inlines APIM's default: nothing, except `forward-request` in backend.
 */
import type { PolicyScope, PolicySection } from '../types.js';
import type { BaseStep, EffectivePolicy, PolicyDocument, Step } from './model.js';
import { POLICY_KINDS } from './registry.js';

const ORDER: readonly PolicyScope[] = ['global', 'product', 'api', 'operation'];

/** APIM's built-in parent of the global scope: `<backend><forward-request/></backend>`. */
function defaultSection(section: PolicySection): readonly Step[] {
  if (section !== 'backend') {
    return [];
  }
  const forward = POLICY_KINDS.get('forward-request')?.parse(
    { name: 'forward-request', attributes: new Map(), children: [], text: '', line: 0, column: 0 },
    { scope: 'global', section: 'backend', problems: [] },
  );
  return forward === undefined ? [] : [forward];
}

function isBase(step: Step | BaseStep): step is BaseStep {
  return step.name === 'base';
}

function composeSection(docs: readonly PolicyDocument[], section: PolicySection): Step[] {
  let inherited: readonly Step[] = defaultSection(section);
  for (const doc of docs) {
    const steps = doc.sections[section];
    if (steps !== undefined) {
      inherited = steps.flatMap((step) => (isBase(step) ? inherited : [step]));
    }
  }
  return [...inherited];
}

/**
 * The backend section with one `forward-request`: Azure allows one per policy, and a call's policy is the
 * scopes composed. Parse refuses two in one document; two scopes can still compose two (an operation's
 * `<forward-request/><base/>` over the global default), which would call the backend twice, the second
 * time with the body already spent. The first one runs, with its attributes; later ones are dropped
 * (decision 0108).
 */
function oneForward(steps: Step[]): Step[] {
  const first = steps.findIndex((step) => step.name === 'forward-request');
  return first === -1
    ? steps
    : steps.filter((step, index) => index <= first || step.name !== 'forward-request');
}

/** The policy of a call from the documents of its scopes (any may be absent). */
export function composePolicies(docs: Partial<Record<PolicyScope, PolicyDocument>>): EffectivePolicy {
  const ordered = ORDER.flatMap((scope) =>
    docs[scope] === undefined ? [] : [docs[scope] as PolicyDocument],
  );
  return {
    inbound: composeSection(ordered, 'inbound'),
    backend: oneForward(composeSection(ordered, 'backend')),
    outbound: composeSection(ordered, 'outbound'),
    onError: composeSection(ordered, 'on-error'),
  };
}
