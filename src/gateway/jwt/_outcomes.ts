/**
 * Folder-private: the failure outcomes of `validate-jwt`, worded like APIM's (spec/apim.md §1.3) and
 * without the " Access denied." tail, which the policy appends.
 */
import type { JwtOutcome } from '../types.js';

/** A failed validation. */
export type JwtFailure = Extract<JwtOutcome, { ok: false }>;

const PREFIX = 'JWT Validation Failed:';

function fail(reason: string, message: string): JwtFailure {
  return { ok: false, reason, message };
}

/**
 * Token-controlled text made safe to echo in a message: printable ASCII only, at most 64 characters.
 */
export function printable(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 61)}...` : clean;
}

/** The token is not a compact JWS with JSON header and payload (or is larger than 16 KB). */
export const MALFORMED = fail('TokenInvalid', `${PREFIX} JWT is not well formed.`);

/** No key verified the signature (including a token whose `alg` no candidate key may use). */
export const SIGNATURE_INVALID = fail('TokenSignatureInvalid', `${PREFIX} Signature validation failed.`);

/** `alg: none` while signed tokens are required. */
export const NOT_SIGNED = fail(
  'TokenSignatureInvalid',
  `${PREFIX} Signature validation failed. The token is not signed.`,
);

/** Neither `issuer-signing-keys` nor an `openid-config` gave a usable key. */
export const NO_KEYS = fail(
  'TokenSignatureInvalid',
  `${PREFIX} Signature validation failed. No signing keys are available.`,
);

/** An `alg` the gateway does not verify. */
export function unsupportedAlgorithm(alg: string): JwtFailure {
  return fail(
    'TokenSignatureInvalid',
    `${PREFIX} Signature validation failed. Algorithm '${printable(alg)}' is not supported.`,
  );
}

/** The token names a `kid` that no key has, even after reloading the key sets. */
export function unknownKid(kid: string): JwtFailure {
  return fail(
    'TokenSignatureInvalid',
    `${PREFIX} Signature validation failed. Unable to match key kid: '${printable(kid)}'.`,
  );
}

/** `exp` is in the past (beyond the clock skew). */
export const EXPIRED = fail('TokenExpired', `${PREFIX} Lifetime validation failed. The token is expired.`);

/** `nbf` is in the future (beyond the clock skew). */
export const NOT_YET_VALID = fail(
  'TokenNotYetValid',
  `${PREFIX} Lifetime validation failed. The token is not yet valid.`,
);

/** `exp` is absent while `require-expiration-time` is true. */
export const MISSING_EXPIRATION = fail(
  'TokenExpired',
  `${PREFIX} Lifetime validation failed. The token is missing an Expiration Time.`,
);

/** No `aud` of the token is among the allowed audiences. */
export const AUDIENCE_INVALID = fail('TokenAudienceNotAllowed', `${PREFIX} Audience validation failed.`);

/** The token's `iss` is not among the allowed issuers. */
export const ISSUER_INVALID = fail('TokenIssuerNotAllowed', `${PREFIX} Issuer validation failed.`);

/** Required claims are absent. */
export function missingClaims(names: readonly string[]): JwtFailure {
  return fail('TokenClaimNotFound', `JWT token is missing the following claims: ${names.join(', ')}`);
}

/** A required claim is present but its value does not match. */
export function claimValueNotAllowed(name: string, value: string): JwtFailure {
  return fail('TokenClaimValueNotAllowed', `Claim ${name} value of ${printable(value)} is not allowed.`);
}

/** An unexpected internal failure (never a thrown error: the validator never throws). */
export const UNEXPECTED = fail('TokenInvalid', `${PREFIX} The token could not be validated.`);
