// Regenerates docs/error-codes.md from the compiled error catalog. Run after `npm run build`.
import { writeFileSync } from 'node:fs';
import { renderErrorCodesMarkdown } from '../dist/shared/errors.js';

writeFileSync(new URL('../docs/error-codes.md', import.meta.url), renderErrorCodesMarkdown());
console.log('wrote docs/error-codes.md');
