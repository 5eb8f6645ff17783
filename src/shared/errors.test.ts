import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isUserError, PorticoError, renderErrorCodesMarkdown } from './errors.js';

describe('error catalog', () => {
  it('maps codes to statuses and the user/system split', () => {
    const error = new PorticoError('PROXY_BODY_TOO_LARGE', 'too big');
    expect(error.status).toBe(413);
    expect(isUserError(error)).toBe(true);
    expect(isUserError(new PorticoError('INTERNAL', 'x', { cause: new Error('y') }))).toBe(false);
    expect(isUserError(new Error('plain'))).toBe(false);
  });

  it('docs/error-codes.md is current (run npm run build && npm run docs:generate)', () => {
    const committed = readFileSync(new URL('../../docs/error-codes.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderErrorCodesMarkdown());
    for (const code of Object.keys(ERROR_CODES)) {
      expect(committed).toContain(code);
    }
  });
});
