/** The policy engine of the gateway: parse and check documents, compose scopes, run a call's policy. */
export { composePolicies } from './compose.js';
export type { EffectivePolicy, PolicyDocument, PolicyProblem } from './model.js';
export {
  type PolicyFormat,
  type PolicyParseResult,
  type PolicyTargetFacts,
  parsePolicyDocument,
  referencedNamedValues,
  substituteNamedValues,
} from './parse.js';
export { escapeRawXml, toRawXml } from './raw-xml.js';
export { POLICY_KINDS } from './registry.js';
export { answerPreflight, dropBody, runPipeline } from './run.js';
