import { describe, expect, it } from 'vitest';
import { redactUrlPassword } from './redact-url.js';

describe('redactUrlPassword', () => {
  it.each([
    ['http://ci:s3cret@127.0.0.1:4281', 'http://ci:***@127.0.0.1:4281'],
    ['https://ci:p@ss@host/path', 'https://ci:***@host/path'],
    ['http://token@host:1', 'http://***@host:1'],
    ['http://127.0.0.1:4281', 'http://127.0.0.1:4281'],
    ['http://host/a@b', 'http://host/a@b'],
    ['not a url', 'not a url'],
  ])('%s → %s', (url, shown) => {
    expect(redactUrlPassword(url)).toBe(shown);
  });
});
