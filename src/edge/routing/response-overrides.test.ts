import { describe, expect, it } from 'vitest';
import { EMPTY_CONFIG, type NormalizedConfig } from '../../config/types.js';
import { matchOverride } from './response-overrides.js';

const config: NormalizedConfig = {
  ...EMPTY_CONFIG,
  responseOverrides: {
    401: { redirect: '/.auth/login/github?post_login_redirect_uri=.referrer', statusCode: 302 },
    403: { rewrite: '/forbidden.html' },
    404: { rewrite: '/404.html', statusCode: 200 },
    400: { redirect: '/bad', statusCode: 301 },
  },
};

describe('matchOverride', () => {
  it('replaces .referrer with the encoded original path and query', () => {
    expect(matchOverride(config, 401, '/a b?x=1&y=2')).toEqual({
      kind: 'redirect',
      location: '/.auth/login/github?post_login_redirect_uri=%2Fa%20b%3Fx%3D1%26y%3D2',
      status: 302,
    });
  });

  it('keeps the status of a rewrite unless the override sets one, and honours 301 redirects', () => {
    expect(matchOverride(config, 403, '/x')).toEqual({
      kind: 'rewrite',
      path: '/forbidden.html',
      status: 403,
    });
    expect(matchOverride(config, 404, '/x')).toEqual({ kind: 'rewrite', path: '/404.html', status: 200 });
    expect(matchOverride(config, 400, '/x')).toEqual({ kind: 'redirect', location: '/bad', status: 301 });
  });

  it('never overrides other codes, and answers undefined without an entry', () => {
    expect(matchOverride(config, 405, '/x')).toBeUndefined();
    expect(matchOverride(config, 500, '/x')).toBeUndefined();
    expect(matchOverride(EMPTY_CONFIG, 404, '/x')).toBeUndefined();
  });
});
