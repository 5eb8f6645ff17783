/**
 * Test sessions: until real sign-in lands in `portico serve`, an operator mints a session for an identity
 * with the admin token (CLI `portico users session`), to try role-protected routes and invitation links.
 * The cookie is the one a sign-in would set: sealed under the site's own key, so it works on every
 * environment of that site and on no other site.
 */
import { PorticoError } from '../shared/errors.js';
import type { ControlContext, SessionPrincipal } from './context.js';
import type { Site } from './sites.js';
import { checkProvider, checkUserDetails, resolveUserRoles, userIdFor } from './users.js';

/** Name of the session cookie (the same as Azure's). */
export const SESSION_COOKIE = 'StaticWebAppsAuthCookie';
/** Longest test session: 24 hours. */
export const MAX_TEST_SESSION_HOURS = 24;

/** A minted session: the cookie to send and the principal it stands for. */
export interface TestSession {
  readonly cookieName: string;
  readonly cookieValue: string;
  readonly expiresOn: string;
  readonly clientPrincipal: SessionPrincipal;
}

/** Mints a session for `provider`/`userDetails` on a site, holding the roles the site gives that user. */
export async function mintTestSession(
  ctx: ControlContext,
  site: Site,
  input: { provider: string; userDetails: string; hours: number },
): Promise<TestSession> {
  if (ctx.sealSession === undefined) {
    throw new PorticoError('CONTROL_BAD_REQUEST', 'This service cannot mint sessions (no data plane).');
  }
  const provider = checkProvider(input.provider.trim());
  const userDetails = checkUserDetails(input.userDetails);
  if (!Number.isInteger(input.hours) || input.hours < 1 || input.hours > MAX_TEST_SESSION_HOURS) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      `hours must be a whole number from 1 to ${MAX_TEST_SESSION_HOURS}.`,
    );
  }
  const roles = (await resolveUserRoles(ctx, site, provider, userDetails))?.roles;
  const clientPrincipal: SessionPrincipal = {
    identityProvider: provider,
    userId: userIdFor(ctx, site.id, provider, userDetails),
    userDetails,
    userRoles: ['anonymous', 'authenticated', ...(roles ?? [])],
    claims: [],
  };
  const expiresAt = Math.floor(ctx.now().getTime() / 1000) + input.hours * 3600;
  return {
    cookieName: SESSION_COOKIE,
    cookieValue: ctx.sealSession(site.id, clientPrincipal, expiresAt),
    expiresOn: new Date(expiresAt * 1000).toISOString(),
    clientPrincipal,
  };
}
