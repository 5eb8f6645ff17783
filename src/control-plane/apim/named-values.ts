/**
 * Named values of an API Management service (spec/apim.md §1.1): `{{displayName}}` in policy text is
 * replaced by the value. Secret values are sealed and never listed; a value that a policy references
 * cannot be deleted.
 */
import { PorticoError } from '../../shared/errors.js';
import type { ControlContext } from '../context.js';
import { badField, booleanField, stringField } from './fields.js';
import { checkPoliciesWithNamedValue, referencingPolicies } from './policies.js';
import {
  changeService,
  checkEntityId,
  deleteEntities,
  getEntity,
  listEntities,
  type StoredEntity,
  saveEntity,
} from './store.js';

/** Stored properties of a named value; `value` is absent for secrets (sealed apart). */
export interface NamedValueProperties {
  readonly displayName: string;
  readonly secret: boolean;
  readonly value?: string;
  /** Azure's tags of a named value (labels for finding them); absent: none. */
  readonly tags?: readonly string[];
}

/** Azure's limits: at most 32 tags of 1–255 characters. */
function tagsOf(value: unknown): { tags?: readonly string[] } {
  if (value === undefined || value === null) {
    return {};
  }
  if (
    !Array.isArray(value) ||
    value.length > 32 ||
    !value.every((tag) => typeof tag === 'string' && tag.length > 0 && tag.length <= 255)
  ) {
    throw badField('tags', 'an array of at most 32 strings of 1 to 255 characters', value);
  }
  return value.length === 0 ? {} : { tags: [...new Set(value as string[])] };
}

const DISPLAY_NAME = /^[A-Za-z0-9._-]{1,256}$/;

/** Creates or replaces a named value. */
export async function putNamedValue(
  ctx: ControlContext,
  serviceId: string,
  id: string,
  props: Record<string, unknown>,
): Promise<{ namedValue: StoredEntity<NamedValueProperties>; created: boolean }> {
  checkEntityId('named-value', id);
  const displayName = stringField(props, 'displayName', id);
  if (!DISPLAY_NAME.test(displayName)) {
    throw badField(
      'displayName',
      'letters, digits, ".", "-" or "_" (it is written as {{displayName}} in policies)',
      displayName,
    );
  }
  if (props.keyVault !== undefined && props.keyVault !== null) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      'properties.keyVault: Portico has no Key Vault to read a named value from; give the value itself in properties.value, with "secret": true to keep it sealed and hidden.',
    );
  }
  const value = stringField(props, 'value');
  if (value.length === 0 || value.includes('{{')) {
    throw badField('value', 'a non-empty string that holds no other {{named value}}', '(hidden)');
  }
  const secret = booleanField(props, 'secret', false);
  const clash = (await listNamedValues(ctx, serviceId)).find(
    (other) => other.id !== id && other.properties.displayName === displayName,
  );
  if (clash !== undefined) {
    throw new PorticoError(
      'CONTROL_APIM_CONFLICT',
      `The named value '${clash.id}' already has the display name '${displayName}'.`,
    );
  }
  const previous = (await listNamedValues(ctx, serviceId)).find((other) => other.id === id);
  await checkPoliciesWithNamedValue(ctx, serviceId, {
    previousName: previous?.properties.displayName,
    name: displayName,
    value,
    secret,
  });
  const tags = tagsOf(props.tags);
  const properties: NamedValueProperties = secret
    ? { displayName, secret, ...tags }
    : { displayName, secret, value, ...tags };
  const created = await saveEntity(ctx, serviceId, 'named-value', id, properties, secret ? value : undefined);
  return { namedValue: await getEntity<NamedValueProperties>(ctx, serviceId, 'named-value', id), created };
}

/** The value of a named value (`listValue`). */
export function namedValueText(namedValue: StoredEntity<NamedValueProperties>): string {
  return namedValue.properties.secret ? (namedValue.secret ?? '') : (namedValue.properties.value ?? '');
}

/** Every named value of a service. */
export function listNamedValues(
  ctx: ControlContext,
  serviceId: string,
): Promise<StoredEntity<NamedValueProperties>[]> {
  return listEntities<NamedValueProperties>(ctx, serviceId, 'named-value');
}

/** Deletes a named value no policy references. */
export async function deleteNamedValue(ctx: ControlContext, serviceId: string, id: string): Promise<void> {
  const namedValue = await getEntity<NamedValueProperties>(ctx, serviceId, 'named-value', id);
  const users = await referencingPolicies(ctx, serviceId, namedValue.properties.displayName);
  if (users.length > 0) {
    throw new PorticoError(
      'CONTROL_APIM_CONFLICT',
      `The named value '${id}' is used by the policy of ${users.join(', ')}; remove {{${namedValue.properties.displayName}}} there first.`,
    );
  }
  await changeService(ctx, serviceId, (trx) => deleteEntities(ctx, serviceId, 'named-value', { id }, trx));
}
