/**
 * validate-jwt payload checks (spec/apim.md §2.1): lifetime with clock skew, audiences, issuers (listed
 * and from openid configurations) and required claims, with APIM's messages and reasons.
 */
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { JwtKeySpec, JwtRules } from '../types.js';
import { createJwtValidator } from './index.js';

const NOW = 1_800_000_000_000;
const NOW_S = NOW / 1000;
const SECRET = Buffer.from('a-shared-secret-of-at-least-32-bytes!!');
const SECRET_KEY: JwtKeySpec = { kind: 'base64', value: SECRET.toString('base64') };
const RSA_JWK = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });

function rules(overrides: Partial<JwtRules> = {}): JwtRules {
  return {
    openidConfigUrls: [],
    signingKeys: [SECRET_KEY],
    audiences: [],
    issuers: [],
    requiredClaims: [],
    requireExpirationTime: true,
    requireSignedTokens: true,
    clockSkewSeconds: 0,
    ...overrides,
  };
}

const hs = (claims: Record<string, unknown> = {}) =>
  new SignJWT({ exp: NOW_S + 600, ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(SECRET);
const validator = () => createJwtValidator({ now: () => NOW });

describe('validate-jwt: lifetime', () => {
  it('refuses an expired token, honouring the clock skew', async () => {
    const token = await hs({ exp: NOW_S - 30 });
    expect(await validator().validate(token, rules())).toEqual({
      ok: false,
      reason: 'TokenExpired',
      message: 'JWT Validation Failed: Lifetime validation failed. The token is expired.',
    });
    expect((await validator().validate(token, rules({ clockSkewSeconds: 60 }))).ok).toBe(true);
  });

  it('refuses a token that is not yet valid, honouring the clock skew', async () => {
    const token = await hs({ nbf: NOW_S + 30 });
    expect(await validator().validate(token, rules())).toEqual({
      ok: false,
      reason: 'TokenNotYetValid',
      message: 'JWT Validation Failed: Lifetime validation failed. The token is not yet valid.',
    });
    expect((await validator().validate(token, rules({ clockSkewSeconds: 60 }))).ok).toBe(true);
  });

  it('requires exp unless require-expiration-time is false', async () => {
    const token = await new SignJWT({ sub: 'forever' }).setProtectedHeader({ alg: 'HS256' }).sign(SECRET);
    expect(await validator().validate(token, rules())).toEqual({
      ok: false,
      reason: 'TokenExpired',
      message: 'JWT Validation Failed: Lifetime validation failed. The token is missing an Expiration Time.',
    });
    expect((await validator().validate(token, rules({ requireExpirationTime: false }))).ok).toBe(true);
  });
});

describe('validate-jwt: audiences and issuers', () => {
  const audienceFailure = {
    ok: false,
    reason: 'TokenAudienceNotAllowed',
    message: 'JWT Validation Failed: Audience validation failed.',
  };
  const issuerFailure = {
    ok: false,
    reason: 'TokenIssuerNotAllowed',
    message: 'JWT Validation Failed: Issuer validation failed.',
  };

  it('accepts any allowed audience, as a string or in an array', async () => {
    const allowed = rules({ audiences: ['api://one', 'api://two'] });
    expect((await validator().validate(await hs({ aud: 'api://two' }), allowed)).ok).toBe(true);
    expect((await validator().validate(await hs({ aud: ['x', 'api://one'] }), allowed)).ok).toBe(true);
    expect(await validator().validate(await hs({ aud: 'api://three' }), allowed)).toEqual(audienceFailure);
    expect(await validator().validate(await hs(), allowed)).toEqual(audienceFailure);
    expect((await validator().validate(await hs({ aud: 'anything' }), rules())).ok).toBe(true);
  });

  it('accepts the listed issuers and those of the openid configurations', async () => {
    const fetchJson = async (url: string) =>
      url.endsWith('jwks')
        ? { keys: [{ ...RSA_JWK, kid: 'rsa-1' }] }
        : { issuer: 'https://idp.test/', jwks_uri: 'https://idp.test/jwks' };
    const jwt = createJwtValidator({ now: () => NOW, fetchJson });
    const withOpenId = rules({
      issuers: ['https://listed/'],
      openidConfigUrls: ['https://idp.test/.well-known/openid-configuration'],
    });
    expect((await jwt.validate(await hs({ iss: 'https://listed/' }), withOpenId)).ok).toBe(true);
    expect((await jwt.validate(await hs({ iss: 'https://idp.test/' }), withOpenId)).ok).toBe(true);
    expect(await jwt.validate(await hs({ iss: 'https://evil/' }), withOpenId)).toEqual(issuerFailure);
    expect(await jwt.validate(await hs(), withOpenId)).toEqual(issuerFailure);
    expect((await validator().validate(await hs({ iss: 'https://evil/' }), rules())).ok).toBe(true);
  });
});

describe('validate-jwt: required claims', () => {
  const claim = (name: string, match: 'all' | 'any', values: string[], separator?: string) =>
    separator === undefined ? { name, match, values } : { name, match, values, separator };

  it('lists every missing claim', async () => {
    const required = rules({
      requiredClaims: [claim('roles', 'any', []), claim('sub', 'all', []), claim('tid', 'all', ['t'])],
    });
    expect(await validator().validate(await hs({ sub: 'a' }), required)).toEqual({
      ok: false,
      reason: 'TokenClaimNotFound',
      message: 'JWT token is missing the following claims: roles, tid',
    });
  });

  it('matches all or any of the values, in arrays or split by the separator', async () => {
    const all = rules({ requiredClaims: [claim('scp', 'all', ['read', 'write'], ' ')] });
    expect((await validator().validate(await hs({ scp: 'read write admin' }), all)).ok).toBe(true);
    expect(await validator().validate(await hs({ scp: 'read' }), all)).toEqual({
      ok: false,
      reason: 'TokenClaimValueNotAllowed',
      message: 'Claim scp value of read is not allowed.',
    });
    const any = rules({ requiredClaims: [claim('roles', 'any', ['admin', 'editor'])] });
    expect((await validator().validate(await hs({ roles: ['viewer', 'editor'] }), any)).ok).toBe(true);
    expect(await validator().validate(await hs({ roles: ['viewer', 'guest'] }), any)).toMatchObject({
      message: 'Claim roles value of viewer, guest is not allowed.',
    });
    const numeric = rules({ requiredClaims: [claim('level', 'all', ['3'])] });
    expect((await validator().validate(await hs({ level: 3 }), numeric)).ok).toBe(true);
  });

  it('checks claims only after the signature, lifetime, audience and issuer', async () => {
    const strict = rules({ audiences: ['a'], requiredClaims: [claim('x', 'all', [])] });
    expect(await validator().validate(await hs({ exp: NOW_S - 1 }), strict)).toMatchObject({
      reason: 'TokenExpired',
    });
    expect(await validator().validate(await hs({ aud: 'b' }), strict)).toMatchObject({
      reason: 'TokenAudienceNotAllowed',
    });
  });
});
