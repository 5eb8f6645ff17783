import { describe, expect, it } from 'vitest';
import { redactCredentials, redactUrlPassword } from './redact-url.js';

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

describe('redactCredentials', () => {
  it('masks a password in text, with or without a scheme', () => {
    expect(redactCredentials("argument 'user:s3cretpw@localhost:1' is invalid")).toBe(
      "argument 'user:***@localhost:1' is invalid",
    );
    expect(redactCredentials("it is 'http:/user:s3cretpw@127.0.0.1:52999'.")).toBe(
      "it is 'http:/user:***@127.0.0.1:52999'.",
    );
    expect(redactUrlPassword('user:s3cretpw@127.0.0.1:52999')).toBe('user:***@127.0.0.1:52999');
    expect(redactCredentials('no password here: a@b and x:y')).toBe('no password here: a@b and x:y');
  });
});
