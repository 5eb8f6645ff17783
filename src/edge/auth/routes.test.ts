import { describe, expect, it } from 'vitest';
import { matchAuthRoute } from './routes.js';

describe('matchAuthRoute', () => {
  it.each([
    ['/.auth/me', { kind: 'me' }],
    ['/.auth/me/', { kind: 'me' }],
    ['/.auth/logout', { kind: 'logout' }],
    ['/.auth/login/github', { kind: 'login', provider: 'github' }],
    ['/.auth/login/my-oidc/', { kind: 'login', provider: 'my-oidc' }],
    ['/.auth/purge/aad', { kind: 'purge', provider: 'aad' }],
    ['/.auth/login/aad/callback', { kind: 'callback', flow: 'login', provider: 'aad' }],
    ['/.auth/logout/aad/callback', { kind: 'callback', flow: 'logout', provider: 'aad' }],
  ])('%s', (path, expected) => {
    expect(matchAuthRoute(path)).toEqual(expected);
  });

  it.each([
    '/.auth',
    '/.auth/',
    '/.auth/login',
    '/.auth/login/',
    '/.auth/me/extra',
    '/.auth/login/git hub',
    '/.auth/login/github/other',
    '/.auth/purge/aad/callback',
    '/.auth/logout/aad',
    '/.auth/unknown',
    '/me',
  ])('%s is not an endpoint', (path) => {
    expect(matchAuthRoute(path)).toEqual({ kind: 'not-found' });
  });
});
