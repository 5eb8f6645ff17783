/**
 * Folder-private: the payload checks of `validate-jwt`, in APIM's order after the signature: lifetime,
 * audience, issuer, then required claims (AZD validate-jwt-policy.md).
 */
import type { JwtRules, RequiredClaim } from '../types.js';
import {
  AUDIENCE_INVALID,
  claimValueNotAllowed,
  EXPIRED,
  ISSUER_INVALID,
  type JwtFailure,
  MALFORMED,
  MISSING_EXPIRATION,
  missingClaims,
  NOT_YET_VALID,
} from './_outcomes.js';

type Claims = Readonly<Record<string, unknown>>;

/** `exp` and `nbf` (NumericDate seconds) against `nowMs`, each widened by the clock skew. */
export function checkLifetime(claims: Claims, rules: JwtRules, nowMs: number): JwtFailure | undefined {
  const { exp, nbf } = claims;
  if ((exp !== undefined && !isNumericDate(exp)) || (nbf !== undefined && !isNumericDate(nbf))) {
    return MALFORMED;
  }
  const now = nowMs / 1000;
  const skew = Math.max(0, rules.clockSkewSeconds);
  if (exp === undefined && rules.requireExpirationTime) {
    return MISSING_EXPIRATION;
  }
  if (exp !== undefined && now >= exp + skew) {
    return EXPIRED;
  }
  return nbf !== undefined && now + skew < nbf ? NOT_YET_VALID : undefined;
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** At least one `aud` of the token (a string or an array) is allowed; unchecked when none are listed. */
export function checkAudience(claims: Claims, audiences: readonly string[]): JwtFailure | undefined {
  if (audiences.length === 0) {
    return undefined;
  }
  const aud = claims.aud;
  const allowed = Array.isArray(aud)
    ? aud.some((value) => typeof value === 'string' && audiences.includes(value))
    : typeof aud === 'string' && audiences.includes(aud);
  return allowed ? undefined : AUDIENCE_INVALID;
}

/** The token's `iss` is allowed; unchecked when the allowed set is empty. */
export function checkIssuer(claims: Claims, issuers: ReadonlySet<string>): JwtFailure | undefined {
  if (issuers.size === 0) {
    return undefined;
  }
  return typeof claims.iss === 'string' && issuers.has(claims.iss) ? undefined : ISSUER_INVALID;
}

/**
 * `required-claims`: every named claim must be present (all missing ones are reported together), and
 * its values (array items, split by the `separator`) must hold all (`match="all"`) or at least one
 * (`match="any"`) of the listed values.
 */
export function checkRequiredClaims(
  claims: Claims,
  required: readonly RequiredClaim[],
): JwtFailure | undefined {
  if (required.length === 0) {
    return undefined;
  }
  const missing = required.filter((rule) => claims[rule.name] === undefined || claims[rule.name] === null);
  if (missing.length > 0) {
    return missingClaims([...new Set(missing.map((rule) => rule.name))]);
  }
  for (const rule of required) {
    const failure = checkClaimValues(rule, claims[rule.name]);
    if (failure !== undefined) {
      return failure;
    }
  }
  return undefined;
}

function checkClaimValues(rule: RequiredClaim, value: unknown): JwtFailure | undefined {
  if (rule.values.length === 0) {
    return undefined;
  }
  const present = claimValues(value, rule.separator);
  const matches =
    rule.match === 'any' ? rule.values.some((v) => present.has(v)) : rule.values.every((v) => present.has(v));
  return matches ? undefined : claimValueNotAllowed(rule.name, describeValue(value));
}

/** The values of a claim as strings: array items, each split by `separator` when one is given. */
function claimValues(value: unknown, separator: string | undefined): ReadonlySet<string> {
  const items = Array.isArray(value) ? value : [value];
  const texts = items.map(describeValue);
  const split =
    separator === undefined || separator === '' ? texts : texts.flatMap((text) => text.split(separator));
  return new Set(split);
}

/** A claim value as text, as it appears in messages and comparisons. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (Array.isArray(value)) {
    return value.map(describeValue).join(', ');
  }
  return typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : (JSON.stringify(value) ?? '');
}
