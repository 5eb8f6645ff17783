import { describe, expect, it } from 'vitest';
import { parseJsonText } from './json-text.js';

describe('parseJsonText', () => {
  it('skips a UTF-8 byte order mark', () => {
    expect(parseJsonText('\uFEFF{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
  });

  it('says a file saved as UTF-16 is UTF-16, and how to save it as UTF-8', () => {
    const utf16 = Buffer.from('\uFEFF{"a":1}', 'utf16le').toString('utf8');
    const parsed = parseJsonText(utf16);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toContain('saved as UTF-16; save it as UTF-8');
  });

  it('says where a syntax error is', () => {
    expect(parseJsonText('{"a":}')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^line 1, column 6/),
    });
  });
});
