import * as z from '../shared/zod.js';
import { staticWebAppConfigSchema } from './schema.js';

/**
 * The JSON Schema of `staticwebapp.config.json` for editors, generated from the zod schema (draft-07, which
 * editors support best). Lenient forms are valid in it too, e.g. `statusCode` as an integer or a numeric string.
 * `scripts/generate-schema.js` writes it to `schema/staticwebapp.config.schema.json`; a test keeps that file
 * in step with the zod schema.
 *
 * @example
 * const schema = createConfigJsonSchema();
 * console.log(schema.$schema); // "http://json-schema.org/draft-07/schema#"
 */
export function createConfigJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(staticWebAppConfigSchema, { target: 'draft-07', io: 'input' });
}
