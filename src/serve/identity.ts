/**
 * Who is signed in to a site served by `portico serve`, and with which roles. Sessions are sealed under a
 * key of the site environment's own, so a cookie of one site, or of a preview, means nothing on another. Custom roles come from the
 * site's users (invitations, `portico users`), read at each request from a directory every node keeps in
 * memory and reloads from the change log, so an update or a removal applies within a poll interval,
 * whatever the cookie was issued with. A site whose config names `auth.rolesSource` keeps the roles its
 * function gave at sign-in instead (spec §2.4: invitation roles are then ignored). A session whose
 * `userId` the site forgot (the user removed, or purged in any browser) reads as nobody, whatever the
 * cookie holds: the next sign-in is a new user.
 */
import {
  acceptInvitation,
  type ControlContext,
  findInvitationProvider,
  getSite,
  identityKey,
  loadForgottenUserIds,
  loadRoleDirectory,
  loadSignedOutSessions,
  purgeUser,
  type RoleDirectory,
  recordSignOut,
  type ServingEntry,
  sessionScope,
} from '../control-plane/index.js';
import {
  type ClientPrincipal,
  createSealedSessionCodec,
  type InvitationOutcome,
  type SessionCodec,
  type SiteIdentity,
} from '../edge/index.js';
import { isUserError } from '../shared/errors.js';
import { hostnameOf } from '../shared/hostname.js';
import { memoize } from '../shared/memo.js';
import type { SignOutQueue } from './sign-outs.js';
import { orUnavailable } from './unavailable.js';

const BUILT_IN_ROLES = ['anonymous', 'authenticated'] as const;
/** Session key generations remembered per site: the current one, the one before and the one ahead. */
const KEPT_GENERATIONS = 3;
/** The custom roles of a user the site has none for (one list, so callers can compare by identity). */
const NO_ROLES: readonly string[] = Object.freeze([]);

/** Every site's custom roles, signed-out sessions and forgotten users, as this node last read them. */
export interface RoleCache {
  /** Custom roles of an identity in a site (none when it is not a user). */
  rolesOf(siteId: string, provider: string, userDetails: string): readonly string[];
  /** True when a session of the site was signed out before it expired. */
  isSignedOut(siteId: string, sessionId: string): boolean;
  /** True when the site forgot a `userId` (user removed, or purged) while its sessions may be alive. */
  isForgotten(siteId: string, userId: string): boolean;
  /** Reads the users and session records of the given sites again (of every site when omitted). */
  reload(siteIds?: readonly string[]): Promise<void>;
}

/** Creates an empty role cache; call `reload()` before serving. */
export function createRoleCache(control: ControlContext): RoleCache {
  let directory: RoleDirectory = new Map();
  let signedOut = new Map<string, Set<string>>();
  let forgotten = new Map<string, Set<string>>();
  return {
    rolesOf: (siteId, provider, userDetails) =>
      directory.get(siteId)?.get(identityKey(provider, userDetails)) ?? NO_ROLES,
    isSignedOut: (siteId, sessionId) => signedOut.get(siteId)?.has(sessionId) ?? false,
    isForgotten: (siteId, userId) => forgotten.get(siteId)?.has(userId) ?? false,
    async reload(siteIds) {
      const [users, sessions, userIds] = await Promise.all([
        loadRoleDirectory(control, siteIds),
        loadSignedOutSessions(control, siteIds),
        loadForgottenUserIds(control, siteIds),
      ]);
      directory = siteIds === undefined ? users : new Map([...directory, ...users]);
      signedOut = siteIds === undefined ? sessions : new Map([...signedOut, ...sessions]);
      forgotten = siteIds === undefined ? userIds : new Map([...forgotten, ...userIds]);
    },
  };
}

/** What a site's sessions are checked against: the role cache and this node's unrecorded sign-outs. */
export interface SessionRecords {
  readonly roles: RoleCache;
  readonly signOuts: SignOutQueue;
}

/**
 * The session codec of one site: sealed under the site's key, with roles from the role cache. A sign-out
 * the database cannot take now is refused by this node at once and recorded later (sign-outs.ts).
 */
export function createSiteSessions(
  control: ControlContext,
  records: SessionRecords,
  entry: ServingEntry,
  rolesFromCookie: boolean,
  applyChanges: () => Promise<void>,
  offers: (identityProvider: string) => boolean = () => true,
): SessionCodec {
  const { roles } = records;
  const codec = withRoles(control, records, entry, rolesFromCookie, applyChanges);
  // A provider the environment no longer offers (removed, or `enabled: false`) ends its sessions: an
  // operator retiring a compromised provider should not wait 8 hours, or end every site's (decision 0073).
  // So does forgetting the user: every browser's session of it ends, not only the one that purged.
  return Object.freeze({
    ...codec,
    read(cookieHeader: string | undefined): ClientPrincipal | null {
      const principal = codec.read(cookieHeader);
      return principal === null ||
        !offers(principal.identityProvider) ||
        roles.isForgotten(entry.siteId, principal.userId)
        ? null
        : principal;
    },
  });
}

function withRoles(
  control: ControlContext,
  { roles, signOuts }: SessionRecords,
  entry: ServingEntry,
  rolesFromCookie: boolean,
  applyChanges: () => Promise<void>,
): SessionCodec {
  const { siteId } = entry;
  const sealed = createSealedSessionCodec({
    key: siteSessionKey(
      control,
      sessionScope(entry.siteId, { id: entry.environmentId, name: entry.environmentName }),
    ),
    signedOut: {
      has: (sessionId) => roles.isSignedOut(siteId, sessionId) || signOuts.has(siteId, sessionId),
      add: (sessionId, expiresAt) =>
        signOuts.add({
          siteId,
          sessionId,
          expiresAt,
          async record() {
            await recordSignOut(control, siteId, sessionId, expiresAt);
            await applyChanges();
          },
        }),
    },
  });
  if (rolesFromCookie) {
    return sealed;
  }
  // The sealed codec returns the same principal for the same cookie, and the role cache the same list
  // until roles change: their merge is remembered per principal, so its header is encoded once too.
  const merged = new WeakMap<ClientPrincipal, { custom: readonly string[]; principal: ClientPrincipal }>();
  return Object.freeze({
    read(cookieHeader: string | undefined): ClientPrincipal | null {
      const principal = sealed.read(cookieHeader);
      if (principal === null) {
        return null;
      }
      const custom = roles.rolesOf(entry.siteId, principal.identityProvider, principal.userDetails);
      const known = merged.get(principal);
      if (known?.custom === custom) {
        return known.principal;
      }
      const userRoles = Object.freeze([...BUILT_IN_ROLES, ...custom]);
      const withRoles = Object.freeze({ ...principal, userRoles });
      merged.set(principal, { custom, principal: withRoles });
      return withRoles;
    },
    issue: sealed.issue,
    clear: sealed.clear,
    signOut: sealed.signOut,
  });
}

/**
 * The keys a site environment's sessions are sealed with (`scope`: control-plane `sessionScope`), one per
 * rotation period (the sealed codec seals under the current one and opens with it and the one before);
 * test sessions minted by the admin API use them too.
 * The codec asks for a key on every read of a cookie: the last few generations' keys are remembered
 * instead of derived again (the service key does not change while the process runs).
 */
export function siteSessionKey(control: ControlContext, scope: string): (generation: number) => Buffer {
  return memoize(KEPT_GENERATIONS, (generation: number) =>
    control.sealer.deriveKey(`sessions:${scope}:${generation}`),
  );
}

/** Invitations and purge for one environment; `applyChanges` makes this node see a change at once. */
export function createSiteIdentity(
  control: ControlContext,
  entry: ServingEntry,
  applyChanges: () => Promise<void>,
): SiteIdentity {
  return {
    invitationProvider: (code, host) =>
      orUnavailable(findInvitationProvider(control, entry.siteId, code, hostnameOf(host))),
    acceptInvitation: (code, principal, host) =>
      orUnavailable(accept(control, entry, applyChanges, code, principal, host)),
    purge: (principal) =>
      orUnavailable(
        (async () => {
          const { identityProvider, userDetails } = principal;
          if (await purgeUser(control, entry.siteId, identityProvider, userDetails)) {
            await applyChanges();
          }
        })(),
      ),
  };
}

/** Takes an invitation's roles for `principal`; a refusal is an outcome, the database's failure throws. */
async function accept(
  control: ControlContext,
  entry: ServingEntry,
  applyChanges: () => Promise<void>,
  code: string,
  principal: ClientPrincipal,
  host: string,
): Promise<InvitationOutcome> {
  try {
    const site = await getSite(control, entry.siteName);
    await acceptInvitation(control, site, code, {
      provider: principal.identityProvider,
      userDetails: principal.userDetails,
      hostname: hostnameOf(host),
    });
  } catch (error) {
    if (isUserError(error)) {
      return error.code === 'CONTROL_USER_LIMIT' ? 'user-limit' : 'invalid';
    }
    throw error;
  }
  await applyChanges();
  return 'accepted';
}
