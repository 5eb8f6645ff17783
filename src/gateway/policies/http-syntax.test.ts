/**
 * What policies may write into an HTTP message: token header names, header values Node can send.
 * @see issue 13, item 5; RFC 9110 §5.1, §5.5
 */
import { describe, expect, it } from 'vitest';
import { headerValueProblem, isHeaderName } from './http-syntax.js';

describe('http syntax of policy headers', () => {
  it('accepts token names and refuses separators, spaces and empty names', () => {
    for (const name of ['X-Request-Id', 'x_a', "a!#$%&'*+-.^_`|~9"]) {
      expect(isHeaderName(name), name).toBe(true);
    }
    for (const name of ['', 'X A', 'X:A', 'X(A)', 'Ü', 'a\r\nb', '@(context.Api.Id)']) {
      expect(isHeaderName(name), name).toBe(false);
    }
  });

  it('accepts visible characters, tabs and Latin-1, and names what is refused', () => {
    for (const value of ['', 'plain value', 'tab\there', 'caf\u00e9', '"quoted"; q=1']) {
      expect(headerValueProblem(value), value).toBeUndefined();
    }
    expect(headerValueProblem('a\rb')).toContain('line break');
    expect(headerValueProblem('a\nb')).toContain('line break');
    expect(headerValueProblem('a\u0000b')).toContain('U+0000');
    expect(headerValueProblem('a\u007fb')).toContain('U+007F');
    expect(headerValueProblem('5 \u20ac')).toContain('U+20AC');
    expect(headerValueProblem('\u{1F600}')).toContain('U+1F600');
  });
});
