/**
 * What a custom role name is, in every place one is given: `allowedRoles` in staticwebapp.config.json,
 * invitations and `portico users update`, the roles function's answer, the sign-in emulator's form. One
 * rule, so a role that can be given can also protect a route: Azure's characters (letters, digits and
 * `_`), up to {@link MAX_ROLE_LENGTH} characters, at most {@link MAX_CUSTOM_ROLES} per user.
 */

/** Longest role name (Azure's invitations take 25; Portico keeps configs that name longer ones). */
export const MAX_ROLE_LENGTH = 64;

/** Most custom roles one user holds (as many as staticwebapp.config.json may name). */
export const MAX_CUSTOM_ROLES = 50;

const ROLE_NAME = /^[A-Za-z0-9_]+$/;

/** What a role name may be, as a message says it. */
export const ROLE_NAME_RULE = `letters, digits and '_', at most ${MAX_ROLE_LENGTH} characters`;

/** True for a name a custom role may have (built-in names included: see {@link isBuiltInRole}). */
export function isRoleName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_ROLE_LENGTH && ROLE_NAME.test(name);
}

/** `anonymous` and `authenticated`, in any case: every user has them, nobody is given them. */
export function isBuiltInRole(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'anonymous' || lower === 'authenticated';
}
