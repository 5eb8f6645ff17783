import { describe, expect, it } from 'vitest';
import { isRoleName } from '../../shared/role-names.js';
import type { ClientPrincipal } from '../types.js';
import {
  deriveUserId,
  encodePrincipalHeader,
  matchRoles,
  normalizePrincipal,
  parsePrincipal,
} from './principal.js';

const ada = { identityProvider: 'github', userDetails: 'ada' };

describe('normalizePrincipal', () => {
  it('fills userId, built-in roles and claims', () => {
    const principal = normalizePrincipal(ada);
    expect(principal).toEqual({
      identityProvider: 'github',
      userId: deriveUserId('github', 'ada'),
      userDetails: 'ada',
      userRoles: ['anonymous', 'authenticated'],
      claims: [],
    });
    expect(principal?.userId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('puts anonymous and authenticated first, once, then distinct custom roles', () => {
    const raw = { ...ada, userRoles: ['reader', 'authenticated', 'reader', 'anonymous', ' admin '] };
    expect(normalizePrincipal(raw)?.userRoles).toEqual(['anonymous', 'authenticated', 'reader', 'admin']);
  });

  it('drops invalid role names and non-string roles', () => {
    const raw = { ...ada, userRoles: ['ok_1', 'has space', 'dash-ed', '', 42, null, 'x'.repeat(65)] };
    expect(normalizePrincipal(raw)?.userRoles).toEqual(['anonymous', 'authenticated', 'ok_1']);
  });

  it('keeps at most 50 custom roles', () => {
    const roles = Array.from({ length: 80 }, (_, i) => `r${i}`);
    expect(normalizePrincipal({ ...ada, userRoles: roles })?.userRoles).toHaveLength(52);
  });

  it('keeps an explicit userId and claims, and trims strings', () => {
    const raw = { ...ada, userDetails: ' ada ', userId: 'abc-123', claims: [{ typ: 'name', val: 'Ada' }] };
    const principal = normalizePrincipal(raw);
    expect(principal?.userId).toBe('abc-123');
    expect(principal?.userDetails).toBe('ada');
    expect(principal?.claims).toEqual([{ typ: 'name', val: 'Ada' }]);
  });

  it('treats an empty or null userId as absent', () => {
    expect(normalizePrincipal({ ...ada, userId: '' })?.userId).toBe(deriveUserId('github', 'ada'));
    expect(normalizePrincipal({ ...ada, userId: null })?.userId).toBe(deriveUserId('github', 'ada'));
  });

  it('accepts null roles and claims (hand-made cookies)', () => {
    expect(normalizePrincipal({ ...ada, userRoles: null, claims: null })?.claims).toEqual([]);
  });

  it('freezes the result', () => {
    const principal = normalizePrincipal(ada);
    expect(Object.isFrozen(principal)).toBe(true);
    expect(Object.isFrozen(principal?.userRoles)).toBe(true);
  });

  it.each([
    ['null', null],
    ['a string', 'ada'],
    ['an array', [ada]],
    ['a missing provider', { userDetails: 'ada' }],
    ['a bad provider name', { identityProvider: 'git hub', userDetails: 'ada' }],
    ['a missing userDetails', { identityProvider: 'github' }],
    ['a blank userDetails', { identityProvider: 'github', userDetails: '   ' }],
    ['a too long userDetails', { identityProvider: 'github', userDetails: 'a'.repeat(257) }],
    ['control characters', { identityProvider: 'github', userDetails: 'a\nb' }],
    ['a non-string userId', { ...ada, userId: 7 }],
    ['a userId with spaces', { ...ada, userId: 'a b' }],
    ['roles that are not an array', { ...ada, userRoles: 'admin' }],
    ['claims that are not an array', { ...ada, claims: {} }],
    ['a claim without val', { ...ada, claims: [{ typ: 'name' }] }],
    ['too many claims', { ...ada, claims: Array.from({ length: 101 }, () => ({ typ: 'a', val: 'b' })) }],
  ])('returns null for %s', (_label, raw) => {
    expect(normalizePrincipal(raw)).toBeNull();
  });

  it('never throws, even for hostile objects', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
      },
    );
    expect(normalizePrincipal(hostile)).toBeNull();
  });
});

describe('parsePrincipal', () => {
  it('says what is wrong', () => {
    const result = parsePrincipal({ identityProvider: 'github', userDetails: '' });
    expect(result).toEqual({ ok: false, error: 'userDetails: required' });
  });
});

describe('deriveUserId', () => {
  it('is stable, 32 hex, and ignores provider case', () => {
    expect(deriveUserId('GitHub', 'ada')).toBe(deriveUserId('github', 'ada'));
    expect(deriveUserId('github', 'ada')).toMatch(/^[0-9a-f]{32}$/);
    expect(deriveUserId('github', 'ada')).not.toBe(deriveUserId('aad', 'ada'));
    expect(deriveUserId('github', 'ada')).not.toBe(deriveUserId('github', 'Ada'));
  });
});

describe('isRoleName', () => {
  it('accepts letters, digits and underscores only', () => {
    expect(isRoleName('customers_contoso')).toBe(true);
    expect(isRoleName('a-b')).toBe(false);
    expect(isRoleName('')).toBe(false);
  });
});

describe('encodePrincipalHeader', () => {
  it('is base64 JSON without claims', () => {
    const principal = normalizePrincipal({ ...ada, userRoles: ['reader'], claims: [{ typ: 'a', val: 'b' }] });
    expect(principal).not.toBeNull();
    const decoded: unknown = JSON.parse(
      Buffer.from(encodePrincipalHeader(principal as ClientPrincipal), 'base64').toString(),
    );
    expect(decoded).toEqual({
      identityProvider: 'github',
      userId: deriveUserId('github', 'ada'),
      userDetails: 'ada',
      userRoles: ['anonymous', 'authenticated', 'reader'],
    });
  });
});

describe('matchRoles', () => {
  const reader = normalizePrincipal({ ...ada, userRoles: ['reader'] });

  it('allows everyone when no roles are required', () => {
    expect(matchRoles(null, undefined)).toBe('allowed');
    expect(matchRoles(null, [])).toBe('allowed');
    expect(matchRoles(null, ['anonymous'])).toBe('allowed');
  });

  it('answers unauthenticated for an anonymous caller (401)', () => {
    expect(matchRoles(null, ['authenticated'])).toBe('unauthenticated');
    expect(matchRoles(null, ['admin'])).toBe('unauthenticated');
  });

  it('answers forbidden for a signed-in caller without the role (403, D6)', () => {
    expect(matchRoles(reader, ['admin'])).toBe('forbidden');
    expect(matchRoles(reader, ['Reader'])).toBe('forbidden');
  });

  it('ORs the roles and grants authenticated to every principal', () => {
    expect(matchRoles(reader, ['admin', 'reader'])).toBe('allowed');
    expect(matchRoles(reader, ['authenticated'])).toBe('allowed');
    const bare: ClientPrincipal = {
      identityProvider: 'x',
      userId: 'x',
      userDetails: 'x',
      userRoles: [],
      claims: [],
    };
    expect(matchRoles(bare, ['authenticated'])).toBe('allowed');
  });
});
