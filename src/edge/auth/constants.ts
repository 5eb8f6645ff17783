/**
 * Names and limits shared by the `/.auth` implementation. The cookie name and the two built-in roles
 * are Azure's (learn.microsoft.com/azure/static-web-apps/authentication-authorization); the limits are
 * Portico's own, chosen so a principal always fits in a few cookies and a header.
 */

/** Name of the session cookie; chunks are `StaticWebAppsAuthCookie_0`, `_1`, … (emulator, spec §10.10). */
export const AUTH_COOKIE_NAME = 'StaticWebAppsAuthCookie';

/** Role every request has, signed in or not. */
export const ANONYMOUS_ROLE = 'anonymous';

/** Role every signed-in user has. */
export const AUTHENTICATED_ROLE = 'authenticated';

/** Longest accepted `userDetails` (characters, after trimming). */
export { MAX_USER_DETAILS_LENGTH } from '../../shared/user-details.js';

/** Longest accepted explicit `userId`. */
export const MAX_USER_ID_LENGTH = 128;

/** Most custom roles on one principal, and the longest role name: one rule for every place (shared). */
export { MAX_CUSTOM_ROLES, MAX_ROLE_LENGTH } from '../../shared/role-names.js';

/** Most claims accepted on one principal. */
export const MAX_CLAIMS = 100;

/** Largest sign-in form body read by `POST /.auth/login/<provider>`. */
export const MAX_LOGIN_BODY_BYTES = 64 * 1024;

/** Body of a 404 for an unknown `/.auth` path (Azure's wording). */
export const AUTH_NOT_FOUND_TEXT = "We couldn't find that page, please check the URL and try again.";
