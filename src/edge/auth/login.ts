/**
 * Turns a submitted dev sign-in form into a principal, with messages meant for the person filling it.
 *
 * @see CONTRACT.md §2 "Dev sign-in" (fields and their meaning)
 */
import { isRoleName, MAX_CUSTOM_ROLES, ROLE_NAME_RULE } from '../../shared/role-names.js';
import type { LoginFormValues } from './login-form.js';
import { type PrincipalParseResult, parsePrincipal } from './principal.js';

/** The fields of a `POST /.auth/login/<provider>` body. */
export interface LoginSubmission {
  readonly values: LoginFormValues;
  readonly postLoginRedirectUri?: string;
}

const CLAIMS_FORMAT =
  'Claims must be a JSON array of {"typ", "val"} objects, e.g. [{"typ":"name","val":"Ada"}].';

/** Reads the sign-in form fields from an `application/x-www-form-urlencoded` body. */
export function readLoginSubmission(params: URLSearchParams): LoginSubmission {
  return {
    values: {
      userDetails: params.get('userDetails') ?? undefined,
      userId: params.get('userId') ?? undefined,
      userRoles: params.get('userRoles') ?? undefined,
      claims: params.get('claims') ?? undefined,
    },
    postLoginRedirectUri: params.get('post_login_redirect_uri') ?? undefined,
  };
}

/**
 * Validates submitted form values for `provider` and builds the principal. Unlike cookies, which
 * silently drop bad roles, the form reports them so the developer can fix the input.
 */
export function parseLoginForm(provider: string, values: LoginFormValues): PrincipalParseResult {
  if ((values.userDetails ?? '').trim() === '') {
    return { ok: false, error: 'Username (userDetails) is required.' };
  }
  const roles = splitRoles(values.userRoles ?? '');
  const roleError = checkRoles(roles);
  if (roleError !== undefined) {
    return { ok: false, error: roleError };
  }
  const claims = parseClaims(values.claims ?? '');
  if (claims === undefined) {
    return { ok: false, error: CLAIMS_FORMAT };
  }
  const raw = {
    identityProvider: provider,
    userId: values.userId,
    userDetails: values.userDetails,
    userRoles: roles,
    claims,
  };
  return parsePrincipal(raw);
}

/** Splits the roles field on commas and line breaks, dropping empty entries. */
export function splitRoles(text: string): string[] {
  return text
    .split(/[,\r\n]+/)
    .map((role) => role.trim())
    .filter((role) => role !== '');
}

function checkRoles(roles: readonly string[]): string | undefined {
  const invalid = roles.find((role) => !isRoleName(role));
  if (invalid !== undefined) {
    return `Role "${invalid}" is invalid: use only ${ROLE_NAME_RULE}.`;
  }
  if (new Set(roles).size > MAX_CUSTOM_ROLES) {
    return `At most ${MAX_CUSTOM_ROLES} custom roles are allowed.`;
  }
  return undefined;
}

/** The claims array, `[]` for an empty field, or `undefined` when the text is not a JSON array. */
function parseClaims(text: string): unknown[] | undefined {
  if (text.trim() === '') {
    return [];
  }
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
