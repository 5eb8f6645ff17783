/** Readers of REST `properties` fields with 400s that name the field and say what is expected. */
import { PorticoError } from '../../shared/errors.js';
import { quoteValue } from '../../shared/quote.js';

/** A 400 about one field of `properties`; the value is quoted cut short, never whole. */
export function badField(field: string, expected: string, value: unknown): PorticoError {
  return new PorticoError(
    'CONTROL_BAD_REQUEST',
    `properties.${field} must be ${expected}; got ${value === undefined ? 'nothing' : quoteValue(value)}.`,
  );
}

/** A string field; `fallback` when absent (undefined fallback = required). */
export function stringField(props: Record<string, unknown>, field: string, fallback?: string): string {
  const value = props[field];
  if (value === undefined && fallback !== undefined) {
    return fallback;
  }
  if (typeof value !== 'string' || value.length > 4096) {
    throw badField(field, 'a string of at most 4096 characters', value);
  }
  return value;
}

/** A boolean field with a default. */
export function booleanField(props: Record<string, unknown>, field: string, fallback: boolean): boolean {
  const value = props[field];
  if (value === undefined || value === null) {
    return fallback;
  }
  if (typeof value !== 'boolean') {
    throw badField(field, 'true or false', value);
  }
  return value;
}

/** One of a fixed set of strings (case-insensitive), answered in its canonical spelling. */
export function choiceField<T extends string>(
  props: Record<string, unknown>,
  field: string,
  choices: readonly T[],
  fallback: T,
): T {
  const value = props[field];
  if (value === undefined || value === null) {
    return fallback;
  }
  const found = choices.find(
    (choice) => typeof value === 'string' && choice.toLowerCase() === value.toLowerCase(),
  );
  if (found === undefined) {
    throw badField(field, `one of ${choices.join(', ')}`, value);
  }
  return found;
}

/** An absolute http(s) URL field. */
export function urlField(props: Record<string, unknown>, field: string): string {
  const value = props[field];
  if (typeof value === 'string') {
    try {
      const url = new URL(value);
      if (
        (url.protocol === 'http:' || url.protocol === 'https:') &&
        url.username === '' &&
        url.password === ''
      ) {
        return value.replace(/\/+$/, '');
      }
    } catch {
      // reported below
    }
  }
  throw badField(
    field,
    'an absolute http:// or https:// URL without credentials (e.g. "https://backend.example.com/api")',
    value,
  );
}
