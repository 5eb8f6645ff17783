/**
 * A service compiled for serving: APIs ready for matching, the key lookup tables, and policy documents
 * parsed once (named values substituted) and composed per product/API/operation on first use. A stored
 * policy that no longer compiles (a named value changed) fails closed: calls that would run it get 500.
 */
import { innerMap } from '../shared/inner-map.js';
import { type AccessTable, createAccessTable } from './access.js';
import { legacyClashWarnings } from './legacy-clashes.js';
import { type CompiledApi, compileApis } from './matching.js';
import {
  composePolicies,
  type EffectivePolicy,
  type PolicyDocument,
  parsePolicyDocument,
  substituteNamedValues,
} from './policies/index.js';
import type { GatewayApi, GatewayProduct, GatewaySubscription, PolicyScope } from './types.js';

/** The stored configuration of one service, as plain data. */
export interface GatewayServiceConfig {
  /** The internal id, new when the service is deleted and created again (its counters are keyed by it). */
  readonly id: string;
  readonly name: string;
  readonly hostname: string;
  readonly apis: readonly GatewayApi[];
  readonly products: readonly GatewayProduct[];
  readonly subscriptions: readonly GatewaySubscription[];
  /** Display name → value. */
  readonly namedValues: ReadonlyMap<string, string>;
  /** `global`, `product:<id>`, `api:<id>`, `operation:<apiId>/<operationId>` → XML. */
  readonly policies: ReadonlyMap<string, string>;
}

/** The policy of a call, or why it cannot run. */
export type EffectiveOutcome =
  | { readonly ok: true; readonly policy: EffectivePolicy }
  | { readonly ok: false; readonly problem: string };

/** A service ready to serve. */
export interface CompiledService {
  /** See {@link GatewayServiceConfig.id}. */
  readonly id: string;
  readonly name: string;
  readonly hostname: string;
  readonly apis: readonly CompiledApi[];
  /**
   * One warning per set of APIs (or operations) stored with one suffix (template) once folded, before the
   * control plane refused that (decision 0127); empty for most services. The caller logs them.
   */
  readonly legacyClashes: readonly string[];
  readonly access: AccessTable;
  /** The composed policy for a call context (cached). */
  effective(productId: string | undefined, apiId: string, operationId: string | undefined): EffectiveOutcome;
}

type Parsed =
  | { readonly ok: true; readonly document: PolicyDocument }
  | { readonly ok: false; readonly problem: string };

function scopeOf(key: string): PolicyScope {
  return key === 'global' ? 'global' : (key.slice(0, key.indexOf(':')) as PolicyScope);
}

function parseAll(config: GatewayServiceConfig): Map<string, Parsed> {
  const parsed = new Map<string, Parsed>();
  for (const [key, xml] of config.policies) {
    const result = parsePolicyDocument(substituteNamedValues(xml, config.namedValues), scopeOf(key));
    parsed.set(
      key,
      result.ok
        ? { ok: true, document: result.document }
        : {
            ok: false,
            problem: `policy ${key}: line ${result.problems[0]?.line}: ${result.problems[0]?.message}`,
          },
    );
  }
  return parsed;
}

type Nested<V> = Map<string, V>;

/** Compiles a service's configuration. */
export function compileService(config: GatewayServiceConfig): CompiledService {
  const parsed = parseAll(config);
  const cache: Nested<Nested<Map<string, EffectiveOutcome>>> = new Map();
  const compose = (
    productId: string | undefined,
    apiId: string,
    operationId: string | undefined,
  ): EffectiveOutcome => {
    const keys = [
      'global',
      productId === undefined ? undefined : `product:${productId}`,
      `api:${apiId}`,
      operationId === undefined ? undefined : `operation:${apiId}/${operationId}`,
    ];
    const docs: Partial<Record<PolicyScope, PolicyDocument>> = {};
    for (const key of keys) {
      const entry = key === undefined ? undefined : parsed.get(key);
      if (entry?.ok === false) {
        return { ok: false, problem: entry.problem };
      }
      if (entry?.ok === true && key !== undefined) {
        docs[scopeOf(key)] = entry.document;
      }
    }
    return { ok: true, policy: composePolicies(docs) };
  };
  const apis = compileApis(config.apis);
  return {
    id: config.id,
    name: config.name,
    hostname: config.hostname,
    apis,
    legacyClashes: legacyClashWarnings(config.name, apis),
    access: createAccessTable(config.subscriptions, config.products),
    effective(productId, apiId, operationId) {
      // Found by the three ids in turn (strings of the snapshot, whose hashes V8 keeps), not by a key
      // string made per call.
      const byOperation = innerMap(innerMap(cache, productId ?? ''), apiId);
      let outcome = byOperation.get(operationId ?? '');
      if (outcome === undefined) {
        outcome = compose(productId, apiId, operationId);
        byOperation.set(operationId ?? '', outcome);
      }
      return outcome;
    },
  };
}
