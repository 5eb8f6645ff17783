/**
 * Sessions kept by the control plane: test sessions an operator mints for an identity with the admin
 * token (CLI `portico users session`), to try role-protected routes and invitation links from scripts
 * (the cookie is the one a sign-in would set: sealed under the environment's own key, so it works on
 * that environment only); and sessions signed out before they expired, which every node refuses from
 * then on.
 */
import { PorticoError } from '../shared/errors.js';
import { type ControlContext, recordUsersChange, type SessionPrincipal } from './context.js';
import { getEnvironment } from './environments.js';
import { PRODUCTION } from './names.js';
import type { Site } from './sites.js';
import {
  checkProvider,
  checkSiteOffers,
  checkUserDetails,
  identityEpoch,
  idsBySite,
  listPendingInvitations,
  type PendingInvitation,
  resolveUserRoles,
  userIdFor,
} from './users.js';

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
  /**
   * The identity's invitations not accepted yet: their roles are not in this session until one's link
   * is opened with it (a production session, on the link's host).
   */
  readonly pendingInvitations: readonly PendingInvitation[];
}

/**
 * What a site environment's session keys are derived from: a session of one environment means nothing
 * on another, since a preview may run other code (its own roles function, its own identity providers)
 * than production. Production keeps the site's own name, so its sessions from before stay valid.
 */
export function sessionScope(siteId: string, environment: { readonly id: string; readonly name: string }) {
  return environment.name === PRODUCTION ? siteId : `${siteId}:environment:${environment.id}`;
}

/**
 * Mints a session for `provider`/`userDetails` on an environment of a site (production when none is
 * named), holding the roles the site gives that user; a provider that environment does not offer is a
 * 400, as for invitations.
 */
export async function mintTestSession(
  ctx: ControlContext,
  site: Site,
  input: { provider: string; userDetails: string; hours: number; environment?: string },
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
  const environment = await getEnvironment(ctx, site, input.environment ?? PRODUCTION);
  // The edge reads a session of a provider the environment does not offer as nobody.
  await checkSiteOffers(ctx, site, provider, environment.name);
  const roles = (await resolveUserRoles(ctx, site, provider, userDetails))?.roles;
  const clientPrincipal: SessionPrincipal = {
    identityProvider: provider,
    userId: userIdFor(
      ctx,
      site.id,
      provider,
      userDetails,
      await identityEpoch(ctx, site.id, provider, userDetails),
    ),
    userDetails,
    userRoles: ['anonymous', 'authenticated', ...(roles ?? [])],
    claims: [],
  };
  const expiresAt = Math.floor(ctx.now().getTime() / 1000) + input.hours * 3600;
  return {
    cookieName: SESSION_COOKIE,
    cookieValue: ctx.sealSession(sessionScope(site.id, environment), clientPrincipal, expiresAt),
    expiresOn: new Date(expiresAt * 1000).toISOString(),
    clientPrincipal,
    pendingInvitations: await listPendingInvitations(ctx, site, provider, userDetails),
  };
}

/**
 * Records that a session was signed out before `expiresAt` (seconds since the epoch), dropping the
 * site's records of sessions that have expired anyway, and tells every node (as a change of the site's
 * users, which nodes reload together with these records).
 */
export async function recordSignOut(
  ctx: ControlContext,
  siteId: string,
  sessionId: string,
  expiresAt: number,
): Promise<void> {
  const now = ctx.now().toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('signed_out_sessions')
      .where('site_id', '=', siteId)
      .where('expires_at', '<=', now)
      .execute();
    await trx
      .insertInto('signed_out_sessions')
      .values({
        session_id: sessionId,
        site_id: siteId,
        expires_at: new Date(expiresAt * 1000).toISOString(),
      })
      .onConflict((conflict) => conflict.column('session_id').doNothing())
      .execute();
  });
  await recordUsersChange(ctx, siteId);
}

/** The unexpired signed-out session ids of the given sites (of every site when omitted). */
export async function loadSignedOutSessions(
  ctx: ControlContext,
  siteIds?: readonly string[],
): Promise<Map<string, Set<string>>> {
  if (siteIds !== undefined && siteIds.length === 0) {
    return new Map();
  }
  let query = ctx.db
    .selectFrom('signed_out_sessions')
    .select(['site_id', 'session_id'])
    .where('expires_at', '>', ctx.now().toISOString());
  if (siteIds !== undefined) {
    query = query.where('site_id', 'in', siteIds);
  }
  return idsBySite(await query.execute(), (row) => row.session_id, siteIds);
}
