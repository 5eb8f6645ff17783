import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ClientPrincipal } from '../types.js';
import { AUTH_COOKIE_NAME } from './constants.js';
import { createSealedSessionCodec, SESSION_KEY_ROTATION_SECONDS, sealValue } from './sealed-cookie.js';

const principal: ClientPrincipal = {
  identityProvider: 'github',
  userId: '0123456789abcdef0123456789abcdef',
  userDetails: 'octocat',
  userRoles: ['anonymous', 'authenticated', 'admin'],
  claims: [],
};

/** The Cookie header a browser would send back for these Set-Cookie values. */
function cookieHeader(setCookies: readonly string[]): string {
  return setCookies.map((c) => c.split(';')[0]).join('; ');
}

describe('sealed session cookies (portico serve)', () => {
  const key = randomBytes(32);

  it('reads back the principal it issued, with HttpOnly and Secure when asked', () => {
    const codec = createSealedSessionCodec({ key });
    const cookies = codec.issue(principal, true);
    expect(cookies[0]).toMatch(/HttpOnly/);
    expect(cookies[0]).toMatch(/Secure/);
    expect(codec.read(cookieHeader(cookies))).toMatchObject({
      userDetails: 'octocat',
      userRoles: expect.arrayContaining(['admin']),
    });
  });

  it('reads a tampered, foreign-key, hand-made or absent cookie as anonymous', () => {
    const codec = createSealedSessionCodec({ key });
    const value = sealValue(key, principal, Math.floor(Date.now() / 1000) + 60);
    const flipped = `${value.slice(0, -2)}${value.at(-2) === 'A' ? 'B' : 'A'}${value.at(-1)}`;
    const handMade = Buffer.from(JSON.stringify(principal)).toString('base64');
    const foreign = sealValue(randomBytes(32), principal, Math.floor(Date.now() / 1000) + 60);
    for (const bad of [flipped, handMade, foreign, 'x', '']) {
      expect(codec.read(`${AUTH_COOKIE_NAME}=${bad}`)).toBeNull();
    }
    expect(codec.read(undefined)).toBeNull();
    expect(codec.read(`${AUTH_COOKIE_NAME}=${value}`)).not.toBeNull();
  });

  it('reads an expired session as anonymous', () => {
    let now = Date.now();
    const codec = createSealedSessionCodec({ key, maxAgeSeconds: 60, now: () => now });
    const header = cookieHeader(codec.issue(principal, false));
    expect(codec.read(header)).not.toBeNull();
    now += 61_000;
    expect(codec.read(header)).toBeNull();
  });

  it('checks the key and sign-out on every read, also of a session it has read before', async () => {
    let current = randomBytes(32);
    const signedOut = new Set<string>();
    const codec = createSealedSessionCodec({
      key: () => current,
      signedOut: { has: (id) => signedOut.has(id), add: async (id) => void signedOut.add(id) },
    });
    const header = cookieHeader(codec.issue(principal, false));
    const first = codec.read(header);
    expect(first).not.toBeNull();
    // Read once per value: the same frozen principal comes back.
    expect(codec.read(header)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    current = randomBytes(32); // the service key was replaced
    expect(codec.read(header)).toBeNull();
    const again = cookieHeader(codec.issue(principal, false));
    expect(codec.read(again)).not.toBeNull();
    await codec.signOut?.(again);
    expect(codec.read(again)).toBeNull();
  });

  it('clears the cookie on sign-out and refuses a key of the wrong size', () => {
    const codec = createSealedSessionCodec({ key });
    expect(codec.clear(undefined).join()).toMatch(/Max-Age=0|Expires=/);
    expect(() => createSealedSessionCodec({ key: randomBytes(16) })).toThrow(/32 bytes/);
  });

  it('rotates keys by period: a session sealed under one generation reads in the next, not after', () => {
    const keys = new Map<number, Buffer>();
    const keyFor = (generation: number) => {
      const existing = keys.get(generation) ?? randomBytes(32);
      keys.set(generation, existing);
      return existing;
    };
    const day = SESSION_KEY_ROTATION_SECONDS * 1000;
    const start = 20_000 * day + day - 60_000;
    let now = start;
    const codec = createSealedSessionCodec({ key: keyFor, now: () => now });
    const header = cookieHeader(codec.issue(principal, false));
    expect(header).toMatch(/=[0-9a-z]+\./);
    expect(codec.read(header)).not.toBeNull();
    now = start + 120_000; // the next generation has begun
    expect(codec.read(header)).not.toBeNull();
    expect(cookieHeader(codec.issue(principal, false))).not.toBe(header);
    // A value whose generation is more than one period old is refused, whatever its expiry says.
    const farFuture = Math.floor(start / 1000) + 10 * SESSION_KEY_ROTATION_SECONDS;
    const old = sealValue(keyFor, principal, farFuture, start);
    now = start + 2 * day;
    expect(codec.read(`${AUTH_COOKIE_NAME}=${old}`)).toBeNull();
    // Naming another generation than the one that sealed it does not help either.
    const [generation, sealed] = old.split('.');
    const renamed = `${(Number.parseInt(generation ?? '', 36) + 2).toString(36)}.${sealed}`;
    expect(codec.read(`${AUTH_COOKIE_NAME}=${renamed}`)).toBeNull();
    expect(() =>
      createSealedSessionCodec({ key: keyFor, maxAgeSeconds: 2 * SESSION_KEY_ROTATION_SECONDS }),
    ).toThrow(/one key rotation period/);
  });
});
