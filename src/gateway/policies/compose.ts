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

/** The policy of a call from the documents of its scopes (any may be absent). */
export function composePolicies(docs: Partial<Record<PolicyScope, PolicyDocument>>): EffectivePolicy {
  const ordered = ORDER.flatMap((scope) =>
    docs[scope] === undefined ? [] : [docs[scope] as PolicyDocument],
  );
  return {
    inbound: composeSection(ordered, 'inbound'),
    backend: composeSection(ordered, 'backend'),
    outbound: composeSection(ordered, 'outbound'),
    onError: composeSection(ordered, 'on-error'),
  };
}
