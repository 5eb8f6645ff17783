// Writes schema/staticwebapp.config.schema.json from the zod schema in src/config (run `npm run build` first).
// src/config/json-schema.test.ts fails when the committed file is out of date.
import { writeFile } from 'node:fs/promises';
import { createConfigJsonSchema } from '../dist/config/index.js';

const target = new URL('../schema/staticwebapp.config.schema.json', import.meta.url);
await writeFile(target, `${JSON.stringify(createConfigJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
