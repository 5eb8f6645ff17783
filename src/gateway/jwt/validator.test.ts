/**
 * validate-jwt outcomes with real crypto (spec/apim.md §2.1): every failure message and reason, the
 * algorithms, algorithm confusion and `alg: none`, malformed input. Key sets come from inline keys or a
 * stubbed fetchJson; openid.test.ts covers fetching and caching over a real HTTP server.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { JwtKeySpec, JwtRules } from '../types.js';
import { createJwtValidator } from './index.js';

const NOW = 1_800_000_000_000;
const NOW_S = NOW / 1000;
const SECRET = Buffer.from('a-shared-secret-of-at-least-32-bytes!!');
const SECRET_KEY: JwtKeySpec = { kind: 'base64', value: SECRET.toString('base64') };
const RSA = generateKeyPairSync('rsa', { modulusLength: 2048 });
const RSA_JWK = RSA.publicKey.export({ format: 'jwk' });
const RSA_KEY: JwtKeySpec = { kind: 'rsa', n: String(RSA_JWK.n), e: String(RSA_JWK.e), id: 'rsa-1' };

function rules(overrides: Partial<JwtRules> = {}): JwtRules {
  return {
    openidConfigUrls: [],
    signingKeys: [SECRET_KEY, RSA_KEY],
    audiences: [],
    issuers: [],
    requiredClaims: [],
    requireExpirationTime: true,
    requireSignedTokens: true,
    clockSkewSeconds: 0,
    ...overrides,
  };
}

function sign(
  claims: Record<string, unknown>,
  alg: string,
  key: KeyObject | Uint8Array,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT({ exp: NOW_S + 600, ...claims }).setProtectedHeader({ alg, ...header }).sign(key);
}

const hs = (claims: Record<string, unknown> = {}) => sign(claims, 'HS256', SECRET);
const validator = (warnings: string[] = []) =>
  createJwtValidator({ now: () => NOW, logger: { warn: (message) => warnings.push(message) } });

function unsigned(header: Record<string, unknown>, claims: Record<string, unknown>, signature = ''): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(claims)}.${signature}`;
}

describe('validate-jwt: signatures', () => {
  it('accepts HS256/384/512 with a base64 key and returns the claims', async () => {
    for (const alg of ['HS256', 'HS384', 'HS512']) {
      const outcome = await validator().validate(await sign({ sub: 'alice' }, alg, SECRET), rules());
      expect(outcome).toEqual({ ok: true, claims: { sub: 'alice', exp: NOW_S + 600 } });
    }
  });

  it('accepts RS256/384/512 and PS256/384/512 with an n/e key, by kid or without one', async () => {
    for (const alg of ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']) {
      expect(
        (await validator().validate(await sign({}, alg, RSA.privateKey, { kid: 'rsa-1' }), rules())).ok,
      ).toBe(true);
      expect((await validator().validate(await sign({}, alg, RSA.privateKey), rules())).ok).toBe(true);
    }
  });

  it('accepts ES256 (and ES384) from a JWKS', async () => {
    for (const [alg, namedCurve] of [
      ['ES256', 'P-256'],
      ['ES384', 'P-384'],
    ] as const) {
      const ec = generateKeyPairSync('ec', { namedCurve });
      const jwks = { keys: [{ ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec' }] };
      const fetchJson = async (url: string) =>
        url.endsWith('jwks') ? jwks : { jwks_uri: 'https://idp.test/jwks' };
      const jwt = createJwtValidator({ now: () => NOW, fetchJson });
      const token = await sign({}, alg, ec.privateKey, { kid: 'ec' });
      expect(
        (
          await jwt.validate(
            token,
            rules({ openidConfigUrls: ['https://idp.test/.well-known/openid-configuration'] }),
          )
        ).ok,
      ).toBe(true);
    }
  });

  it('refuses a wrong signature, a wrong secret and a tampered payload', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const expected = {
      ok: false,
      reason: 'TokenSignatureInvalid',
      message: 'JWT Validation Failed: Signature validation failed.',
    };
    expect(
      await validator().validate(await sign({}, 'RS256', other.privateKey, { kid: 'rsa-1' }), rules()),
    ).toEqual(expected);
    expect(
      await validator().validate(
        await sign({}, 'HS256', Buffer.from('wrong-secret-wrong-secret-wrong!!')),
        rules(),
      ),
    ).toEqual(expected);
    const [head, , sig] = (await hs({ role: 'user' })).split('.');
    const forged = Buffer.from(JSON.stringify({ role: 'admin', exp: NOW_S + 600 })).toString('base64url');
    expect(await validator().validate(`${head}.${forged}.${sig}`, rules())).toEqual(expected);
  });

  /** @see decision 0037: remembered tokens are found by the end of their signature, then compared whole. */
  it('never takes a token for a remembered one it shares a signature with', async () => {
    const jwt = validator();
    const token = await hs({ role: 'user' });
    expect((await jwt.validate(token, rules())).ok).toBe(true);
    const [head, , sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ role: 'admin', exp: NOW_S + 600 })).toString('base64url');
    expect(await jwt.validate(`${head}.${forged}.${sig}`, rules())).toMatchObject({
      ok: false,
      reason: 'TokenSignatureInvalid',
    });
    expect(await jwt.validate(token, rules())).toEqual({
      ok: true,
      claims: { role: 'user', exp: NOW_S + 600 },
    });
  });

  it('names an unknown kid', async () => {
    const token = await sign({}, 'RS256', RSA.privateKey, { kid: 'rotated' });
    expect(await validator().validate(token, rules({ signingKeys: [RSA_KEY] }))).toEqual({
      ok: false,
      reason: 'TokenSignatureInvalid',
      message: "JWT Validation Failed: Signature validation failed. Unable to match key kid: 'rotated'.",
    });
  });

  it('echoes only a short, printable kid', async () => {
    const token = await sign({}, 'RS256', RSA.privateKey, { kid: `x\n${'k'.repeat(500)}` });
    const outcome = await validator().validate(token, rules({ signingKeys: [RSA_KEY] }));
    expect(outcome.ok === false && outcome.message).toMatch(/kid: 'x\?k+\.\.\.'\.$/);
    expect(outcome.ok === false && outcome.message.length).toBeLessThan(150);
  });

  it('tries kid-less inline keys for a token with a kid', async () => {
    expect((await validator().validate(await sign({}, 'HS256', SECRET, { kid: 'any' }), rules())).ok).toBe(
      true,
    );
  });

  it('never verifies an HS256 token with an RSA public key (algorithm confusion)', async () => {
    const pem = Buffer.from(String(RSA.publicKey.export({ format: 'pem', type: 'spki' })));
    const der = RSA.publicKey.export({ format: 'der', type: 'spki' });
    for (const secret of [pem, der, Buffer.from(String(RSA_JWK.n), 'base64url')]) {
      const outcome = await validator().validate(
        await sign({}, 'HS256', secret, { kid: 'rsa-1' }),
        rules({ signingKeys: [RSA_KEY] }),
      );
      expect(outcome).toMatchObject({ ok: false, reason: 'TokenSignatureInvalid' });
    }
  });

  it('refuses alg none while signed tokens are required, and accepts it otherwise', async () => {
    const token = unsigned({ alg: 'none' }, { sub: 'x', exp: NOW_S + 60 });
    expect(await validator().validate(token, rules())).toEqual({
      ok: false,
      reason: 'TokenSignatureInvalid',
      message: 'JWT Validation Failed: Signature validation failed. The token is not signed.',
    });
    expect(await validator().validate(unsigned({ alg: 'NONE' }, { exp: NOW_S + 60 }), rules())).toMatchObject(
      { ok: false },
    );
    expect(await validator().validate(token, rules({ requireSignedTokens: false }))).toEqual({
      ok: true,
      claims: { sub: 'x', exp: NOW_S + 60 },
    });
    const withSignature = unsigned({ alg: 'none' }, { exp: NOW_S + 60 }, 'c2ln');
    expect(await validator().validate(withSignature, rules({ requireSignedTokens: false }))).toMatchObject({
      reason: 'TokenInvalid',
    });
  });

  it('still checks signed tokens when unsigned ones are allowed', async () => {
    const forged = await sign({}, 'HS256', Buffer.from('not-the-secret-not-the-secret!!!'));
    expect(await validator().validate(forged, rules({ requireSignedTokens: false }))).toMatchObject({
      ok: false,
    });
  });

  it('refuses unsupported algorithms and tokens when no key is available', async () => {
    const token = unsigned({ alg: 'HS1' }, { exp: NOW_S + 60 }, 'c2ln');
    expect(await validator().validate(token, rules())).toMatchObject({
      reason: 'TokenSignatureInvalid',
      message: "JWT Validation Failed: Signature validation failed. Algorithm 'HS1' is not supported.",
    });
    expect(await validator().validate(await hs(), rules({ signingKeys: [] }))).toMatchObject({
      message: 'JWT Validation Failed: Signature validation failed. No signing keys are available.',
    });
  });

  it('ignores unreadable inline keys with one warning that holds no key material', async () => {
    const warnings: string[] = [];
    const jwt = validator(warnings);
    const broken: JwtKeySpec[] = [
      { kind: 'base64', value: '!!not base64!!' },
      { kind: 'rsa', n: 'AAAA', e: '%%' },
      SECRET_KEY,
    ];
    const ruleSet = rules({ signingKeys: broken });
    expect((await jwt.validate(await hs(), ruleSet)).ok).toBe(true);
    expect((await jwt.validate(await hs(), ruleSet)).ok).toBe(true);
    expect(warnings).toEqual(['validate-jwt: 2 issuer signing key(s) cannot be read and are ignored.']);
  });
});

describe('validate-jwt: a token sent again', () => {
  it('is accepted again with the same keys, refused once its key is no longer among them, and its lifetime is checked every time', async () => {
    let now = NOW;
    const jwt = createJwtValidator({ now: () => now });
    const token = await sign({ sub: 'again' }, 'RS256', RSA.privateKey, { kid: 'rsa-1' });
    const withKey = rules();
    expect((await jwt.validate(token, withKey)).ok).toBe(true);
    expect((await jwt.validate(token, withKey)).ok).toBe(true);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
    const rotated = rules({
      signingKeys: [{ kind: 'rsa', n: String(other.n), e: String(other.e), id: 'rsa-1' }],
    });
    expect(await jwt.validate(token, rotated)).toMatchObject({ ok: false, reason: 'TokenSignatureInvalid' });
    now = NOW + 601_000;
    expect(await jwt.validate(token, withKey)).toMatchObject({ ok: false, reason: 'TokenExpired' });
  });
});

describe('validate-jwt: malformed tokens', () => {
  const malformed = {
    ok: false,
    reason: 'TokenInvalid',
    message: 'JWT Validation Failed: JWT is not well formed.',
  };
  const samples = [
    '',
    'garbage',
    'a.b',
    'a.b.c.d.e',
    '!!!.e30.sig',
    `${Buffer.from('not json').toString('base64url')}.e30.c2ln`,
    unsigned({ typ: 'JWT' }, {}, 'c2ln'),
    unsigned({ alg: 'HS256', kid: 7 }, {}, 'c2ln'),
    unsigned({ alg: 'HS256' }, [] as unknown as Record<string, unknown>, 'c2ln'),
    `${unsigned({ alg: 'HS256' }, { pad: 'x'.repeat(17_000) })}c2ln`,
  ];

  it.each(samples.map((token, index) => [index, token]))(
    'sample %i is not well formed',
    async (_index, token) => {
      expect(await validator().validate(String(token), rules())).toEqual(malformed);
    },
  );

  it('refuses a validly signed token whose exp is not a number', async () => {
    expect(await validator().validate(await hs({ exp: 'tomorrow' }), rules())).toEqual(malformed);
  });

  it('never throws, whatever it is given', async () => {
    const jwt = validator();
    for (const input of [undefined, null, 42, {}, '.'.repeat(100), 'ey.ey.ey']) {
      // Malformed input is answered at once; a promise or not, it is never a throw or a rejection.
      await expect(Promise.resolve(jwt.validate(input as unknown as string, rules()))).resolves.toMatchObject(
        {
          ok: false,
        },
      );
    }
  });
});
