import * as z from '../../shared/zod.js';
import type { Diagnostic } from '../types.js';
import { createError } from './diagnostics.js';
import { suggestClosest } from './suggest.js';

/**
 * Turns zod issues into diagnostics whose messages say what is wrong and how to fix it. Schemas carry their
 * own messages where a generic one would not help; {@link describeIssue} covers the rest.
 */

const EXPECTED_NAMES: Readonly<Record<string, string>> = {
  string: 'a string in double quotes',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'an array [...]',
  object: 'an object {...}',
};

/** The zod error map for issues whose schema has no message of its own. */
export function describeIssue(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return describeInvalidType(issue.expected, issue.input);
    case 'invalid_value':
      return describeInvalidValue(issue.values, issue.input);
    case 'too_big':
      return `is too large: at most ${String(issue.maximum)} ${issue.origin === 'array' ? 'entries are' : 'is'} allowed`;
    case 'too_small':
      return issue.origin === 'string'
        ? 'must not be empty; write a value or remove the key'
        : `is too small: at least ${String(issue.minimum)} ${issue.origin === 'array' ? 'entries are' : 'is'} needed`;
    case 'invalid_key':
      return issue.issues[0]?.message ?? 'is not an allowed key';
    default:
      return 'has an invalid value; see https://aka.ms/swa/config-schema';
  }
}

function describeInvalidType(expected: string, input: unknown): string {
  if (input === undefined) {
    return 'is required but missing; add it';
  }
  return `must be ${EXPECTED_NAMES[expected] ?? expected}, not ${describeValue(input)}`;
}

function describeInvalidValue(values: readonly unknown[], input: unknown): string {
  const allowed = values.map((value) => JSON.stringify(value)).join(', ');
  const upper = typeof input === 'string' ? input.toUpperCase() : undefined;
  const caseHint =
    upper !== undefined && values.includes(upper) ? `; write it in upper case: "${upper}"` : '';
  return `is ${describeValue(input)}, which is not allowed; use one of ${allowed}${caseHint}`;
}

function describeValue(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  if (typeof value === 'object') {
    return 'an object';
  }
  return typeof value === 'string' ? JSON.stringify(value) : `${typeof value} ${String(value)}`;
}

/** Diagnostics for `issues` from parsing with `schema`; each unknown key gets its own diagnostic and path. */
export function issuesToDiagnostics(
  issues: readonly z.core.$ZodIssue[],
  schema: z.core.$ZodType,
): Diagnostic[] {
  return issues.flatMap((issue) => {
    const path = issue.path.map(toPathSegment);
    if (issue.code !== 'unrecognized_keys') {
      return [createError(path, issue.message)];
    }
    const known = knownKeysAt(schema, path);
    return issue.keys.map((key) => createError([...path, key], describeUnknownKey(key, known)));
  });
}

function toPathSegment(segment: PropertyKey): string | number {
  return typeof segment === 'number' ? segment : String(segment);
}

/** The message for a key the schema does not know, with the likely intended key when there is one. */
export function describeUnknownKey(key: string, known: readonly string[]): string {
  if (known.length > 0 && known.every((name) => /^\d+$/.test(name))) {
    return `status ${key} cannot be used here; only ${known.join(', ')} are allowed`;
  }
  const suggestion = suggestClosest(key, known);
  if (suggestion !== undefined) {
    return `unknown key "${key}"; did you mean "${suggestion}"?`;
  }
  return `unknown key "${key}"; remove it or use one of ${known.map((name) => `"${name}"`).join(', ')}`;
}

/** The keys of the object schema found at `path` inside `schema`, or [] when there is none. */
export function knownKeysAt(schema: z.core.$ZodType, path: readonly (string | number)[]): string[] {
  let current: z.core.$ZodType | undefined = schema;
  for (const segment of path) {
    current = current === undefined ? undefined : childSchema(current, segment);
  }
  const target = current === undefined ? undefined : unwrapOptional(current);
  return target instanceof z.ZodObject ? Object.keys(target.shape) : [];
}

function childSchema(schema: z.core.$ZodType, segment: string | number): z.core.$ZodType | undefined {
  const inner = unwrapOptional(schema);
  if (inner instanceof z.ZodObject) {
    const shape: Record<string, z.core.$ZodType> = inner.shape;
    return shape[String(segment)];
  }
  if (inner instanceof z.ZodArray) {
    return inner.element;
  }
  if (inner instanceof z.ZodRecord) {
    return inner.valueType;
  }
  if (inner instanceof z.ZodUnion) {
    return firstChild(inner.options, segment);
  }
  return undefined;
}

function firstChild(
  options: readonly z.core.$ZodType[],
  segment: string | number,
): z.core.$ZodType | undefined {
  for (const option of options) {
    const child = childSchema(option, segment);
    if (child !== undefined) {
      return child;
    }
  }
  return undefined;
}

function unwrapOptional(schema: z.core.$ZodType): z.core.$ZodType {
  return schema instanceof z.ZodOptional ? unwrapOptional(schema.unwrap()) : schema;
}
