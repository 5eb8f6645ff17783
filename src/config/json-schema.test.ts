import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createConfigJsonSchema } from './json-schema.js';

const SCHEMA_FILE = new URL('../../schema/staticwebapp.config.schema.json', import.meta.url);

type JsonObject = Record<string, unknown>;

/** The sub-schema at `keys` (object keys only), failing the test when a key is missing. */
function at(schema: unknown, ...keys: string[]): JsonObject {
  let current = schema;
  for (const key of keys) {
    expect(current, `schema has "${key}"`).toHaveProperty([key]);
    current = (current as JsonObject)[key];
  }
  return current as JsonObject;
}

describe('createConfigJsonSchema', () => {
  it('matches the committed schema/staticwebapp.config.schema.json', async () => {
    const committed = await readFile(SCHEMA_FILE, 'utf8');
    const generated = `${JSON.stringify(createConfigJsonSchema(), null, 2)}\n`;
    expect(
      committed === generated,
      'schema/staticwebapp.config.schema.json is stale: run npm run build && npm run schema:generate',
    ).toBe(true);
  });

  it('is a strict draft-07 schema', () => {
    const schema = createConfigJsonSchema();
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.additionalProperties).toBe(false);
    const route = at(schema, 'properties', 'routes', 'items');
    expect(route.additionalProperties).toBe(false);
    expect(route.required).toEqual(['route']);
  });

  it('accepts the lenient forms, so editors do not flag them', () => {
    const route = at(createConfigJsonSchema(), 'properties', 'routes', 'items', 'properties');
    expect(at(route, 'statusCode', 'anyOf')).toEqual([
      expect.objectContaining({ type: 'integer' }),
      expect.objectContaining({ type: 'string' }),
    ]);
    expect(at(route, 'allowedRoles', 'anyOf')).toEqual([
      expect.objectContaining({ type: 'array' }),
      expect.objectContaining({ type: 'string' }),
    ]);
  });

  it('allows only the overridable status codes', () => {
    const overrides = at(createConfigJsonSchema(), 'properties', 'responseOverrides');
    expect(Object.keys(at(overrides, 'properties'))).toEqual(['400', '401', '403', '404']);
    expect(overrides.additionalProperties).toBe(false);
  });
});
