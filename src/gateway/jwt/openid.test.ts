/**
 * openid-config and JWKS over a real HTTP server on loopback (spec/apim.md §2.1, §5.4): one fetch for
 * many validations, shared in-flight fetches, the unknown-kid reload with its 5-minute cooldown, the
 * hourly refresh, and the last good keys kept while the server fails. Time moves through `now`.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JwtRules } from '../types.js';
import {
  createJwtValidator,
  KID_RELOAD_COOLDOWN_MS,
  REFRESH_INTERVAL_MS,
  RETRY_AFTER_FAILURE_MS,
} from './index.js';

const T0 = 1_800_000_000_000;
const MINUTE = 60_000;

type Mode = 'ok' | 'error' | 'garbage' | 'huge' | 'no-jwks-uri';

/** A tiny identity provider whose keys can be rotated and whose answers can be broken. */
interface Idp {
  readonly configUrl: string;
  readonly issuer: string;
  readonly fetches: { config: number; jwks: number };
  keys: unknown[];
  mode: Mode;
  close(): Promise<void>;
}

async function startIdp(): Promise<Idp> {
  const server: Server = createServer((req, res) => {
    const isConfig = req.url === '/.well-known/openid-configuration';
    idp.fetches[isConfig ? 'config' : 'jwks'] += 1;
    if (idp.mode === 'error') {
      res.writeHead(500).end('down');
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(body(isConfig));
  });
  const body = (isConfig: boolean): string => {
    if (idp.mode === 'garbage') {
      return '{not json';
    }
    if (idp.mode === 'huge') {
      return JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) });
    }
    if (!isConfig) {
      return JSON.stringify({ keys: idp.keys });
    }
    const jwksUri = idp.mode === 'no-jwks-uri' ? undefined : `${base}/discovery/keys`;
    return JSON.stringify({ issuer: idp.issuer, jwks_uri: jwksUri });
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  const idp: Idp = {
    configUrl: `${base}/.well-known/openid-configuration`,
    issuer: `${base}/`,
    fetches: { config: 0, jwks: 0 },
    keys: [],
    mode: 'ok',
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return idp;
}

function newKey(kid: string) {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    kid,
    privateKey: pair.privateKey,
    jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid, use: 'sig' },
  };
}

const KEY1 = newKey('kid-1');
const KEY2 = newKey('kid-2');

/** A token from the first IdP of a test (its issuer is set in beforeEach). */
let issuer = '';

function token(
  key: { kid: string; privateKey: KeyObject },
  claims: Record<string, unknown> = {},
  alg = 'RS256',
) {
  return new SignJWT({ exp: T0 / 1000 + 86_400, iss: issuer, ...claims })
    .setProtectedHeader({ alg, kid: key.kid })
    .sign(key.privateKey);
}

describe('validate-jwt: openid-config over HTTP', () => {
  let idp: Idp;
  let time: number;
  let warnings: string[];
  let rules: JwtRules;
  const validator = () =>
    createJwtValidator({ now: () => time, logger: { warn: (message) => warnings.push(message) } });

  beforeEach(async () => {
    idp = await startIdp();
    idp.keys = [KEY1.jwk];
    issuer = idp.issuer;
    time = T0;
    warnings = [];
    rules = {
      openidConfigUrls: [idp.configUrl],
      signingKeys: [],
      audiences: [],
      issuers: [],
      requiredClaims: [],
      requireExpirationTime: true,
      requireSignedTokens: true,
      clockSkewSeconds: 0,
    };
  });
  afterEach(() => idp.close());

  it('fetches the configuration and its JWKS once for many validations', async () => {
    const jwt = validator();
    for (let i = 0; i < 10; i += 1) {
      expect((await jwt.validate(await token(KEY1, { n: i }), rules)).ok).toBe(true);
    }
    expect(idp.fetches).toEqual({ config: 1, jwks: 1 });
  });

  it('shares one in-flight fetch between concurrent validations', async () => {
    const jwt = validator();
    const signed = await token(KEY1);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => jwt.validate(signed, rules)));
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(idp.fetches).toEqual({ config: 1, jwks: 1 });
  });

  it('accepts the issuer of the configuration and refuses others', async () => {
    const jwt = validator();
    expect((await jwt.validate(await token(KEY1, { iss: idp.issuer }), rules)).ok).toBe(true);
    expect(await jwt.validate(await token(KEY1, { iss: 'https://elsewhere/' }), rules)).toMatchObject({
      reason: 'TokenIssuerNotAllowed',
    });
  });

  it('reloads on an unknown kid at most once per 5 minutes', async () => {
    const jwt = validator();
    await jwt.validate(await token(KEY1), rules);
    idp.keys = [KEY1.jwk, KEY2.jwk];
    time = T0 + MINUTE;
    expect(await jwt.validate(await token(KEY2), rules)).toEqual({
      ok: false,
      reason: 'TokenSignatureInvalid',
      message: "JWT Validation Failed: Signature validation failed. Unable to match key kid: 'kid-2'.",
    });
    expect(idp.fetches).toEqual({ config: 1, jwks: 1 });
    time = T0 + KID_RELOAD_COOLDOWN_MS;
    const signed = await token(KEY2);
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => jwt.validate(signed, rules)));
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(idp.fetches).toEqual({ config: 2, jwks: 2 });
    time += 1000;
    const unknown = await token({ kid: 'kid-3', privateKey: KEY1.privateKey });
    expect(await jwt.validate(unknown, rules)).toMatchObject({ ok: false, reason: 'TokenSignatureInvalid' });
    expect(idp.fetches).toEqual({ config: 2, jwks: 2 });
  });

  it('refreshes the keys hourly without making a validation wait', async () => {
    const jwt = validator();
    await jwt.validate(await token(KEY1), rules);
    idp.keys = [KEY2.jwk];
    time = T0 + REFRESH_INTERVAL_MS - 1;
    expect((await jwt.validate(await token(KEY1), rules)).ok).toBe(true);
    expect(idp.fetches).toEqual({ config: 1, jwks: 1 });
    time = T0 + REFRESH_INTERVAL_MS;
    expect((await jwt.validate(await token(KEY1), rules)).ok).toBe(true);
    await vi.waitFor(() => expect(idp.fetches).toEqual({ config: 2, jwks: 2 }));
    expect((await jwt.validate(await token(KEY2), rules)).ok).toBe(true);
    expect(await jwt.validate(await token(KEY1), rules)).toMatchObject({ ok: false });
    expect(idp.fetches).toEqual({ config: 2, jwks: 2 });
  });

  /** @see decision 0037: a call that waits for nothing is answered without a promise. */
  it('answers a token verified before at once, and checks it again when the keys are replaced', async () => {
    const jwt = validator();
    const signed = await token(KEY1);
    expect(jwt.validate(signed, rules)).toBeInstanceOf(Promise);
    expect((await jwt.validate(signed, rules)).ok).toBe(true);
    const again = jwt.validate(signed, rules);
    expect(again).not.toBeInstanceOf(Promise);
    expect(again).toMatchObject({ ok: true });
    // The hourly refresh replaces KEY1 by KEY2: the same token string is no longer accepted.
    idp.keys = [KEY2.jwk];
    time = T0 + REFRESH_INTERVAL_MS;
    expect(jwt.validate(signed, rules)).toBeInstanceOf(Promise);
    await vi.waitFor(() => expect(idp.fetches).toEqual({ config: 2, jwks: 2 }));
    expect(await jwt.validate(signed, rules)).toMatchObject({ ok: false, reason: 'TokenSignatureInvalid' });
  });

  it('checks the lifetime and the claims of a token verified before on every call', async () => {
    const jwt = validator();
    const signed = await token(KEY1, { exp: T0 / 1000 + 60, aud: 'a' });
    expect((await jwt.validate(signed, rules)).ok).toBe(true);
    expect(jwt.validate(signed, { ...rules, audiences: ['b'] })).toMatchObject({
      ok: false,
      reason: 'TokenAudienceNotAllowed',
    });
    time = T0 + 60_000;
    expect(jwt.validate(signed, rules)).toMatchObject({ ok: false, reason: 'TokenExpired' });
  });

  it('keeps the last good keys while the server fails, retrying each minute, warning once', async () => {
    const jwt = validator();
    const signed = await token(KEY1);
    await jwt.validate(signed, rules);
    idp.mode = 'error';
    time = T0 + REFRESH_INTERVAL_MS;
    expect((await jwt.validate(signed, rules)).ok).toBe(true);
    await vi.waitFor(() => expect(idp.fetches.config).toBe(2));
    expect((await jwt.validate(signed, rules)).ok).toBe(true);
    expect(idp.fetches.config).toBe(2);
    time += RETRY_AFTER_FAILURE_MS;
    expect((await jwt.validate(signed, rules)).ok).toBe(true);
    await vi.waitFor(() => expect(idp.fetches.config).toBe(3));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(idp.configUrl);
    expect(warnings[0]).toContain('keeping the last keys');
    expect(warnings.join()).not.toContain(signed);
  });

  it('retries a configuration that could not be loaded at first', async () => {
    const jwt = validator();
    idp.mode = 'error';
    expect(await jwt.validate(await token(KEY1), rules)).toMatchObject({
      ok: false,
      reason: 'TokenSignatureInvalid',
    });
    expect(idp.fetches).toEqual({ config: 1, jwks: 0 });
    idp.mode = 'ok';
    expect((await jwt.validate(await token(KEY1), rules)).ok).toBe(false);
    time = T0 + RETRY_AFTER_FAILURE_MS;
    expect((await jwt.validate(await token(KEY1), rules)).ok).toBe(true);
    expect(idp.fetches).toEqual({ config: 2, jwks: 1 });
  });

  it.each<Mode>(['garbage', 'huge', 'no-jwks-uri'])('survives a bad document (%s)', async (mode) => {
    idp.mode = mode;
    const outcome = await validator().validate(await token(KEY1), rules);
    expect(outcome).toMatchObject({ ok: false, reason: 'TokenSignatureInvalid' });
    expect(warnings).toHaveLength(1);
  });

  it('ignores JWKS entries that are not public signature keys', async () => {
    idp.keys = [
      { kty: 'oct', k: 'c2VjcmV0', kid: 'kid-1' },
      { ...KEY1.jwk, use: 'enc' },
      { kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: 'kid-1' },
      { kty: 'RSA', kid: 'kid-1' },
      'not an object',
    ];
    expect(await validator().validate(await token(KEY1), rules)).toMatchObject({ ok: false });
    expect(warnings[0]).toContain('no usable signature key');
  });

  it('honours the alg a JWKS entry declares', async () => {
    idp.keys = [{ ...KEY1.jwk, alg: 'RS256' }];
    const jwt = validator();
    expect((await jwt.validate(await token(KEY1, {}, 'RS256'), rules)).ok).toBe(true);
    expect(await jwt.validate(await token(KEY1, {}, 'PS256'), rules)).toMatchObject({
      reason: 'TokenSignatureInvalid',
    });
  });

  it('combines several configurations', async () => {
    const other = await startIdp();
    other.keys = [KEY2.jwk];
    const both = { ...rules, openidConfigUrls: [idp.configUrl, other.configUrl] };
    const jwt = validator();
    expect((await jwt.validate(await token(KEY1, { iss: other.issuer }), both)).ok).toBe(true);
    expect((await jwt.validate(await token(KEY2, { iss: idp.issuer }), both)).ok).toBe(true);
    await other.close();
  });
});
