/**
 * `validate-jwt` (spec/apim.md §2.1; AZD validate-jwt-policy.md): the signature against the policy's
 * `issuer-signing-keys` and the JWKS of its `openid-config` URLs, then lifetime, audiences, issuers and
 * required claims. Validation never throws and never logs a token or a key.
 */
import type * as Jose from 'jose';
import {
  isPromiseLike,
  type JwtKeySpec,
  type JwtOutcome,
  type JwtRules,
  type JwtValidator,
  type MaybePromise,
} from '../types.js';
import { checkAudience, checkIssuer, checkLifetime, checkRequiredClaims } from './_claims.js';
import { fetchJsonDocument } from './_fetch-json.js';
import { createStaticKeys, SUPPORTED_ALGORITHMS, type VerificationKey } from './_keys.js';
import { createOpenIdCache, type OpenIdCache, type OpenIdKeys } from './_openid.js';
import {
  type JwtFailure,
  MALFORMED,
  NO_KEYS,
  NOT_SIGNED,
  SIGNATURE_INVALID,
  UNEXPECTED,
  unknownKid,
  unsupportedAlgorithm,
} from './_outcomes.js';
import { type ParsedToken, parseToken } from './_token.js';

/** Options of {@link createJwtValidator}. */
export interface JwtValidatorOptions {
  /**
   * Reads a JSON document (openid-configuration, JWKS). Default: an HTTP GET with a 10 s timeout and a
   * 1 MB cap, redirects not followed.
   */
  readonly fetchJson?: (url: string) => Promise<unknown>;
  /** The clock in ms (lifetime checks and cache ages). */
  readonly now?: () => number;
  /** Receives warnings about unreadable keys and unreachable openid-config URLs (never secrets). */
  readonly logger?: { warn(message: string): void };
}

/** What one validation works with. */
interface Context {
  readonly cache: OpenIdCache;
  readonly staticKeys: (specs: readonly JwtKeySpec[]) => readonly VerificationKey[];
  readonly now: () => number;
  /** Tokens whose signature a key verified: clients resend the same token, so it is checked once. */
  readonly verified: VerifiedTokens;
  /** The key ring last built for a policy's rules, reused while its key sets are the same objects. */
  readonly rings: WeakMap<JwtRules, KnownRing>;
}

/** How many verified tokens are remembered (oldest forgotten first). */
const VERIFIED_TOKENS_MAX = 4096;

/** What is remembered of a verified token: the token, the key that verified it, and its decoded parts. */
interface VerifiedToken {
  readonly token: string;
  readonly key: VerificationKey;
  readonly parsed: ParsedToken;
}

/**
 * How many of a token's last characters find its entry: the end of its signature, which any two signed
 * tokens differ in. Hashing them costs a fraction of hashing a whole token (hundreds of characters), and
 * the entry counts only when its token is the same string.
 */
const FINGERPRINT_CHARS = 24;

/**
 * Tokens whose signature a key verified: the key object and the token decoded. A hit counts only while
 * that same key object is among the keys of the current validation, so a rotated or removed key (new key
 * objects) forces a new check; lifetime, audiences, issuers and claims are checked on every call
 * regardless (so an expired token fails whether remembered or not). The decoded parts are reused: the
 * same string always decodes to the same header and claims.
 */
class VerifiedTokens {
  readonly #entries = new Map<string, VerifiedToken>();

  /** The entry of `token`, when it was verified before. */
  find(token: string): VerifiedToken | undefined {
    const entry = this.#entries.get(fingerprintOf(token));
    return entry !== undefined && entry.token === token ? entry : undefined;
  }

  remember(token: string, key: VerificationKey, parsed: ParsedToken): void {
    if (this.#entries.size >= VERIFIED_TOKENS_MAX) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) {
        this.#entries.delete(oldest);
      }
    }
    this.#entries.set(fingerprintOf(token), { token, key, parsed });
  }
}

function fingerprintOf(token: string): string {
  return token.length <= FINGERPRINT_CHARS ? token : token.slice(-FINGERPRINT_CHARS);
}

/** The keys and issuers a validation may use. */
interface KeyRing {
  readonly keys: readonly VerificationKey[];
  /** The keys a token with a given `kid` may be verified with, chosen once per `kid` (see {@link selectKeys}). */
  readonly byKid: Map<string, readonly VerificationKey[]>;
  /** The policy's issuers and those of its openid-config documents. */
  readonly issuers: ReadonlySet<string>;
}

/** A ring and what it was built from. */
interface KnownRing {
  readonly staticKeys: readonly VerificationKey[];
  readonly documents: readonly OpenIdKeys[];
  readonly ring: KeyRing;
}

const NO_DOCUMENTS: readonly OpenIdKeys[] = [];

/**
 * Creates a validator with its own openid-config cache; share one per process so that every policy
 * reuses the cached key sets.
 *
 * @example
 * const jwt = createJwtValidator({ logger });
 * const outcome = await jwt.validate(token, rules);
 * if (!outcome.ok) throw new GatewayFailure(401, `${outcome.message} Access denied.`, …);
 */
export function createJwtValidator(options: JwtValidatorOptions = {}): JwtValidator {
  const warn = (message: string): void => options.logger?.warn(message);
  const now = options.now ?? Date.now;
  const cache = createOpenIdCache({ fetchJson: options.fetchJson ?? fetchJsonDocument, now, warn });
  const context: Context = {
    cache,
    staticKeys: createStaticKeyCache(warn),
    now,
    verified: new VerifiedTokens(),
    rings: new WeakMap(),
  };
  const unexpected = (error: unknown): JwtOutcome => {
    warn(`validate-jwt: unexpected failure (${error instanceof Error ? error.name : 'unknown'}).`);
    return UNEXPECTED;
  };
  return {
    validate(token, rules) {
      try {
        const outcome = validateToken(token, rules, context);
        return isPromiseLike(outcome) ? outcome.catch(unexpected) : outcome;
      } catch (error) {
        return unexpected(error);
      }
    },
  };
}

/** Reads each `issuer-signing-keys` list once (policies keep their rules), warning about bad keys. */
function createStaticKeyCache(warn: (message: string) => void) {
  const known = new WeakMap<readonly JwtKeySpec[], readonly VerificationKey[]>();
  return (specs: readonly JwtKeySpec[]): readonly VerificationKey[] => {
    let keys = known.get(specs);
    if (keys === undefined) {
      const created = createStaticKeys(specs);
      if (created.invalid > 0) {
        warn(`validate-jwt: ${created.invalid} issuer signing key(s) cannot be read and are ignored.`);
      }
      keys = created.keys;
      known.set(specs, keys);
    }
    return keys;
  };
}

/**
 * Validates at once when nothing has to wait: the key sets are loaded and not due for a refresh, the
 * token's `kid` is known, and its signature was verified before by one of the keys. Otherwise it takes
 * the path that loads, reloads or verifies (a promise); both paths check the same things in the same order.
 */
function validateToken(token: string, rules: JwtRules, context: Context): MaybePromise<JwtOutcome> {
  const remembered = context.verified.find(token);
  const parsed = remembered?.parsed ?? parseToken(token);
  if (parsed === undefined) {
    return MALFORMED;
  }
  const ring = ringAtOnce(rules, context);
  if (ring === undefined || (parsed.kid !== undefined && !hasKid(ring, parsed.kid))) {
    return validateLoading(token, parsed, rules, context);
  }
  return checkWithRing(token, parsed, rules, ring, context, remembered);
}

/** The path that waits: loads the key sets (reloading them for an unknown `kid`), then checks. */
async function validateLoading(
  token: string,
  parsed: ParsedToken,
  rules: JwtRules,
  context: Context,
): Promise<JwtOutcome> {
  let ring = await loadKeyRing(rules, context, (url) => context.cache.keys(url));
  if (parsed.kid !== undefined && !hasKid(ring, parsed.kid)) {
    ring = await reloadForKid(ring, rules, context);
  }
  return checkWithRing(token, parsed, rules, ring, context, context.verified.find(token));
}

/** Whether a key of the ring has this `kid` ({@link selectKeys} falls back to keys without one otherwise). */
function hasKid(ring: KeyRing, kid: string): boolean {
  return selectKeys(ring, kid)[0]?.kid === kid;
}

/** The signature (verified with jose only when no key verified this token before), then the claims. */
function checkWithRing(
  token: string,
  parsed: ParsedToken,
  rules: JwtRules,
  ring: KeyRing,
  context: Context,
  remembered: VerifiedToken | undefined,
): MaybePromise<JwtOutcome> {
  const screened = screenSignature(parsed, rules, ring, remembered);
  if (screened !== undefined && 'candidates' in screened) {
    return verifyCandidates(token, parsed, screened.candidates, context.verified).then(
      (failure) => failure ?? checkClaims(parsed, rules, ring, context),
    );
  }
  return screened ?? checkClaims(parsed, rules, ring, context);
}

/** Lifetime, audiences, issuers and required claims, in APIM's order, checked on every call. */
function checkClaims(parsed: ParsedToken, rules: JwtRules, ring: KeyRing, context: Context): JwtOutcome {
  return (
    checkLifetime(parsed.claims, rules, context.now()) ??
    checkAudience(parsed.claims, rules.audiences) ??
    checkIssuer(parsed.claims, ring.issuers) ??
    checkRequiredClaims(parsed.claims, rules.requiredClaims) ?? { ok: true, claims: parsed.claims }
  );
}

/**
 * The ring of the policy's rules from key sets the cache holds and need not refresh, without a promise;
 * undefined when a load or a refresh is due (then {@link loadKeyRing} runs, which starts it).
 */
function ringAtOnce(rules: JwtRules, context: Context): KeyRing | undefined {
  const urls = rules.openidConfigUrls;
  const staticKeys = context.staticKeys(rules.signingKeys);
  const known = context.rings.get(rules);
  if (known !== undefined && known.staticKeys === staticKeys && known.documents.length === urls.length) {
    let same = true;
    for (let index = 0; index < urls.length && same; index += 1) {
      const document = context.cache.peek(urls[index] as string);
      if (document === undefined) {
        return undefined;
      }
      same = document === known.documents[index];
    }
    if (same) {
      return known.ring;
    }
  }
  const documents: OpenIdKeys[] = [];
  for (const url of urls) {
    const document = context.cache.peek(url);
    if (document === undefined) {
      return undefined;
    }
    documents.push(document);
  }
  return ringOf(rules, context, staticKeys, documents);
}

/**
 * The keys of the policy's rules: its own, then its openid-config documents'. Built again only when a
 * document or the policy's keys are new objects (a refresh, a rotation, a new policy), since the same
 * rules ask for the same keys on every call.
 */
async function loadKeyRing(
  rules: JwtRules,
  context: Context,
  load: (url: string) => Promise<OpenIdKeys>,
): Promise<KeyRing> {
  const documents =
    rules.openidConfigUrls.length === 0 ? NO_DOCUMENTS : await Promise.all(rules.openidConfigUrls.map(load));
  return ringOf(rules, context, context.staticKeys(rules.signingKeys), documents);
}

/** The ring of these key sets: the one known for the rules when they are the same objects, else a new one. */
function ringOf(
  rules: JwtRules,
  context: Context,
  staticKeys: readonly VerificationKey[],
  documents: readonly OpenIdKeys[],
): KeyRing {
  const known = context.rings.get(rules);
  if (known !== undefined && known.staticKeys === staticKeys && sameItems(known.documents, documents)) {
    return known.ring;
  }
  const ring: KeyRing = {
    keys: [...staticKeys, ...documents.flatMap((document) => document.keys)],
    byKid: new Map(),
    issuers: new Set([
      ...rules.issuers,
      ...documents.flatMap((document) => (document.issuer === undefined ? [] : [document.issuer])),
    ]),
  };
  context.rings.set(rules, { staticKeys, documents, ring });
  return ring;
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/** Reloads the openid-config URLs (each at most once per 5 minutes) for a `kid` no key has. */
async function reloadForKid(ring: KeyRing, rules: JwtRules, context: Context): Promise<KeyRing> {
  if (rules.openidConfigUrls.length === 0) {
    return ring;
  }
  return loadKeyRing(rules, context, (url) => context.cache.reloadForUnknownKid(url));
}

/** How many `kid` values a ring remembers its keys for (a caller sending made-up ids cannot grow it). */
const KIDS_PER_RING_MAX = 64;

/** Keys that may verify a token no key verified before: jose must try them. */
interface Candidates {
  readonly candidates: readonly VerificationKey[];
}

/**
 * The signature step as far as it goes without jose: a failure, undefined when a key among the current
 * ones verified this token before, or the keys to try. `alg: none` passes only unsigned tokens while
 * `require-signed-tokens` is false. A token with a `kid` is checked against the keys with that id (or,
 * failing any, keys without one); otherwise against every key. A key verifies only the algorithms of its
 * own type.
 */
function screenSignature(
  parsed: ParsedToken,
  rules: JwtRules,
  ring: KeyRing,
  remembered: VerifiedToken | undefined,
): JwtFailure | Candidates | undefined {
  if (parsed.algNone) {
    return checkUnsigned(parsed, rules);
  }
  if (!SUPPORTED_ALGORITHMS.has(parsed.alg)) {
    return unsupportedAlgorithm(parsed.alg);
  }
  const candidates = selectKeys(ring, parsed.kid);
  if (candidates.length === 0) {
    return parsed.kid === undefined ? NO_KEYS : unknownKid(parsed.kid);
  }
  return remembered !== undefined && candidates.includes(remembered.key) ? undefined : { candidates };
}

/** Verifies the signature with each candidate of the token's algorithm, remembering the one that does. */
async function verifyCandidates(
  token: string,
  parsed: ParsedToken,
  candidates: readonly VerificationKey[],
  verified: VerifiedTokens,
): Promise<JwtFailure | undefined> {
  for (const candidate of candidates) {
    if (candidate.algorithms.includes(parsed.alg) && (await verifies(token, candidate, parsed.alg))) {
      verified.remember(token, candidate, parsed);
      return undefined;
    }
  }
  return SIGNATURE_INVALID;
}

function checkUnsigned(parsed: ParsedToken, rules: JwtRules): JwtFailure | undefined {
  if (!parsed.unsigned) {
    return MALFORMED;
  }
  return rules.requireSignedTokens ? NOT_SIGNED : undefined;
}

function selectKeys(ring: KeyRing, kid: string | undefined): readonly VerificationKey[] {
  if (kid === undefined) {
    return ring.keys;
  }
  let selected = ring.byKid.get(kid);
  if (selected === undefined) {
    const named = ring.keys.filter((key) => key.kid === kid);
    selected = named.length > 0 ? named : ring.keys.filter((key) => key.kid === undefined);
    if (ring.byKid.size >= KIDS_PER_RING_MAX) {
      ring.byKid.clear();
    }
    ring.byKid.set(kid, selected);
  }
  return selected;
}

let jose: Promise<typeof Jose> | undefined;

/** jose, imported on the first signature to check: a gateway without validate-jwt never loads it (decision 0035). */
function loadJose(): Promise<typeof Jose> {
  jose ??= import('jose');
  return jose;
}

async function verifies(token: string, candidate: VerificationKey, alg: string): Promise<boolean> {
  const { compactVerify } = await loadJose();
  try {
    await compactVerify(token, candidate.key, { algorithms: [alg] });
    return true;
  } catch {
    return false;
  }
}
