/**
 * Static sites: create, read, list, delete, change plan, and the deployment token (spec §5–6).
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { PorticoError } from '../shared/errors.js';
import { sha256Hex } from '../shared/hash.js';
import { quoteValue } from '../shared/quote.js';
import type { SitesTable } from '../storage/index.js';
import { type ControlContext, recordChange } from './context.js';
import { DOMAINS_CHANGE_PREFIX } from './domains/names.js';
import { checkSiteName, createHostLabel, environmentHostname, PRODUCTION } from './names.js';

/** A plan, as Azure's `sku.name` spells it. */
export type Sku = 'Free' | 'Standard';

/** A site as the services hand it around. */
export interface Site {
  readonly id: string;
  readonly name: string;
  readonly sku: Sku;
  readonly hostLabel: string;
  readonly defaultHostname: string;
  readonly createdAt: string;
  /** Azure tags (names to values), as the last PUT or PATCH that gave them set them. */
  readonly tags: Readonly<Record<string, string>>;
}

/** Parses `free`/`Free`/`standard`/`Standard`. */
export function parseSku(value: unknown): Sku {
  const text = typeof value === 'string' ? value.toLowerCase() : '';
  if (text === 'free') {
    return 'Free';
  }
  if (text === 'standard') {
    return 'Standard';
  }
  throw new PorticoError(
    'CONTROL_PLAN_INVALID',
    `The plan ${quoteValue(value)} is unknown: use Free or Standard.`,
  );
}

function toSite(row: SitesTable, domain: string): Site {
  return {
    id: row.id,
    name: row.name,
    sku: row.sku,
    hostLabel: row.host_label,
    defaultHostname: environmentHostname(row.host_label, PRODUCTION, domain),
    createdAt: row.created_at,
    tags: row.tags === null ? {} : (JSON.parse(row.tags) as Record<string, string>),
  };
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Creates a site with its production environment and a deployment token. */
export async function createSite(
  ctx: ControlContext,
  spelled: string,
  sku: Sku,
  tags: Readonly<Record<string, string>> = {},
): Promise<{ site: Site; token: string }> {
  // Azure matches resource names without case; Portico stores them in lower case (`Blog` is `blog`).
  const name = checkSiteName(spelled);
  if ((await findSite(ctx, name)) !== undefined) {
    throw new PorticoError(
      'CONTROL_SITE_EXISTS',
      `A static site named '${name}' exists already; pick another name.`,
    );
  }
  const token = newToken();
  const now = ctx.now().toISOString();
  const row: SitesTable = {
    id: randomUUID(),
    name,
    sku,
    host_label: await freeHostLabel(ctx),
    deployment_token_hash: sha256Hex(token),
    deployment_token_sealed: ctx.sealer.seal(token),
    created_at: now,
    tags: tagsColumn(tags),
  };
  const hostname = environmentHostname(row.host_label, PRODUCTION, ctx.domain);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('sites').values(row).execute();
    await trx
      .insertInto('environments')
      .values({
        id: randomUUID(),
        site_id: row.id,
        name: PRODUCTION,
        hostname,
        active_deployment_id: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
  });
  await recordChange(ctx, hostname);
  return { site: toSite(row, ctx.domain), token };
}

async function freeHostLabel(ctx: ControlContext): Promise<string> {
  for (;;) {
    const label = createHostLabel();
    const taken = await ctx.db
      .selectFrom('sites')
      .select('id')
      .where('host_label', '=', label)
      .executeTakeFirst();
    if (taken === undefined) {
      return label;
    }
  }
}

/** The site named `name`, or undefined. */
export async function findSite(ctx: ControlContext, name: string): Promise<Site | undefined> {
  // Names are stored in lower case; Azure resource names match without case.
  const row = await ctx.db
    .selectFrom('sites')
    .selectAll()
    .where('name', '=', name.toLowerCase())
    .executeTakeFirst();
  return row === undefined ? undefined : toSite(row, ctx.domain);
}

/** The site named `name`; a 404 user error when there is none. */
export async function getSite(ctx: ControlContext, name: string): Promise<Site> {
  const site = await findSite(ctx, name);
  if (site === undefined) {
    throw new PorticoError('CONTROL_SITE_NOT_FOUND', `No static site named '${name}'.`, {
      remedy: { kind: 'list-sites' },
    });
  }
  return site;
}

/** Every site, by name. */
export async function listSites(ctx: ControlContext): Promise<Site[]> {
  const rows = await ctx.db.selectFrom('sites').selectAll().orderBy('name').execute();
  return rows.map((row) => toSite(row, ctx.domain));
}

/** Deletes a site and everything of it (environments, deployments, settings, users, invitations, domains and their certificates). */
export async function deleteSite(ctx: ControlContext, name: string): Promise<void> {
  const site = await getSite(ctx, name);
  const hosts = await environmentHostsOf(ctx, site.id);
  const domains = await ctx.db
    .selectFrom('custom_domains')
    .select('domain_name')
    .where('site_id', '=', site.id)
    .execute();
  const names = domains.map((domain) => domain.domain_name);
  await ctx.db.transaction().execute(async (trx) => {
    // Certificates are kept by host name, not by site: a site that adds the name next must not get them.
    if (names.length > 0) {
      await trx.deleteFrom('certificates').where('hostname', 'in', names).execute();
    }
    // Environments, deployments, settings, users, invitations and domains go with it (ON DELETE CASCADE).
    await trx.deleteFrom('sites').where('id', '=', site.id).execute();
    // The sign-in records (provider accounts with their e-mail or name, epochs) have no foreign key: this
    // site's go, and any a node of an older version left when it deleted a site during a rolling upgrade.
    for (const table of ['identity_subjects', 'identity_epochs'] as const) {
      await trx.deleteFrom(table).where('site_id', 'not in', trx.selectFrom('sites').select('id')).execute();
    }
  });
  for (const hostname of hosts) {
    await recordChange(ctx, hostname);
  }
  for (const name of names) {
    await recordChange(ctx, `${DOMAINS_CHANGE_PREFIX}${name}`);
  }
}

/** The host names of a site's environments (production and the others). */
async function environmentHostsOf(ctx: ControlContext, siteId: string): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom('environments')
    .select('hostname')
    .where('site_id', '=', siteId)
    .execute();
  return rows.map((row) => row.hostname);
}

/** Changes the plan; `blockers` lists the Standard-only features in use (a downgrade is refused then). */
export async function setSku(
  ctx: ControlContext,
  name: string,
  sku: Sku,
  blockers: readonly string[],
): Promise<Site> {
  const site = await getSite(ctx, name);
  if (sku === 'Free' && site.sku === 'Standard' && blockers.length > 0) {
    throw new PorticoError(
      'CONTROL_PLAN_DOWNGRADE_BLOCKED',
      `The site '${name}' cannot move to the Free plan while it uses Standard-only features: ${blockers.join('; ')}. Remove them (and redeploy) first.`,
    );
  }
  await ctx.db.updateTable('sites').set({ sku }).where('id', '=', site.id).execute();
  // This site's environments only (each checks its config against the plan again): a change of every
  // host would rebuild every tenant's environments and cut their linked /api calls (decision 0118).
  for (const hostname of await environmentHostsOf(ctx, site.id)) {
    await recordChange(ctx, hostname);
  }
  return { ...site, sku };
}

/** Replaces the Azure tags of a site (checked by the caller: {@link checkTags}). */
export async function setTags(
  ctx: ControlContext,
  site: Site,
  tags: Readonly<Record<string, string>>,
): Promise<Site> {
  await ctx.db
    .updateTable('sites')
    .set({ tags: tagsColumn(tags) })
    .where('id', '=', site.id)
    .execute();
  return { ...site, tags };
}

function tagsColumn(tags: Readonly<Record<string, string>>): string | null {
  return Object.keys(tags).length === 0 ? null : JSON.stringify(tags);
}

const MAX_TAGS = 50;
const TAG_NAME_FORBIDDEN = /[<>%&\\?/]/;

/**
 * Checks Azure tags as Azure Resource Manager does: an object of at most 50 names (1–512 characters,
 * none of `< > % & \ ? /`) to string values of at most 256 characters.
 */
export function checkTags(value: unknown): Record<string, string> {
  const bad = (why: string) =>
    new PorticoError('CONTROL_BAD_REQUEST', `tags ${why}; tags are an object of names to string values.`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad(`must be an object, got ${quoteValue(value)}`);
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_TAGS) {
    throw bad(`hold ${entries.length} names, more than the ${MAX_TAGS} a resource may have`);
  }
  for (const [name, tag] of entries) {
    if (name.length === 0 || name.length > 512 || TAG_NAME_FORBIDDEN.test(name)) {
      throw bad(`name ${quoteValue(name)} is invalid: use 1 to 512 characters, none of < > % & \\ ? /`);
    }
    if (typeof tag !== 'string' || tag.length > 256) {
      throw bad(`value of ${quoteValue(name)} must be a string of at most 256 characters`);
    }
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** The current deployment token of a site. */
export async function readDeploymentToken(ctx: ControlContext, name: string): Promise<string> {
  const site = await getSite(ctx, name);
  const row = await ctx.db
    .selectFrom('sites')
    .select('deployment_token_sealed')
    .where('id', '=', site.id)
    .executeTakeFirstOrThrow();
  return ctx.sealer.unseal(row.deployment_token_sealed);
}

/** Replaces the deployment token; the old one stops working at once. */
export async function resetDeploymentToken(ctx: ControlContext, name: string): Promise<string> {
  const site = await getSite(ctx, name);
  const token = newToken();
  await ctx.db
    .updateTable('sites')
    .set({ deployment_token_hash: sha256Hex(token), deployment_token_sealed: ctx.sealer.seal(token) })
    .where('id', '=', site.id)
    .execute();
  return token;
}

/** The site a deployment token belongs to; a 401 user error for a wrong, reset or missing token. */
export async function authenticateDeploymentToken(
  ctx: ControlContext,
  token: string | undefined,
): Promise<Site> {
  const invalid = new PorticoError(
    'DEPLOY_TOKEN_INVALID',
    'The deployment token is missing, wrong or was reset. Get the current one with portico site token <name> (REST: POST …/staticSites/<name>/listSecrets), or make a new one with portico site reset-token <name>.',
  );
  if (token === undefined || token === '') {
    throw invalid;
  }
  const hash = sha256Hex(token);
  const row = await ctx.db
    .selectFrom('sites')
    .selectAll()
    .where('deployment_token_hash', '=', hash)
    .executeTakeFirst();
  // The lookup is by hash; the comparison of the stored hash is constant-time all the same.
  if (row === undefined || !timingSafeEqual(Buffer.from(row.deployment_token_hash), Buffer.from(hash))) {
    throw invalid;
  }
  return toSite(row, ctx.domain);
}
