/**
 * Policy documents of an API Management service at global, product, API and operation scope
 * (spec/apim.md §2). A document is checked when it is saved: malformed XML, an unsupported policy or
 * attribute, or a `{{named value}}` that does not exist is refused with the line it is on.
 */
import {
  parsePolicyDocument,
  referencedNamedValues,
  substituteNamedValues,
} from '../../gateway/policies/index.js';
import type { PolicyScope } from '../../gateway/types.js';
import { PorticoError } from '../../shared/errors.js';
import type { ControlContext } from '../context.js';
import { badField, stringField } from './fields.js';
import { listNamedValues, type NamedValueProperties, namedValueText } from './named-values.js';
import {
  changeService,
  deleteEntities,
  findEntity,
  getEntity,
  listEntities,
  type StoredEntity,
  saveEntity,
} from './store.js';

/** Where a policy is attached. */
export type PolicyTarget =
  | { readonly scope: 'global' }
  | { readonly scope: 'product'; readonly productId: string }
  | { readonly scope: 'api'; readonly apiId: string }
  | { readonly scope: 'operation'; readonly apiId: string; readonly operationId: string };

/** Stored properties of a policy. */
export interface PolicyProperties {
  readonly format: 'rawxml' | 'xml';
  readonly value: string;
}

/** The largest policy document accepted (APIM's limit is 256 KB). */
const MAX_POLICY_BYTES = 256 * 1024;

/** The entity id of a policy target: `global`, `product:<id>`, `api:<id>`, `operation:<api>/<op>`. */
export function policyKey(target: PolicyTarget): string {
  switch (target.scope) {
    case 'global':
      return 'global';
    case 'product':
      return `product:${target.productId}`;
    case 'api':
      return `api:${target.apiId}`;
    case 'operation':
      return `operation:${target.apiId}/${target.operationId}`;
  }
}

async function checkTargetExists(
  ctx: ControlContext,
  serviceId: string,
  target: PolicyTarget,
): Promise<void> {
  if (target.scope === 'product') {
    await getEntity(ctx, serviceId, 'product', target.productId);
  } else if (target.scope === 'api') {
    await getEntity(ctx, serviceId, 'api', target.apiId);
  } else if (target.scope === 'operation') {
    await getEntity(ctx, serviceId, 'operation', `${target.apiId}/${target.operationId}`);
  }
}

/** The display names → values of a service's named values. */
export async function namedValueMap(ctx: ControlContext, serviceId: string): Promise<Map<string, string>> {
  const values = await listNamedValues(ctx, serviceId);
  return new Map(
    values.map((value: StoredEntity<NamedValueProperties>) => [
      value.properties.displayName,
      namedValueText(value),
    ]),
  );
}

/** Checks a policy document as the gateway will run it; throws a 400 listing each problem with its line. */
export async function checkPolicyText(
  ctx: ControlContext,
  serviceId: string,
  scope: PolicyScope,
  xml: string,
): Promise<void> {
  const values = await namedValueMap(ctx, serviceId);
  const missing = referencedNamedValues(xml).filter((name) => !values.has(name));
  if (missing.length > 0) {
    throw new PorticoError(
      'CONTROL_POLICY_INVALID',
      `The policy uses named values that do not exist: ${missing.map((name) => `{{${name}}}`).join(', ')}. Create them first ('portico apim named-value set').`,
    );
  }
  const result = parsePolicyDocument(substituteNamedValues(xml, values), scope);
  if (!result.ok) {
    throw new PorticoError(
      'CONTROL_POLICY_INVALID',
      `The ${scope} policy is invalid: ${describeProblems(result.problems)}`,
      {
        details: result.problems.map((problem) => ({
          path: `line ${problem.line}, column ${problem.column}`,
          message: problem.message,
        })),
      },
    );
  }
}

function describeProblems(problems: readonly { line: number; column: number; message: string }[]): string {
  return problems.map((p) => `line ${p.line}, column ${p.column}: ${p.message}`).join('; ');
}

/** Saves a policy document after checking it. */
export async function putPolicy(
  ctx: ControlContext,
  serviceId: string,
  target: PolicyTarget,
  props: Record<string, unknown>,
): Promise<{ policy: StoredEntity<PolicyProperties>; created: boolean }> {
  await checkTargetExists(ctx, serviceId, target);
  const format = stringField(props, 'format', 'xml').toLowerCase();
  if (format !== 'xml' && format !== 'rawxml') {
    throw badField(
      'format',
      '"xml" or "rawxml" (Portico stores policies as XML only; "xml-link" is not supported)',
      props.format,
    );
  }
  const value = stringField(props, 'value', '');
  if (Buffer.byteLength(value) > MAX_POLICY_BYTES || value.trim() === '') {
    throw badField('value', `a policy XML document of at most ${MAX_POLICY_BYTES} bytes`, '(document)');
  }
  await checkPolicyText(ctx, serviceId, target.scope, value);
  const properties: PolicyProperties = { format, value };
  const created = await saveEntity(ctx, serviceId, 'policy', policyKey(target), properties);
  return { policy: await getEntity<PolicyProperties>(ctx, serviceId, 'policy', policyKey(target)), created };
}

/** A policy, or a 404. */
export async function getPolicy(
  ctx: ControlContext,
  serviceId: string,
  target: PolicyTarget,
): Promise<StoredEntity<PolicyProperties>> {
  await checkTargetExists(ctx, serviceId, target);
  return getEntity<PolicyProperties>(ctx, serviceId, 'policy', policyKey(target));
}

/** A policy, or undefined. */
export function findPolicy(
  ctx: ControlContext,
  serviceId: string,
  target: PolicyTarget,
): Promise<StoredEntity<PolicyProperties> | undefined> {
  return findEntity<PolicyProperties>(ctx, serviceId, 'policy', policyKey(target));
}

/** Deletes a policy. */
export async function deletePolicy(
  ctx: ControlContext,
  serviceId: string,
  target: PolicyTarget,
): Promise<void> {
  await getPolicy(ctx, serviceId, target);
  await changeService(ctx, serviceId, async (trx) => {
    await deleteEntities(ctx, serviceId, 'policy', { id: policyKey(target) }, trx);
  });
}

/** The policies (by key) that reference `{{displayName}}`. */
export async function referencingPolicies(
  ctx: ControlContext,
  serviceId: string,
  displayName: string,
): Promise<string[]> {
  const policies = await listEntities<PolicyProperties>(ctx, serviceId, 'policy');
  return policies
    .filter((policy) => referencedNamedValues(policy.properties.value).includes(displayName))
    .map((policy) => policy.id);
}
