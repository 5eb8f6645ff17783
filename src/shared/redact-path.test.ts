/** Which request paths the access log and --verbose lines write without an invitation's code. */
import { describe, expect, it } from 'vitest';
import { redactPathSecrets } from './redact-path.js';

describe('redactPathSecrets', () => {
  it.each([
    '/.auth/invitations/s3cret',
    '/.auth/invitations%2Fs3cret',
    '/.auth//invitations/s3cret',
    // Spellings the server refuses, which are logged all the same (a regression tester's list).
    '/.auth/./invitations/s3cret',
    '/.auth/x/../invitations/s3cret',
    '/.auth/invitations;x/s3cret',
    '/.auth\\invitations\\s3cret',
    '/.auth/invitations;s3cret',
    '/.auth/%2e/invitations/s3cret',
    '/.auth/%252e/%2569nvitations/s3cret',
    '/%2eauth%5cinvitations%5cs3cret',
    '/.auth;x/INVITATIONS/s3cret',
    '/x/../.auth/invitations/./s3cret',
    '/.auth/invitations/%zz/s3cret',
  ])('%s', (path) => {
    const redacted = redactPathSecrets(path);
    expect(redacted).toMatch(/\/\.auth\/invitations\/\[redacted\]$/i);
    expect(redacted).not.toContain('s3cret');
  });

  it('leaves other paths as they are', () => {
    for (const path of [
      '/',
      '/.auth/me',
      '/.auth/invitations',
      '/invitations/not-below-auth',
      '/.well-known/acme-challenge/token',
      '/docs/.auth-invitations/x',
    ]) {
      expect(redactPathSecrets(path)).toBe(path);
    }
  });
});
