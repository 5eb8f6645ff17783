import { describe, expect, it } from 'vitest';
import { parseJsonText, parseJsonWithComments } from './json-text.js';

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

describe('parseJsonWithComments (what Newtonsoft.Json reads: host.json, function.json, local.settings.json)', () => {
  it('accepts // and /* */ comments and trailing commas, as the Functions host does', () => {
    const text =
      '\uFEFF{\n  // the host reads this\n  "version": "2.0", /* v4 */\n  "extensions": { "http": { "routePrefix": "api", }, },\n  "list": [1, 2,],\n}\n';
    expect(parseJsonWithComments(text)).toEqual({
      ok: true,
      value: { version: '2.0', extensions: { http: { routePrefix: 'api' } }, list: [1, 2] },
    });
  });

  it('leaves comment-like text and commas inside strings alone', () => {
    expect(parseJsonWithComments('{"url": "http://x/*y*/", "a": "b,}", "q": "\\"//"}')).toEqual({
      ok: true,
      value: { url: 'http://x/*y*/', a: 'b,}', q: '"//' },
    });
  });

  it('keeps the line and column of an error after a comment', () => {
    expect(parseJsonWithComments('{\n  /* note */ "a": 1\n  "b": 2\n}')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^line 3, column 3/),
    });
  });

  it('still refuses what JSON and the host both refuse: a lone comma, single quotes, an unclosed comment', () => {
    expect(parseJsonWithComments('{ , }').ok).toBe(false);
    expect(parseJsonWithComments("{ 'a': 1 }").ok).toBe(false);
    expect(parseJsonWithComments('{ "a": 1 /* }').ok).toBe(false);
  });
});
