/**
 * The fields a list's `$filter` may name. Each list says which properties its resources have, so that a
 * field it does not know is a 400 naming the ones it does, on an empty list too, instead of matching
 * nothing (a filter on a misspelt field must not look like "none found").
 */
import { isRecord } from '../../shared/guards.js';

/** The fields of a list's resources, besides `name`, `id` and `type`. */
export interface ListFields {
  /** Properties of the resources: `displayName`, also written `properties/displayName`. */
  readonly properties: readonly string[];
  /** Fields Azure documents that are worked out of a resource (a subscription's `productId`). */
  readonly derived?: Readonly<Record<string, (resource: unknown) => unknown>>;
}

/** A list whose resources have no properties to filter on. */
export const NO_PROPERTIES: ListFields = { properties: [] };

/** Reads one field of a resource. */
export type FieldReader = (resource: unknown) => unknown;

const TOP_LEVEL = ['name', 'id', 'type'] as const;

/**
 * How to read `path` (`name`, `displayName`, `properties/displayName`, `properties/keys/header`, or a
 * derived field) from a list's resources; undefined when the list has no such field. Names match without
 * case, as Azure Resource Manager reads them.
 */
export function fieldReader(fields: ListFields, path: string): FieldReader | undefined {
  const parts = path.split('/');
  const [first = '', ...rest] = parts;
  if (rest.length === 0) {
    const top = TOP_LEVEL.find((name) => name === first.toLowerCase());
    if (top !== undefined) {
      return (resource) => (isRecord(resource) ? resource[top] : undefined);
    }
    const derived = Object.entries(fields.derived ?? {}).find(([name]) => same(name, first));
    if (derived !== undefined) {
      return derived[1];
    }
  }
  const inProperties = same(first, 'properties') ? rest : parts;
  const property = fields.properties.find((name) => same(name, inProperties[0] ?? ''));
  if (property === undefined) {
    return undefined;
  }
  const steps = [property, ...inProperties.slice(1)];
  return (resource) =>
    steps.reduce<unknown>(
      (value, step) => (isRecord(value) ? value[step] : undefined),
      isRecord(resource) ? resource.properties : undefined,
    );
}

/** The field names of a list, for an error message: `name, id, type, displayName, …`. */
export function fieldNames(fields: ListFields): string {
  return [...TOP_LEVEL, ...fields.properties, ...Object.keys(fields.derived ?? {})].join(', ');
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
