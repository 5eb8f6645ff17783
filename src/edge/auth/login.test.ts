import { describe, expect, it } from 'vitest';
import { parseLoginForm, readLoginSubmission, splitRoles } from './login.js';
import { deriveUserId } from './principal.js';

describe('splitRoles', () => {
  it('splits on commas and line breaks', () => {
    expect(splitRoles('a, b\nc\r\n\n,d')).toEqual(['a', 'b', 'c', 'd']);
    expect(splitRoles('  ')).toEqual([]);
  });
});

describe('readLoginSubmission', () => {
  it('reads the form fields', () => {
    const params = new URLSearchParams('userDetails=ada&userRoles=a&post_login_redirect_uri=%2Fhome');
    expect(readLoginSubmission(params)).toEqual({
      values: { userDetails: 'ada', userId: undefined, userRoles: 'a', claims: undefined },
      postLoginRedirectUri: '/home',
    });
  });
});

describe('parseLoginForm', () => {
  it('builds the principal', () => {
    const result = parseLoginForm('github', {
      userDetails: 'ada',
      userRoles: 'reader,writer',
      claims: '[{"typ":"name","val":"Ada"}]',
    });
    expect(result).toEqual({
      ok: true,
      principal: {
        identityProvider: 'github',
        userId: deriveUserId('github', 'ada'),
        userDetails: 'ada',
        userRoles: ['anonymous', 'authenticated', 'reader', 'writer'],
        claims: [{ typ: 'name', val: 'Ada' }],
      },
    });
  });

  it.each([
    ['a missing userDetails', { userRoles: 'x' }, /required/],
    ['an invalid role', { userDetails: 'ada', userRoles: 'good, not-good' }, /not-good/],
    [
      'too many roles',
      { userDetails: 'ada', userRoles: Array.from({ length: 51 }, (_, i) => `r${i}`).join() },
      /50/,
    ],
    ['claims that are not JSON', { userDetails: 'ada', claims: '{oops' }, /JSON array/],
    ['claims that are not an array', { userDetails: 'ada', claims: '{"typ":"a","val":"b"}' }, /JSON array/],
    ['a claim of the wrong shape', { userDetails: 'ada', claims: '[{"typ":"a","val":1}]' }, /claims/],
    ['a bad userId', { userDetails: 'ada', userId: 'has space' }, /userId/],
  ])('reports %s', (_label, values, message) => {
    const result = parseLoginForm('github', values);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toMatch(message);
  });
});
