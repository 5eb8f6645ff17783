/**
 * Folder-private: signing keys as the validator uses them, each with the algorithms it may verify, so a
 * token can never choose how its key is used (no HS256 with an RSA public key: algorithm confusion).
 */
import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { JwtKeySpec } from '../types.js';
import { isRecord } from './_token.js';

/** A key and the `alg` values it may verify. */
export interface VerificationKey {
  readonly kid: string | undefined;
  readonly key: KeyObject | Uint8Array;
  readonly algorithms: readonly string[];
}

const HMAC = ['HS256', 'HS384', 'HS512'] as const;
const RSA = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const;
const EC_BY_CURVE: Readonly<Record<string, string>> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
};
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Every `alg` some key kind may verify. */
export const SUPPORTED_ALGORITHMS: ReadonlySet<string> = new Set([
  ...HMAC,
  ...RSA,
  ...Object.values(EC_BY_CURVE),
]);

/** The keys of `issuer-signing-keys`; keys that cannot be read are left out (and counted). */
export function createStaticKeys(specs: readonly JwtKeySpec[]): { keys: VerificationKey[]; invalid: number } {
  const keys: VerificationKey[] = [];
  for (const spec of specs) {
    const key = spec.kind === 'base64' ? secretKey(spec.value, spec.id) : rsaKey(spec.n, spec.e, spec.id);
    if (key !== undefined) {
      keys.push(key);
    }
  }
  return { keys, invalid: specs.length - keys.length };
}

function secretKey(value: string, kid: string | undefined): VerificationKey | undefined {
  const text = value.trim();
  if (!BASE64.test(text)) {
    return undefined;
  }
  const bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  return bytes.length === 0 ? undefined : { kid, key: new Uint8Array(bytes), algorithms: HMAC };
}

function rsaKey(n: string, e: string, kid: string | undefined): VerificationKey | undefined {
  const key = publicKeyFromJwk({ kty: 'RSA', n, e });
  return key !== undefined && isStrongEnough(key) ? { kid, key, algorithms: RSA } : undefined;
}

/** The signature keys of a JWKS document; entries that are not usable public keys are left out. */
export function parseJwks(document: unknown): VerificationKey[] {
  if (!isRecord(document) || !Array.isArray(document.keys)) {
    return [];
  }
  return document.keys.flatMap((entry: unknown) => {
    const key = isRecord(entry) ? jwkToKey(entry) : undefined;
    return key === undefined ? [] : [key];
  });
}

function jwkToKey(jwk: Record<string, unknown>): VerificationKey | undefined {
  if (jwk.use !== undefined && jwk.use !== 'sig') {
    return undefined;
  }
  const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
  const kinds = algorithmsOf(jwk);
  const allowed = typeof jwk.alg === 'string' ? kinds.filter((alg) => alg === jwk.alg) : kinds;
  const key = allowed.length === 0 ? undefined : (publicKeyFromJwk(jwk) ?? publicKeyFromX5c(jwk.x5c));
  const type = jwk.kty === 'RSA' ? 'rsa' : 'ec';
  return key?.asymmetricKeyType === type && isStrongEnough(key)
    ? { kid, key, algorithms: allowed }
    : undefined;
}

/** RSA keys under 2048 bits are refused (as jose refuses them for RS and PS algorithms). */
function isStrongEnough(key: KeyObject): boolean {
  return key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
}

/** The algorithms a public JWK's type allows (none for secrets: a JWKS never carries trusted secrets). */
function algorithmsOf(jwk: Record<string, unknown>): readonly string[] {
  if (jwk.kty === 'RSA') {
    return RSA;
  }
  const ec = jwk.kty === 'EC' && typeof jwk.crv === 'string' ? EC_BY_CURVE[jwk.crv] : undefined;
  return ec === undefined ? [] : [ec];
}

function publicKeyFromJwk(jwk: Record<string, unknown>): KeyObject | undefined {
  const fields = jwk.kty === 'RSA' ? ['n', 'e'] : ['crv', 'x', 'y'];
  if (!fields.every((field) => typeof jwk[field] === 'string')) {
    return undefined;
  }
  const only = Object.fromEntries(['kty', ...fields].map((field) => [field, jwk[field]]));
  try {
    return createPublicKey({ key: only, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/** The public key of the first certificate of an `x5c` chain (for JWKS that publish only certificates). */
function publicKeyFromX5c(x5c: unknown): KeyObject | undefined {
  if (!Array.isArray(x5c) || typeof x5c[0] !== 'string') {
    return undefined;
  }
  try {
    return new X509Certificate(Buffer.from(x5c[0], 'base64')).publicKey;
  } catch {
    return undefined;
  }
}
