/** What every control-plane service is built on, passed in once by the composition root. */

import type { ConfineProgram } from '../shared/confine.js';
import type { Kysely } from '../shared/kysely.js';
import type { Logger } from '../shared/logger.js';
import type { BlobStore, Database } from '../storage/index.js';
import type { DomainDns } from './domains/dns.js';
import type { Sealer } from './sealing.js';

/** Dependencies of the control-plane services. */
export interface ControlContext {
  readonly db: Kysely<Database>;
  readonly blobs: BlobStore;
  readonly sealer: Sealer;
  /** Domain of generated host names (`--domain`). */
  readonly domain: string;
  /** Local folder for materialised deployments and installs of this node. */
  readonly workDir: string;
  readonly logger: Logger;
  /** The clock (tests may pin it). */
  readonly now: () => Date;
  /** How long an upload may take from start to commit (default 1 hour; see uploads.ts). */
  readonly uploadExpiryMs?: number;
  /** The public base URL of a host on the data-plane listener (`http://host:port`). */
  readonly publicUrl: (hostname: string) => string;
  /** Problems with app settings (names, reserved prefixes); the functions host's own rules. */
  readonly validateSettings: (settings: Readonly<Record<string, string>>) => string[];
  /**
   * Seals a session cookie value for a site environment (`scope`: see `sessionScope`) in the edge's
   * sealed-cookie format (`expiresAt` in seconds since the epoch). Set by `portico serve`; test sessions
   * cannot be minted without it.
   */
  readonly sealSession?: (scope: string, principal: SessionPrincipal, expiresAt: number) => string;
  /**
   * Writes what this node counted for the traffic history so far (decision 0032), so that a read sees
   * this node's current minute; other nodes write theirs within a minute. Set by `portico serve`.
   */
  readonly flushTraffic?: () => Promise<void>;
  /**
   * Makes this node serve what was just committed and loads the API of the environment at `hostname`:
   * why it does not load (the worker's own message), or the warnings its worker gave (functions and
   * bindings Static Web Apps does not run); undefined when it has none or took too long. Set by `portico
   * serve`; a deploy's answer carries it, so a broken API is told at deploy, not at the first call.
   */
  readonly checkApi?: (hostname: string) => Promise<ApiCheck | undefined>;
  /** DNS lookups of custom domain validation (`--dns-server`); the system resolver when absent. */
  readonly domainDns?: DomainDns;
  /** The service's sandbox for programs run on a tenant's files (npm); they run as the server when absent. */
  readonly confine?: ConfineProgram;
}

/** The principal a session holds (the shape of `/.auth/me`). */
export interface SessionPrincipal {
  readonly identityProvider: string;
  readonly userId: string;
  readonly userDetails: string;
  readonly userRoles: readonly string[];
  readonly claims: readonly { readonly typ: string; readonly val: string }[];
}

/** Prefix of the change-log entries that say a site's users or roles changed (host names have no `:`). */
export const USERS_CHANGE_PREFIX = 'users:';

/** Records that what `hostname` serves changed (or `*`: everything), for every node to reload. */
export async function recordChange(ctx: ControlContext, hostname: string): Promise<void> {
  await ctx.db.insertInto('changes').values({ hostname, at: ctx.now().toISOString() }).execute();
}

/** Records that the users (custom roles) of a site changed, so every node reloads them. */
export async function recordUsersChange(ctx: ControlContext, siteId: string): Promise<void> {
  await recordChange(ctx, `${USERS_CHANGE_PREFIX}${siteId}`);
}

/** What loading a deployed API found: why it does not load, or the warnings of its worker. */
export interface ApiCheck {
  readonly problem?: string;
  readonly warnings?: readonly string[];
}
