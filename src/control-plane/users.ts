/**
 * Role management (spec §2, "Invitations"): invitations tied to a provider and a user, accepted at
 * sign-in; at most 25 users with custom roles per site; roles edited and users removed. A user's id is
 * derived per site from the identity under the service key ({@link userIdFor}), so it is stable for the
 * user's lifetime and differs between sites; every change is written to the change log for all nodes.
 */

import { createHmac, randomBytes } from 'node:crypto';
import { PRECONFIGURED_PROVIDERS } from '../config/index.js';
import { PorticoError } from '../shared/errors.js';
import { sha256Hex } from '../shared/hash.js';
import { sql } from '../shared/kysely.js';
import { clip } from '../shared/quote.js';
import { isBuiltInRole, isRoleName, MAX_CUSTOM_ROLES, ROLE_NAME_RULE } from '../shared/role-names.js';
import { findUserDetailsProblem, USER_DETAILS_RULE } from '../shared/user-details.js';
import type { UsersTable } from '../storage/index.js';
import { type ControlContext, recordUsersChange } from './context.js';
import { isRedirectedTo, listCustomDomains } from './domains/index.js';
import { listRegisteredProviders, liveRolesSource } from './identity-providers.js';
import { PRODUCTION } from './names.js';
import type { Site } from './sites.js';

/** Users with custom roles a site may have through invitations (spec §5). */
export const MAX_INVITED_USERS = 25;
/** Longest invitation validity (spec §2: 168 hours). */
export const MAX_INVITATION_HOURS = 168;
/** Providers an invitation may name (the preconfigured ones and the common custom ones). */
export const INVITATION_PROVIDERS = ['aad', 'github', 'twitter', 'google', 'facebook', 'apple'] as const;

/** A user holding custom roles. */
export interface SiteUser {
  readonly userId: string;
  readonly provider: string;
  readonly userDetails: string;
  readonly roles: readonly string[];
  readonly createdAt: string;
}

function toUser(row: UsersTable): SiteUser {
  return {
    userId: row.user_id,
    provider: row.provider,
    userDetails: row.user_details,
    roles: splitRoles(row.roles),
    createdAt: row.created_at,
  };
}

function splitRoles(text: string): string[] {
  return text
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
}

/**
 * Parses `"a,b"` (or an array) into custom roles, refusing names a route could not name
 * (shared/role-names.ts), the built-in ones, and more than a user may hold.
 */
export function parseRoles(value: unknown): string[] {
  const roles = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? splitRoles(value) : [];
  const bad = roles.filter((r) => !isRoleName(r) || isBuiltInRole(r));
  if (roles.length === 0 || bad.length > 0) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      `roles must be a comma-separated list of custom role names (${ROLE_NAME_RULE}; not anonymous or authenticated)${bad.length > 0 ? `; invalid: ${bad.map((r) => r.slice(0, 80)).join(', ')}` : ''}.`,
    );
  }
  const unique = [...new Set(roles)];
  if (unique.length > MAX_CUSTOM_ROLES) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      `roles names ${unique.length} roles; a user holds at most ${MAX_CUSTOM_ROLES}, as many as staticwebapp.config.json may name.`,
    );
  }
  return unique;
}

/** What an invitation needs. */
export interface InvitationInput {
  readonly provider: string;
  readonly userDetails: string;
  readonly roles: readonly string[];
  readonly hours: number;
  /** The host the link points at (default: the site's default host name). */
  readonly domain?: string;
}

/** Creates an invitation and returns its link and expiry. */
export async function createInvitation(
  ctx: ControlContext,
  site: Site,
  input: InvitationInput,
): Promise<{ invitationUrl: string; expiresOn: string; warnings?: string[] }> {
  const provider = checkProvider(input.provider);
  await checkSiteOffers(ctx, site, provider);
  const userDetails = checkUserDetails(input.userDetails).toLowerCase();
  if (!Number.isInteger(input.hours) || input.hours < 1 || input.hours > MAX_INVITATION_HOURS) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      `numHoursToExpiration must be a whole number of hours from 1 to ${MAX_INVITATION_HOURS}.`,
    );
  }
  await checkUserLimit(ctx, site, provider, userDetails);
  const code = randomBytes(24).toString('base64url');
  const now = ctx.now();
  const expiresOn = new Date(now.getTime() + input.hours * 3_600_000).toISOString();
  const domain = await invitationDomain(ctx, site, input.domain);
  await ctx.db
    .insertInto('invitations')
    .values({
      code_hash: sha256Hex(code),
      site_id: site.id,
      provider,
      user_details: userDetails,
      roles: input.roles.join(','),
      domain,
      expires_at: expiresOn,
      created_at: now.toISOString(),
      accepted_at: null,
    })
    .execute();
  const invitationUrl = `${ctx.publicUrl(domain)}/.auth/invitations/${code}`;
  const rolesSource = await liveRolesSource(ctx, site, PRODUCTION);
  return rolesSource === undefined
    ? { invitationUrl, expiresOn }
    : { invitationUrl, expiresOn, warnings: [rolesIgnoredWarning(site, rolesSource, input.roles)] };
}

/**
 * Why an invitation's roles will not count (spec §2.4: with `auth.rolesSource`, invitation roles are
 * ignored). The invitation is still made, as on Azure; the admin is told rather than left to find a 403.
 */
function rolesIgnoredWarning(site: Site, rolesSource: string, roles: readonly string[]): string {
  return `the roles ${clip(roles.join(','))} will not be given: the production deployment of '${site.name}' names a roles function (auth.rolesSource ${clip(rolesSource)} in staticwebapp.config.json), so its users' roles are the ones that function answers at sign-in and invitation roles are ignored. Give the roles from the roles function, or remove auth.rolesSource and deploy again to use invitations.`;
}

/**
 * The host an invitation's link is on: the site's default host name unless `requested`, which must be
 * that or one of the site's custom domains (Azure: "a domain added to the static app"); a link on any
 * other host could never be accepted.
 */
async function invitationDomain(
  ctx: ControlContext,
  site: Site,
  requested: string | undefined,
): Promise<string> {
  if (requested === undefined) {
    return site.defaultHostname;
  }
  const wanted = requested.trim().toLowerCase().replace(/\.$/, '');
  const own = [site.defaultHostname, ...(await listCustomDomains(ctx, site.name)).map((d) => d.domainName)];
  if (!own.includes(wanted)) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      `domain '${clip(requested)}' is not a domain of the site '${site.name}': use ${own.join(', ')} (add a custom domain first with portico domain add).`,
    );
  }
  return wanted;
}

/**
 * Refuses a provider an environment of the site does not offer (production by default, which is what
 * invitations go by): when the environment's deployment registers providers (`auth.identityProviders`),
 * only those that are enabled (the service's preconfigured ones then do not apply); else the
 * preconfigured ones. An invitation link would otherwise lead to a sign-in page that 404s, and a test
 * session would read as nobody there.
 */
export async function checkSiteOffers(
  ctx: ControlContext,
  site: Site,
  provider: string,
  environmentName: string = PRODUCTION,
): Promise<void> {
  const registered = await listRegisteredProviders(ctx, site, environmentName);
  const deployment = `its ${environmentName === PRODUCTION ? 'production' : `'${environmentName}'`} deployment`;
  if (registered.length === 0) {
    // Without registrations a site signs in with the preconfigured providers only (the others 404).
    if (!PRECONFIGURED_PROVIDERS.includes(provider)) {
      throw new PorticoError(
        'CONTROL_BAD_REQUEST',
        `provider '${clip(provider)}' is not one the site offers: ${deployment} registers no providers, so it has ${PRECONFIGURED_PROVIDERS.join(', ')}. Register ${clip(provider)} in auth.identityProviders of staticwebapp.config.json to use it.`,
      );
    }
    return;
  }
  const offered = registered.filter((p) => p.enabled).map((p) => p.name.toLowerCase());
  if (!offered.includes(provider)) {
    const disabled = registered.some((p) => p.name.toLowerCase() === provider && !p.enabled);
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      `provider '${clip(provider)}' is not one the site offers${disabled ? ' (its config disables it)' : ''}: ${deployment}'s auth.identityProviders offer ${offered.length === 0 ? 'none' : offered.join(', ')}.`,
    );
  }
}

/** A custom provider's URL name (`auth.identityProviders.customOpenIdConnectProviders.<name>`). */
const CUSTOM_PROVIDER = /^[a-z0-9_-]{1,64}$/;

/**
 * A provider invitations and sessions may name, in lower case: a known provider, or the name of a
 * site's custom OpenID Connect provider; otherwise a 400 listing them.
 */
export function checkProvider(provider: string): string {
  const name = provider.toLowerCase();
  if (!(INVITATION_PROVIDERS as readonly string[]).includes(name) && !CUSTOM_PROVIDER.test(name)) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      `provider '${clip(provider)}' is not supported; use one of ${INVITATION_PROVIDERS.join(', ')}, or the name of one of the site's customOpenIdConnectProviders (letters, digits, "-" and "_").`,
    );
  }
  return name;
}

/**
 * The user's name at the provider, trimmed; a 400 when no sign-in could give it (the rule of a signed-in
 * principal: `shared/user-details.ts`), since an invitation for it could never be accepted.
 */
export function checkUserDetails(userDetails: string): string {
  const problem = findUserDetailsProblem(userDetails);
  if (problem !== undefined) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      `userDetails ${problem}: it must name the user as the provider shows them (GitHub user name, or e-mail for aad), in ${USER_DETAILS_RULE}; no sign-in gives any other.`,
    );
  }
  return userDetails.trim();
}

async function checkUserLimit(
  ctx: ControlContext,
  site: Site,
  provider: string,
  userDetails: string,
): Promise<void> {
  const existing = await findUserByIdentity(ctx, site, provider, userDetails);
  if (existing !== undefined) {
    return;
  }
  const { count } = await ctx.db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('site_id', '=', site.id)
    .executeTakeFirstOrThrow();
  if (Number(count) >= MAX_INVITED_USERS) {
    throw new PorticoError(
      'CONTROL_USER_LIMIT',
      `'${site.name}' already has ${MAX_INVITED_USERS} users with custom roles, the most invitations allow. Remove one (portico users remove), or assign roles with an auth.rolesSource function (Standard plan).`,
    );
  }
}

async function findUserByIdentity(
  ctx: ControlContext,
  site: Site,
  provider: string,
  userDetails: string,
): Promise<SiteUser | undefined> {
  const row = await ctx.db
    .selectFrom('users')
    .selectAll()
    .where('site_id', '=', site.id)
    .where('provider', '=', provider)
    .where('user_details', '=', userDetails.toLowerCase())
    .executeTakeFirst();
  return row === undefined ? undefined : toUser(row);
}

/** The stable per-site id of an identity: 32 hex characters, the same on every node. */
export function userIdFor(
  ctx: ControlContext,
  siteId: string,
  provider: string,
  userDetails: string,
  epoch = 0,
): string {
  // Epoch 0 keeps the ids of every identity from before epochs existed.
  const forgotten = epoch === 0 ? '' : `\n${epoch}`;
  return createHmac('sha256', ctx.sealer.deriveKey('user-id'))
    .update(`${siteId}\n${provider.toLowerCase()}\n${userDetails.toLowerCase()}${forgotten}`)
    .digest('hex')
    .slice(0, 32);
}

/** How many times the site forgot the identity (removed or purged); 0 when never. */
export async function identityEpoch(
  ctx: ControlContext,
  siteId: string,
  provider: string,
  userDetails: string,
): Promise<number> {
  const row = await ctx.db
    .selectFrom('identity_epochs')
    .select('epoch')
    .where('site_id', '=', siteId)
    .where('identity', '=', identityKey(provider, userDetails))
    .executeTakeFirst();
  return row?.epoch ?? 0;
}

/**
 * How long a forgotten `userId` is remembered: a session lasts at most 24 hours (the sealed cookie's
 * limit), and a node whose clock runs behind may take one for a little longer.
 */
const FORGOTTEN_USER_ID_KEPT_MS = 48 * 3_600_000;

/**
 * The site forgets the identity: its next `userId` is a new one (spec §2.3), and so is that of the provider
 * accounts that signed in under it (`identity-subjects.ts`). The ids it held are recorded as forgotten,
 * so that every node ends the sessions that carry them (on another browser too), which no sign-in can
 * be given again.
 */
async function forgetIdentity(
  ctx: ControlContext,
  db: ControlContext['db'],
  siteId: string,
  identity: { provider: string; userDetails: string },
): Promise<void> {
  const provider = identity.provider.toLowerCase();
  const userDetails = identity.userDetails.toLowerCase();
  const key = identityKey(provider, userDetails);
  // One after the other: a transaction has one connection.
  const epoch = await db
    .selectFrom('identity_epochs')
    .select('epoch')
    .where('site_id', '=', siteId)
    .where('identity', '=', key)
    .executeTakeFirst();
  const accounts = await db
    .selectFrom('identity_subjects')
    .select('user_id')
    .where('site_id', '=', siteId)
    .where('provider', '=', provider)
    .where('user_details', '=', userDetails)
    .execute();
  const forgotten = new Set([
    userIdFor(ctx, siteId, provider, userDetails, epoch?.epoch ?? 0),
    ...accounts.map((account) => account.user_id),
  ]);
  await db
    .deleteFrom('identity_subjects')
    .where('site_id', '=', siteId)
    .where('provider', '=', provider)
    .where('user_details', '=', userDetails)
    .execute();
  await db
    .insertInto('identity_epochs')
    .values({ site_id: siteId, identity: key, epoch: 1 })
    .onConflict((oc) =>
      oc.columns(['site_id', 'identity']).doUpdateSet({ epoch: sql<number>`identity_epochs.epoch + 1` }),
    )
    .execute();
  await recordForgottenUserIds(ctx, db, siteId, [...forgotten]);
}

/** Records `userIds` as forgotten, dropping the site's records that no live session can need any more. */
async function recordForgottenUserIds(
  ctx: ControlContext,
  db: ControlContext['db'],
  siteId: string,
  userIds: readonly string[],
): Promise<void> {
  const now = ctx.now().getTime();
  await db
    .deleteFrom('forgotten_user_ids')
    .where('site_id', '=', siteId)
    .where('expires_at', '<=', new Date(now).toISOString())
    .execute();
  const expiresAt = new Date(now + FORGOTTEN_USER_ID_KEPT_MS).toISOString();
  await db
    .insertInto('forgotten_user_ids')
    .values(userIds.map((userId) => ({ site_id: siteId, user_id: userId, expires_at: expiresAt })))
    .onConflict((oc) => oc.columns(['site_id', 'user_id']).doUpdateSet({ expires_at: expiresAt }))
    .execute();
}

/** The `userId`s the given sites (every site when omitted) forgot within a session's lifetime. */
export async function loadForgottenUserIds(
  ctx: ControlContext,
  siteIds?: readonly string[],
): Promise<Map<string, Set<string>>> {
  if (siteIds !== undefined && siteIds.length === 0) {
    return new Map();
  }
  let query = ctx.db
    .selectFrom('forgotten_user_ids')
    .select(['site_id', 'user_id'])
    .where('expires_at', '>', ctx.now().toISOString());
  if (siteIds !== undefined) {
    query = query.where('site_id', 'in', siteIds);
  }
  return idsBySite(await query.execute(), (row) => row.user_id, siteIds);
}

/**
 * `rows` as a set of ids per site, with an empty set for each of `siteIds` that has none (so a site whose
 * last row went is told so).
 */
export function idsBySite<Row extends { site_id: string }>(
  rows: readonly Row[],
  idOf: (row: Row) => string,
  siteIds?: readonly string[],
): Map<string, Set<string>> {
  const bySite = new Map<string, Set<string>>(siteIds?.map((id) => [id, new Set<string>()]));
  for (const row of rows) {
    const ids = bySite.get(row.site_id) ?? new Set<string>();
    ids.add(idOf(row));
    bySite.set(row.site_id, ids);
  }
  return bySite;
}

/** The provider named by a usable (known, unused, unexpired) invitation of a site, else undefined. */
export async function findInvitationProvider(
  ctx: ControlContext,
  siteId: string,
  code: string,
  hostname?: string,
): Promise<string | undefined> {
  const invitation = await ctx.db
    .selectFrom('invitations')
    .select(['provider', 'domain', 'expires_at', 'accepted_at'])
    .where('code_hash', '=', sha256Hex(code))
    .where('site_id', '=', siteId)
    .executeTakeFirst();
  const usable =
    invitation !== undefined &&
    invitation.accepted_at === null &&
    invitation.expires_at > ctx.now().toISOString() &&
    (await onItsDomain(ctx, siteId, invitation, hostname));
  return usable ? invitation.provider : undefined;
}

/** An invitation not accepted yet: the roles its link grants, the host it works on, until when. */
export interface PendingInvitation {
  readonly roles: readonly string[];
  readonly domain: string;
  readonly expiresOn: string;
}

/**
 * The usable invitations of an identity, newest first: their roles are the user's only once a link is
 * opened signed in as that identity (as on Azure), which a test session alone does not do.
 */
export async function listPendingInvitations(
  ctx: ControlContext,
  site: Site,
  provider: string,
  userDetails: string,
): Promise<PendingInvitation[]> {
  const rows = await ctx.db
    .selectFrom('invitations')
    .select(['roles', 'domain', 'expires_at'])
    .where('site_id', '=', site.id)
    .where('provider', '=', provider.toLowerCase())
    .where('user_details', '=', userDetails.toLowerCase())
    .where('accepted_at', 'is', null)
    .where('expires_at', '>', ctx.now().toISOString())
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((row) => ({ roles: splitRoles(row.roles), domain: row.domain, expiresOn: row.expires_at }));
}

/**
 * True when a link is opened on the host its invitation names (spec §2.4: an invitation is tied to one
 * domain), or when no host is given (the control plane's own callers). A custom domain that is not the
 * site's default answers 301 to the default one, link included, so the link works there too: both serve
 * the same site's production, and the invitation is the site's own (decision 0124). Another site, a
 * preview environment or the generated host name still answer 400.
 */
async function onItsDomain(
  ctx: ControlContext,
  siteId: string,
  invitation: { readonly domain: string },
  hostname: string | undefined,
): Promise<boolean> {
  return (
    hostname === undefined ||
    invitation.domain.toLowerCase() === hostname.toLowerCase() ||
    (await isRedirectedTo(ctx, siteId, invitation.domain, hostname))
  );
}

/**
 * Accepts an invitation for the signed-in identity; a wrong, used or expired link, or one opened on
 * another host than its domain (`identity.hostname`), is a 400.
 */
export async function acceptInvitation(
  ctx: ControlContext,
  site: Site,
  code: string,
  identity: { provider: string; userDetails: string; hostname?: string },
): Promise<SiteUser> {
  const now = ctx.now().toISOString();
  const invitation = await ctx.db
    .selectFrom('invitations')
    .selectAll()
    .where('code_hash', '=', sha256Hex(code))
    .where('site_id', '=', site.id)
    .executeTakeFirst();
  const matches =
    invitation !== undefined &&
    invitation.accepted_at === null &&
    invitation.expires_at > now &&
    (await onItsDomain(ctx, site.id, invitation, identity.hostname)) &&
    invitation.provider === identity.provider.toLowerCase() &&
    invitation.user_details === identity.userDetails.toLowerCase();
  if (!matches) {
    throw new PorticoError(
      'CONTROL_INVITATION_INVALID',
      'This invitation link is invalid, expired, already used, or meant for another user or provider.',
    );
  }
  await checkUserLimit(ctx, site, invitation.provider, invitation.user_details);
  const user = await upsertUser(
    ctx,
    site,
    invitation.provider,
    invitation.user_details,
    splitRoles(invitation.roles),
  );
  await ctx.db
    .updateTable('invitations')
    .set({ accepted_at: now })
    .where('code_hash', '=', invitation.code_hash)
    .execute();
  await recordUsersChange(ctx, site.id);
  return user;
}

async function upsertUser(
  ctx: ControlContext,
  site: Site,
  provider: string,
  userDetails: string,
  roles: readonly string[],
): Promise<SiteUser> {
  const existing = await findUserByIdentity(ctx, site, provider, userDetails);
  if (existing !== undefined) {
    await ctx.db
      .updateTable('users')
      .set({ roles: roles.join(',') })
      .where('site_id', '=', site.id)
      .where('user_id', '=', existing.userId)
      .execute();
    return { ...existing, roles };
  }
  const row: UsersTable = {
    site_id: site.id,
    user_id: userIdFor(
      ctx,
      site.id,
      provider,
      userDetails,
      await identityEpoch(ctx, site.id, provider, userDetails),
    ),
    provider,
    user_details: userDetails,
    roles: roles.join(','),
    created_at: ctx.now().toISOString(),
  };
  await ctx.db.insertInto('users').values(row).execute();
  return toUser(row);
}

/** Users of a site, optionally of one provider (`all` for every one). */
export async function listUsers(ctx: ControlContext, site: Site, provider = 'all'): Promise<SiteUser[]> {
  let query = ctx.db.selectFrom('users').selectAll().where('site_id', '=', site.id);
  if (provider !== 'all') {
    query = query.where('provider', '=', provider.toLowerCase());
  }
  return (await query.orderBy('created_at').execute()).map(toUser);
}

/** The user `userId` of a site, or a 404. */
async function getUser(ctx: ControlContext, site: Site, provider: string, userId: string): Promise<SiteUser> {
  const user = (await listUsers(ctx, site, provider)).find((u) => u.userId === userId);
  if (user === undefined) {
    throw new PorticoError('CONTROL_USER_NOT_FOUND', `'${site.name}' has no ${provider} user ${userId}.`, {
      remedy: { kind: 'list-users', site: site.name },
    });
  }
  return user;
}

/** Replaces the custom roles of a user. */
export async function updateUserRoles(
  ctx: ControlContext,
  site: Site,
  provider: string,
  userId: string,
  roles: readonly string[],
): Promise<SiteUser> {
  const user = await getUser(ctx, site, provider, userId);
  await ctx.db
    .updateTable('users')
    .set({ roles: roles.join(',') })
    .where('site_id', '=', site.id)
    .where('user_id', '=', userId)
    .execute();
  await recordUsersChange(ctx, site.id);
  return { ...user, roles };
}

/** Removes a user's custom roles (a later invitation may give them again). */
export async function removeUser(
  ctx: ControlContext,
  site: Site,
  provider: string,
  userId: string,
): Promise<void> {
  const user = await getUser(ctx, site, provider, userId);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('users').where('site_id', '=', site.id).where('user_id', '=', userId).execute();
    await forgetIdentity(ctx, trx, site.id, user);
  });
  await recordUsersChange(ctx, site.id);
}

/**
 * Forgets what a site keeps of an identity (`/.auth/purge`): its custom roles, and its `userId` (the next
 * sign-in is a new user). True: every node must reload the site's users.
 */
export async function purgeUser(
  ctx: ControlContext,
  siteId: string,
  provider: string,
  userDetails: string,
): Promise<boolean> {
  // The site forgets the identity whether or not it held roles: signing in again makes a new user.
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('users')
      .where('site_id', '=', siteId)
      .where('provider', '=', provider.toLowerCase())
      .where('user_details', '=', userDetails.toLowerCase())
      .execute();
    await forgetIdentity(ctx, trx, siteId, { provider, userDetails });
  });
  await recordUsersChange(ctx, siteId);
  return true;
}

/** Custom roles by site id, then by `<provider>\n<userDetails>` (lower case), for the data plane. */
export type RoleDirectory = Map<string, Map<string, readonly string[]>>;

/** The custom roles of every user of the given sites (every site when omitted). */
export async function loadRoleDirectory(
  ctx: ControlContext,
  siteIds?: readonly string[],
): Promise<RoleDirectory> {
  let query = ctx.db.selectFrom('users').select(['site_id', 'provider', 'user_details', 'roles']);
  if (siteIds !== undefined) {
    if (siteIds.length === 0) {
      return new Map();
    }
    query = query.where('site_id', 'in', siteIds);
  }
  return bySite(await query.execute(), siteIds, (row) => [
    identityKey(row.provider, row.user_details),
    // Roles stored before names had one rule (`team-a`, `Anonymous`) are not given: no route names them.
    splitRoles(row.roles).filter((role) => isRoleName(role) && !isBuiltInRole(role)),
  ]);
}

/**
 * `rows` of several sites as one map per site (each of `siteIds` present, empty when it has no row),
 * keyed and valued by `entry`.
 */
function bySite<R extends { readonly site_id: string }, V>(
  rows: readonly R[],
  siteIds: readonly string[] | undefined,
  entry: (row: R) => readonly [string, V],
): Map<string, Map<string, V>> {
  const sites = new Map<string, Map<string, V>>(siteIds?.map((id) => [id, new Map()]));
  for (const row of rows) {
    const site = sites.get(row.site_id) ?? new Map<string, V>();
    site.set(...entry(row));
    sites.set(row.site_id, site);
  }
  return sites;
}

/** The key of an identity in a {@link RoleDirectory}. */
export function identityKey(provider: string, userDetails: string): string {
  return `${provider.toLowerCase()}\n${userDetails.toLowerCase()}`;
}

/** The roles a signed-in identity holds in a site through invitations (none when not a user). */
export async function resolveUserRoles(
  ctx: ControlContext,
  site: Site,
  provider: string,
  userDetails: string,
): Promise<SiteUser | undefined> {
  return findUserByIdentity(ctx, site, provider, userDetails);
}
