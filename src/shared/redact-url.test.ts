import { describe, expect, it } from 'vitest';
import { redactCredentials, redactUrlPassword, redactUrlsIn } from './redact-url.js';

describe('redactUrlPassword', () => {
  it.each([
    ['http://ci:s3cret@127.0.0.1:4281', 'http://ci:***@127.0.0.1:4281'],
    ['https://ci:p@ss@host/path', 'https://ci:***@host/path'],
    ['http://token@host:1', 'http://***@host:1'],
    ['http://127.0.0.1:4281', 'http://127.0.0.1:4281'],
    ['http://host/a@b', 'http://host/a@b'],
    ['not a url', 'not a url'],
    // Typed wrong: the whole password is masked all the same, whatever it holds.
    ['http//admin:s3cretPW@127.0.0.1:45001', 'http//admin:***@127.0.0.1:45001'],
    ['//admin:s3cretPW@127.0.0.1:45001', '//admin:***@127.0.0.1:45001'],
    ["ftp://admin:s3cret'PW@127.0.0.1:45001", 'ftp://admin:***@127.0.0.1:45001'],
    ['htp://admin:s3cret PW@127.0.0.1:45001', 'htp://admin:***@127.0.0.1:45001'],
    ['http://admin:s3/cr@t#PW@127.0.0.1:45001', 'http://admin:***@127.0.0.1:45001'],
    ['admin:s3cret/PW@127.0.0.1:45001', 'admin:***@127.0.0.1:45001'],
    ['http://[::1]:4281', 'http://[::1]:4281'],
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

describe('redactUrlsIn', () => {
  it('masks each credential-holding argument where a message quotes it whole', () => {
    const typed = ["ftp://admin:s3cret'PW@127.0.0.1:45001", 'htp://admin:s3cret PW@127.0.0.1:45001'];
    for (const value of typed) {
      expect(redactUrlsIn(`argument '${value}' is invalid.`, ['site', value, undefined])).toBe(
        `argument '${value.replace(/s3cret.PW/, '***')}' is invalid.`,
      );
    }
    expect(redactUrlsIn('mail ops@example.com', ['ops@example.com'])).toBe('mail ops@example.com');
  });

  it('leaves the text of a message masked when the argument did not hold it whole', () => {
    expect(redactCredentials("argument 'http//admin:s3cretPW@h:1' and '//u:p@h'")).toBe(
      "argument 'http//admin:***@h:1' and '//u:***@h'",
    );
    expect(redactCredentials("argument 'ftp://admin:s3cret'PW@h:1' is invalid")).toBe(
      "argument 'ftp://admin:***@h:1' is invalid",
    );
    expect(redactCredentials('http(s)://[user:password@]host[:port]')).toBe(
      'http(s)://[user:password@]host[:port]',
    );
  });
});
