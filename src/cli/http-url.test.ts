import { describe, expect, it } from 'vitest';
import { findHttpUrlProblem } from './http-url.js';

describe('findHttpUrlProblem', () => {
  it.each([
    ['http://u:p@127.0.0.1:99999', 'its port 99999 is above 65535'],
    ['http://u:p@127.0.0.1:45001:1', 'it has more than one :port after the host'],
    ['http://u:p@[::1:45001', 'its IPv6 address has no closing ] (write it as [::1]:4281)'],
    ['http://127.0.0.1:x1', "its port 'x1' is not a number"],
    [
      'http://u:s3/cret@127.0.0.1:1',
      'a /, ? or # in its user name or password must be written %2F, %3F or %23',
    ],
    ['ftp://host', 'it does not start with http:// or https:// and a host'],
    [
      'http://ci:ab%zz@127.0.0.1:1',
      'a % in its user name or password must begin an escape of UTF-8 text, such as %2F or %C3%A9; write a % itself as %25',
    ],
    [
      'http://ci:ab%E2@127.0.0.1:1',
      'a % in its user name or password must begin an escape of UTF-8 text, such as %2F or %C3%A9; write a % itself as %25',
    ],
    [
      'http://ci:ab%@127.0.0.1:1',
      'a % in its user name or password must begin an escape of UTF-8 text, such as %2F or %C3%A9; write a % itself as %25',
    ],
  ])('%s: %s', (url, problem) => {
    expect(findHttpUrlProblem(url)).toBe(problem);
  });

  it('accepts URLs that parse', () => {
    for (const url of [
      'http://127.0.0.1:4281',
      'https://u:p%2F@h',
      'http://ci:ab%25zz@127.0.0.1:1',
      'http://[::1]:4281/',
      'HTTP://host/a@b',
    ]) {
      expect(findHttpUrlProblem(url)).toBeUndefined();
    }
  });

  it('never quotes what comes before the last @', () => {
    expect(findHttpUrlProblem('http://u:s3cret@h:99999')).not.toContain('s3cret');
    expect(findHttpUrlProblem('http://u:s3cret@h:x')).not.toContain('s3cret');
  });
});
