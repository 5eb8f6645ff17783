/**
 * `auth.rolesSource` (spec §2.4): at sign-in the platform POSTs the user to the site's roles function and
 * adds the roles it answers. `portico serve` calls it after a real provider's sign-in; `portico start`
 * after the emulator's form, through the same API the dev server proxies.
 */
import { PorticoError } from '../../shared/errors.js';
import { errorMessage } from '../../shared/guards.js';
import { isBuiltInRole, isRoleName, MAX_CUSTOM_ROLES, ROLE_NAME_RULE } from '../../shared/role-names.js';
import type { ApiProxy, InternalApiResponse } from '../proxy/index.js';
import type { ClientPrincipal } from '../types.js';
import type { RolesSourceInput } from './signin/index.js';

/**
 * The longest a sign-in waits for the roles function's whole answer (Azure documents no limit; decision
 * 0106), or the API timeout when that is shorter. Past it the call is cancelled and sign-in fails.
 */
export const ROLES_SOURCE_TIMEOUT_MS = 10_000;

/** POSTs the signed-in user to the roles function and reads `{"roles": [...]}` (spec §2.4). */
export async function callRolesSource(
  api: ApiProxy | undefined,
  path: string,
  input: RolesSourceInput,
): Promise<readonly string[]> {
  if (api === undefined) {
    throw new Error(`rolesSource names ${path}, but this environment has no API`);
  }
  const timeoutMs = Math.min(ROLES_SOURCE_TIMEOUT_MS, api.timeoutMs);
  let answer: InternalApiResponse;
  try {
    answer = await api.call({
      method: 'POST',
      pathAndQuery: path,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
      timeoutMs,
    });
  } catch (error) {
    throw isTimeout(error)
      ? new Error(
          `${path} did not answer within ${formatSeconds(timeoutMs)}, the longest sign-in waits for it, so the call was cancelled; make it answer sooner`,
        )
      : error;
  }
  if (answer.status !== 200) {
    throw new Error(`${path} answered ${answer.status}; it must answer 200 with {"roles": [...]}`);
  }
  let roles: unknown;
  try {
    // A byte order mark, which some serializers put first, is not part of the JSON.
    roles = (JSON.parse(answer.body.replace(/^\uFEFF/, '')) as { roles?: unknown }).roles;
  } catch {
    roles = undefined;
  }
  if (!Array.isArray(roles) || roles.some((role) => typeof role !== 'string')) {
    throw new Error(`${path} must answer {"roles": ["…"]}, a list of role names`);
  }
  return roles as string[];
}

function isTimeout(error: unknown): boolean {
  return error instanceof PorticoError && error.code === 'PROXY_BACKEND_TIMEOUT';
}

/** `10 seconds`, `1 second`, `1.5 seconds`. */
function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

/**
 * The roles a roles function gives, without the built-in `anonymous` and `authenticated` (every user has
 * them) or repeats.
 *
 * @throws Error naming a role no route could name: giving it would leave an API that checks it
 *   refusing the user with no word of why.
 */
function assignableRoles(roles: readonly string[]): string[] {
  const invalid = roles.find((role) => !isRoleName(role));
  if (invalid !== undefined) {
    throw new Error(
      `it gave the role ${JSON.stringify(invalid.slice(0, 80))}; role names are ${ROLE_NAME_RULE}`,
    );
  }
  return [...new Set(roles.filter((role) => !isBuiltInRole(role)))];
}

/**
 * The roles the roles function gives `input`'s user (those it may give), or the message of why sign-in
 * cannot finish: what a real sign-in and the emulator's both ask of it.
 */
export async function rolesFromSource(
  rolesSource: (input: RolesSourceInput) => Promise<readonly string[]>,
  input: RolesSourceInput,
): Promise<string[] | string> {
  let roles: string[];
  try {
    roles = assignableRoles(await rolesSource(input));
  } catch (error) {
    return `Sign-in cannot finish: the roles function failed (${errorMessage(error)}).`;
  }
  // A session keeps at most this many: dropping the rest would drop roles the routes may need, unseen.
  if (roles.length > MAX_CUSTOM_ROLES) {
    return `Sign-in cannot finish: the roles function gave ${roles.length} roles, and a user holds at most ${MAX_CUSTOM_ROLES} (as many as staticwebapp.config.json may name); answer only the roles your routes use.`;
  }
  return roles;
}

/**
 * The emulator's principal with the roles function's roles added to those typed in the form, or the
 * message of why sign-in cannot finish. The emulator has no provider token: `accessToken` is empty.
 */
export async function addRolesFromSource(
  principal: ClientPrincipal,
  rolesSource: (input: RolesSourceInput) => Promise<readonly string[]>,
): Promise<ClientPrincipal | string> {
  const roles = await rolesFromSource(rolesSource, {
    identityProvider: principal.identityProvider,
    userId: principal.userId,
    userDetails: principal.userDetails,
    claims: principal.claims,
    accessToken: '',
  });
  if (typeof roles === 'string') {
    return roles;
  }
  const userRoles = [...new Set([...principal.userRoles, ...roles])];
  // The form's and the function's together: cutting them to fit would drop roles the routes may need.
  const custom = userRoles.filter((role) => !isBuiltInRole(role)).length;
  if (custom > MAX_CUSTOM_ROLES) {
    return `Sign-in cannot finish: the form's roles and the roles function's make ${custom} roles, and a user holds at most ${MAX_CUSTOM_ROLES}; type fewer roles in the form.`;
  }
  return { ...principal, userRoles };
}
