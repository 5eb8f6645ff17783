/**
 * The client principal: validation of untrusted input (cookies, the dev sign-in form, later real
 * providers), the `x-ms-client-principal` header value and role checks.
 *
 * @see learn.microsoft.com/azure/static-web-apps/user-information (shape, header without claims)
 * @see spec/swa-behaviour.md §2.3, §10.10, D6, D13
 */

import { createHash } from 'node:crypto';
import { isBuiltInRole, isRoleName } from '../../shared/role-names.js';
import { hasControlCharacter } from '../../shared/user-details.js';
import * as z from '../../shared/zod.js';
import type { ClientPrincipal } from '../types.js';
import {
  ANONYMOUS_ROLE,
  AUTHENTICATED_ROLE,
  MAX_CLAIMS,
  MAX_CUSTOM_ROLES,
  MAX_USER_DETAILS_LENGTH,
  MAX_USER_ID_LENGTH,
} from './constants.js';

/** Outcome of {@link parsePrincipal}: a canonical principal, or a one-line reason for the user. */
export type PrincipalParseResult =
  | { readonly ok: true; readonly principal: ClientPrincipal }
  | { readonly ok: false; readonly error: string };

/** Outcome of {@link matchRoles}: `unauthenticated` maps to 401, `forbidden` to 403 (D6). */
export type RoleMatch = 'allowed' | 'unauthenticated' | 'forbidden';

const PROVIDER_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** Printable ASCII without spaces (`!` to `~`). */
const USER_ID_PATTERN = /^[!-~]*$/;

const claimSchema = z.object({
  typ: z.string().min(1).max(256),
  val: z.string().max(4096),
});

const principalInputSchema = z.object({
  identityProvider: z
    .string()
    .trim()
    .regex(PROVIDER_PATTERN, 'must be 1 to 64 letters, digits, ".", "_" or "-"'),
  userId: z
    .string()
    .trim()
    .max(MAX_USER_ID_LENGTH)
    .regex(USER_ID_PATTERN, 'must be printable ASCII without spaces')
    .nullish(),
  userDetails: z
    .string()
    .trim()
    .min(1, 'required')
    .max(MAX_USER_DETAILS_LENGTH)
    .refine((value) => !hasControlCharacter(value), 'must not contain control characters'),
  userRoles: z.array(z.unknown()).max(256).nullish(),
  claims: z.array(claimSchema).max(MAX_CLAIMS, `must hold at most ${MAX_CLAIMS} entries`).nullish(),
});

type PrincipalInput = z.infer<typeof principalInputSchema>;

/**
 * Validates an untrusted principal object `{identityProvider, userId?, userDetails, userRoles?, claims?}`
 * and returns its canonical, frozen form, or the first problem found.
 *
 * Canonical form: trimmed strings; `userId` defaulted by {@link deriveUserId}; `userRoles` starting with
 * `anonymous` and `authenticated`, then at most 50 distinct custom roles (invalid names dropped);
 * `claims` always an array.
 */
export function parsePrincipal(raw: unknown): PrincipalParseResult {
  const parsed = principalInputSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, error: describeIssue(parsed.error.issues[0]) };
  }
  return { ok: true, principal: buildPrincipal(parsed.data) };
}

/**
 * The canonical principal for untrusted input, or `null` when it is not a valid principal.
 * Never throws (D13: a malformed cookie means "not signed in").
 *
 * @example
 * normalizePrincipal({ identityProvider: 'github', userDetails: 'ada', userRoles: ['reader'] })?.userRoles
 * // ['anonymous', 'authenticated', 'reader']
 */
export function normalizePrincipal(raw: unknown): ClientPrincipal | null {
  try {
    const result = parsePrincipal(raw);
    return result.ok ? result.principal : null;
  } catch {
    return null;
  }
}

/**
 * The stable default `userId`: the first 32 hex characters of
 * `sha256("<provider lower-cased>:<userDetails>")`.
 */
export function deriveUserId(identityProvider: string, userDetails: string): string {
  const input = `${identityProvider.toLowerCase()}:${userDetails}`;
  return createHash('sha256').update(input, 'utf8').digest('hex').slice(0, 32);
}

/**
 * The `x-ms-client-principal` header value: base64 of
 * `{identityProvider, userId, userDetails, userRoles}` (claims are never sent to the API).
 */
export function encodePrincipalHeader(principal: ClientPrincipal): string {
  let header = encodedHeaders.get(principal);
  if (header === undefined) {
    const { identityProvider, userId, userDetails, userRoles } = principal;
    const json = JSON.stringify({ identityProvider, userId, userDetails, userRoles });
    header = Buffer.from(json, 'utf8').toString('base64');
    // Only frozen principals (what the codecs return, read once per cookie value) can be remembered.
    if (Object.isFrozen(principal) && Object.isFrozen(userRoles)) {
      encodedHeaders.set(principal, header);
    }
  }
  return header;
}

/**
 * Header values of principals already encoded. The session codecs hand out the same frozen principal for
 * the same cookie, so a signed-in user's `/api` calls encode it once. A cache, not shared state: a
 * principal that is no longer referenced drops out.
 */
const encodedHeaders = new WeakMap<ClientPrincipal, string>();

/**
 * Decides whether a request may reach a rule guarded by `allowedRoles`. Roles are OR-ed and compared
 * case-sensitively; no list (or an empty one) or `anonymous` in the list allows everyone. Otherwise an
 * anonymous caller is `unauthenticated` (401) and a signed-in caller without a listed role is
 * `forbidden` (403, D6).
 *
 * @example
 * matchRoles(null, ['admin']) // 'unauthenticated'
 */
export function matchRoles(
  principal: ClientPrincipal | null,
  allowedRoles: readonly string[] | undefined,
): RoleMatch {
  if (allowedRoles === undefined || allowedRoles.length === 0) {
    return 'allowed';
  }
  const held = rolesOf(principal);
  if (allowedRoles.some((role) => held.has(role))) {
    return 'allowed';
  }
  return principal === null ? 'unauthenticated' : 'forbidden';
}

function rolesOf(principal: ClientPrincipal | null): ReadonlySet<string> {
  if (principal === null) {
    return new Set([ANONYMOUS_ROLE]);
  }
  return new Set([ANONYMOUS_ROLE, AUTHENTICATED_ROLE, ...principal.userRoles]);
}

function buildPrincipal(input: PrincipalInput): ClientPrincipal {
  const { identityProvider, userDetails } = input;
  const claims = (input.claims ?? []).map(({ typ, val }) => Object.freeze({ typ, val }));
  return Object.freeze({
    identityProvider,
    userId: input.userId ? input.userId : deriveUserId(identityProvider, userDetails),
    userDetails,
    userRoles: normalizeRoles(input.userRoles ?? []),
    claims: Object.freeze(claims),
  });
}

function normalizeRoles(values: readonly unknown[]): readonly string[] {
  const custom = new Set<string>();
  for (const value of values) {
    if (custom.size >= MAX_CUSTOM_ROLES) {
      break;
    }
    const role = typeof value === 'string' ? value.trim() : '';
    if (isRoleName(role) && !isBuiltInRole(role)) {
      custom.add(role);
    }
  }
  return Object.freeze([ANONYMOUS_ROLE, AUTHENTICATED_ROLE, ...custom]);
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (issue === undefined) {
    return 'the principal is invalid';
  }
  const path = issue.path.map(String).join('.');
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}
