/**
 * Policy documents of an API Management service at global, product, API and operation scope
 * (spec/apim.md §2). A document is checked when it is saved: malformed XML, an unsupported policy or
 * attribute, or a `{{named value}}` that does not exist is refused with the line it is on.
 */
import {
  escapeRawXml,
  type PolicyFormat,
  type PolicyTargetFacts,
  parsePolicyDocument,
  referencedNamedValues,
  substituteNamedValues,
  toRawXml,
} from '../../gateway/policies/index.js';
import type { PolicyScope } from '../../gateway/types.js';
import { PorticoError } from '../../shared/errors.js';
import { clip, quoteValue } from '../../shared/quote.js';
import type { ControlContext } from '../context.js';
import type { OperationProperties } from './apis.js';
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

/**
 * Stored properties of a policy. `value` is always XML (a `rawxml` document is stored with its
 * expressions escaped, as APIM stores it); policies saved before that kept `format: 'rawxml'`, with XML.
 */
export interface PolicyProperties {
  readonly format: PolicyFormat;
  readonly value: string;
}

/** The largest policy document accepted, in bytes (APIM's limit: 256 KB per policy document). */
export const MAX_POLICY_BYTES = 256 * 1024;

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

/** Checks the target exists (a 404 otherwise); what the checks of a document need to know of it. */
async function checkTargetExists(
  ctx: ControlContext,
  serviceId: string,
  target: PolicyTarget,
): Promise<PolicyTargetFacts> {
  if (target.scope === 'product') {
    await getEntity(ctx, serviceId, 'product', target.productId);
  } else if (target.scope === 'api') {
    await getEntity(ctx, serviceId, 'api', target.apiId);
  } else if (target.scope === 'operation') {
    const operation = await getEntity<OperationProperties>(
      ctx,
      serviceId,
      'operation',
      `${target.apiId}/${target.operationId}`,
    );
    return { operationTemplate: operation.properties.urlTemplate };
  }
  return {};
}

/** The display names → values of a service's named values. */
export async function namedValueMap(ctx: ControlContext, serviceId: string): Promise<NamedValues> {
  const stored = await listNamedValues(ctx, serviceId);
  return {
    values: new Map(
      stored.map((value: StoredEntity<NamedValueProperties>) => [
        value.properties.displayName,
        namedValueText(value),
      ]),
    ),
    secrets: new Set(stored.filter((value) => value.properties.secret).map((v) => v.properties.displayName)),
  };
}

/** A service's named values by display name, and which of them are secret. */
interface NamedValues {
  readonly values: Map<string, string>;
  readonly secrets: Set<string>;
}

/** Checks a policy document as the gateway will run it; throws a 400 listing each problem with its line. */
export async function checkPolicyText(
  ctx: ControlContext,
  serviceId: string,
  scope: PolicyScope,
  xml: string,
  format: PolicyFormat = 'xml',
  facts: PolicyTargetFacts = {},
): Promise<void> {
  checkPolicyWith(await namedValueMap(ctx, serviceId), scope, xml, `The ${scope} policy`, format, facts);
}

/** Checks a policy document with these named values; `subject` names it in the message. */
function checkPolicyWith(
  named: NamedValues,
  scope: PolicyScope,
  xml: string,
  subject: string,
  format: PolicyFormat = 'xml',
  facts: PolicyTargetFacts = {},
): void {
  const { values } = named;
  const missing = referencedNamedValues(xml).filter((name) => !values.has(name));
  if (missing.length > 0) {
    throw new PorticoError(
      'CONTROL_POLICY_INVALID',
      `${subject} uses named values that do not exist: ${listSome(missing.map((name) => `{{${clip(name)}}}`))}. Create them first ('portico apim named-value set').`,
    );
  }
  const result = parsePolicyDocument(substituteNamedValues(xml, values), scope, format, facts);
  if (!result.ok) {
    const problems = withoutSecrets(result.problems, xml, named, scope, format, facts);
    throw new PorticoError('CONTROL_POLICY_INVALID', `${subject} is invalid: ${describeProblems(problems)}`, {
      details: problems.slice(0, MAX_REPORTED_PROBLEMS).map((problem) => ({
        path: `line ${problem.line}, column ${problem.column}`,
        message: problem.message,
      })),
    });
  }
}

type Problem = { readonly line: number; readonly column: number; readonly message: string };

/** What stands for a secret's value in the second reading of {@link withoutSecrets}. */
const SECRET_STAND_IN = 'secret';

/**
 * The problems of a document whose secret named values were substituted, told without their values: a
 * problem's text can quote what it found (a character a header cannot carry, a URL that is not one).
 * The document is read again with a plain word in place of each secret; a problem found on the same line
 * in both readings is not the secret's doing and is kept as it is; any other is the secret's value, and
 * only its line is told.
 */
function withoutSecrets(
  problems: readonly Problem[],
  xml: string,
  { values, secrets }: NamedValues,
  scope: PolicyScope,
  format: PolicyFormat,
  facts: PolicyTargetFacts,
): readonly Problem[] {
  const used = referencedNamedValues(xml).filter((name) => secrets.has(name));
  if (used.length === 0) {
    return problems;
  }
  const standIns = new Map(values);
  for (const name of used) {
    standIns.set(name, SECRET_STAND_IN);
  }
  const again = parsePolicyDocument(substituteNamedValues(xml, standIns), scope, format, facts);
  const known = new Set(again.ok ? [] : again.problems.map((p) => `${p.line}\n${p.message}`));
  const names = used.map((name) => `{{${clip(name)}}}`).join(', ');
  return problems.map((problem) =>
    known.has(`${problem.line}\n${problem.message}`)
      ? problem
      : {
          ...problem,
          message: `the value of the secret named value ${names} cannot stand here (what is wrong is not shown, so that the secret is not)`,
        },
  );
}

/**
 * Checks that every policy using a named value still holds with its new value or display name, so a
 * change never leaves a stored policy that fails every call; throws a 400 naming the policy and line.
 */
export async function checkPoliciesWithNamedValue(
  ctx: ControlContext,
  serviceId: string,
  change: {
    readonly previousName: string | undefined;
    readonly name: string;
    readonly value: string;
    readonly secret: boolean;
  },
): Promise<void> {
  const named = await namedValueMap(ctx, serviceId);
  const { values, secrets } = named;
  if (change.previousName !== undefined) {
    values.delete(change.previousName);
    secrets.delete(change.previousName);
  }
  values.set(change.name, change.value);
  if (change.secret) {
    secrets.add(change.name);
  }
  const affected = [change.name, change.previousName];
  for (const policy of await listEntities<PolicyProperties>(ctx, serviceId, 'policy')) {
    const names = referencedNamedValues(policy.properties.value);
    if (affected.some((name) => name !== undefined && names.includes(name))) {
      const scope = (policy.id.split(':')[0] ?? 'global') as PolicyScope;
      const subject = `With this change to {{${clip(change.previousName ?? change.name)}}}, the policy of ${policy.id}`;
      checkPolicyWith(named, scope, policy.properties.value, subject);
    }
  }
}

/** The most problems an error lists (a damaged document can have thousands). */
const MAX_REPORTED_PROBLEMS = 20;

/** The problems in one sentence: each one's own full stop left out, one at the end (no `.;`). */
function describeProblems(problems: readonly { line: number; column: number; message: string }[]): string {
  const list = listSome(
    problems.map((p) => `line ${p.line}, column ${p.column}: ${p.message.replace(/\.$/, '')}`),
    '; ',
  );
  return `${list}.`;
}

/** The first {@link MAX_REPORTED_PROBLEMS} items, and how many more there are. */
function listSome(items: readonly string[], separator = ', '): string {
  const more = items.length - MAX_REPORTED_PROBLEMS;
  return `${items.slice(0, MAX_REPORTED_PROBLEMS).join(separator)}${more > 0 ? `${separator}and ${more} more` : ''}`;
}

/**
 * The `value` of a policy: a non-empty XML document of at most {@link MAX_POLICY_BYTES} bytes. Its own
 * check, not the generic 4096-character field check, and the error never quotes the document.
 */
function policyValue(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      `properties.value must be the policy XML document as a string (<policies>…</policies>); got ${value === undefined ? 'nothing' : typeof value === 'string' ? 'an empty string' : `a ${Array.isArray(value) ? 'list' : typeof value}`}.`,
    );
  }
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_POLICY_BYTES) {
    throw new PorticoError(
      'CONTROL_POLICY_INVALID',
      `The policy document is ${bytes} bytes; a policy may be at most ${MAX_POLICY_BYTES} bytes (256 KB, as in Azure API Management). Move repeated values into named values, or split the policy across product, API and operation scopes.`,
    );
  }
  return value;
}

/** Saves a policy document after checking it. */
export async function putPolicy(
  ctx: ControlContext,
  serviceId: string,
  target: PolicyTarget,
  props: Record<string, unknown>,
): Promise<{ policy: StoredEntity<PolicyProperties>; created: boolean }> {
  const facts = await checkTargetExists(ctx, serviceId, target);
  const format = stringField(props, 'format', 'xml').toLowerCase();
  if (format !== 'xml' && format !== 'rawxml') {
    throw badField(
      'format',
      '"xml" or "rawxml" (Portico stores policies as XML only; "xml-link" is not supported)',
      props.format,
    );
  }
  const value = policyValue(props.value);
  await checkPolicyText(ctx, serviceId, target.scope, value, format, facts);
  const properties: PolicyProperties = { format: 'xml', value: storedXml(value, format) };
  const created = await saveEntity(ctx, serviceId, 'policy', policyKey(target), properties);
  return { policy: await getEntity<PolicyProperties>(ctx, serviceId, 'policy', policyKey(target)), created };
}

/** The XML stored for a checked document: a `rawxml` one with its expressions escaped. */
function storedXml(value: string, format: PolicyFormat): string {
  const raw = format === 'rawxml' ? escapeRawXml(value) : undefined;
  return raw?.ok === true ? raw.xml : value;
}

/**
 * The `format` a GET asks for (APIM's `PolicyExportFormat`): `xml` (the default) or `rawxml`; anything
 * else is a 400, as in Azure.
 */
export function parsePolicyFormat(value: string | null): PolicyFormat {
  const format = (value ?? 'xml').toLowerCase();
  if (format !== 'xml' && format !== 'rawxml') {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      `The query parameter format must be xml (the policy as XML, expressions escaped) or rawxml (expressions as written); got ${quoteValue(value)}.`,
    );
  }
  return format;
}

/** A stored policy's properties in a format: its XML, or its raw form with the expressions unescaped. */
export function policyInFormat(properties: PolicyProperties, format: PolicyFormat): PolicyProperties {
  return { format, value: format === 'rawxml' ? toRawXml(properties.value) : properties.value };
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

/** The policy of a target as a list (none or one); a 404 when the target does not exist. */
export async function listPolicies(
  ctx: ControlContext,
  serviceId: string,
  target: PolicyTarget,
): Promise<StoredEntity<PolicyProperties>[]> {
  await checkTargetExists(ctx, serviceId, target);
  const policy = await findPolicy(ctx, serviceId, target);
  return policy === undefined ? [] : [policy];
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
