/**
 * Custom domains of sites (Azure's `staticSites/customDomains`): add with a validation method, check
 * DNS, list, show, delete, re-validate periodically. A domain serves the site's production environment
 * once `Ready`. Every change is recorded as `domains:<name>` for every node to reload.
 */
import { randomBytes } from 'node:crypto';
import { PorticoError } from '../../shared/errors.js';
import { clip } from '../../shared/quote.js';
import type { CustomDomainsTable } from '../../storage/index.js';
import { type ControlContext, recordChange } from '../context.js';
import { getSite, type Site, type Sku } from '../sites.js';
import { createDomainDns } from './dns.js';
import {
  DOMAINS_CHANGE_PREFIX,
  lookupDomainName,
  normalizeDomainName,
  parseValidationMethod,
  type ValidationMethod,
} from './names.js';
import { type CheckOutcome, checkDomain } from './validation.js';

/** Custom domains per site, by plan (Azure's quotas). */
export const DOMAIN_LIMITS: Readonly<Record<Sku, number>> = { Free: 2, Standard: 5 };

/** How long a domain may stay `Validating` before it fails (Azure's TXT token lives 7 days). */
const VALIDATION_WINDOW_MS = 7 * 24 * 60 * 60_000;

/** How often a `Ready` domain's records are checked again. */
export const REVALIDATE_MS = 60 * 60_000;

/** A custom domain as the services hand it around. */
export interface CustomDomain {
  readonly domainName: string;
  readonly siteId: string;
  readonly validationMethod: ValidationMethod;
  readonly validationToken: string;
  readonly status: 'Validating' | 'Ready' | 'Failed';
  readonly errorMessage: string | null;
  readonly isDefault: boolean;
  readonly createdOn: string;
}

/** What a PUT asks for. */
export interface DomainRequest {
  readonly validationMethod?: unknown;
  readonly isDefault?: unknown;
}

function toDomain(row: CustomDomainsTable): CustomDomain {
  return {
    domainName: row.domain_name,
    siteId: row.site_id,
    validationMethod: row.validation_method,
    validationToken: row.validation_token,
    status: row.status,
    errorMessage: row.error_message,
    isDefault: row.is_default === 1,
    createdOn: row.created_at,
  };
}

/**
 * Adds (or re-validates) a custom domain of a site and checks its DNS once at once: `Ready` when the
 * records are right, `Failed` when they point elsewhere, `Validating` while they are missing.
 */
export async function putCustomDomain(
  ctx: ControlContext,
  siteName: string,
  rawName: string,
  request: DomainRequest,
): Promise<CustomDomain> {
  const { site, name, existing, method } = await checkDomainRequest(ctx, siteName, rawName, request);
  const row: CustomDomainsTable = {
    domain_name: name,
    site_id: site.id,
    validation_method: method,
    validation_token: existing?.validation_token ?? randomBytes(16).toString('hex'),
    // A ready domain checked again the same way stays served until the check says otherwise (a lookup
    // that gets no answer changes nothing); anything else is validated from the start.
    status: existing?.status === 'Ready' && existing.validation_method === method ? 'Ready' : 'Validating',
    error_message: null,
    is_default: request.isDefault === true ? 1 : (existing?.is_default ?? 0),
    // A PUT of a domain the site has is an update (validated again): it was added when it was first added.
    created_at: existing?.created_at ?? ctx.now().toISOString(),
    checked_at: null,
    certificate_error: null,
    certificate_attempt_at: null,
  };
  await saveDomain(ctx, row, existing !== undefined);
  const checked = await revalidate(ctx, toDomain(row), site);
  if (existing !== undefined || row.is_default === 1) {
    // Its status or default flag may have changed from what the nodes serve, or the site's other domains
    // may have lost theirs.
    await recordChange(ctx, `${DOMAINS_CHANGE_PREFIX}${name}`);
  }
  if (checked === undefined) {
    throw deletedWhileChecked(name, site);
  }
  return checked;
}

/** What a PUT of a domain would do, once its checks pass. */
interface CheckedRequest {
  readonly site: Site;
  readonly name: string;
  readonly existing: CustomDomainsTable | undefined;
  readonly method: ValidationMethod;
}

/**
 * The checks of a PUT, in its order: the site, the name (syntax, wildcard, the service's own names; not
 * for a domain the site has stored already), the
 * validation method, another site's domain (409), the plan's limit (for a domain the site does not have).
 */
async function checkDomainRequest(
  ctx: ControlContext,
  siteName: string,
  rawName: string,
  request: DomainRequest,
): Promise<CheckedRequest> {
  const site = await getSite(ctx, siteName);
  const stored = await findDomainRow(ctx, lookupDomainName(rawName));
  // A domain of this site stored before Unicode and xn-- names were refused (or under other rules) is
  // checked again, made the default or deleted as it is stored; only new names must pass today's rules.
  const name =
    stored !== undefined && stored.site_id === site.id
      ? stored.domain_name
      : normalizeDomainName(rawName, ctx.domain);
  const existing = stored?.domain_name === name ? stored : await findDomainRow(ctx, name);
  // Added again without a method: checked again the way it was validated.
  const method = parseValidationMethod(request.validationMethod ?? existing?.validation_method, name);
  if (existing !== undefined && existing.site_id !== site.id) {
    const holder = (await findSiteNameById(ctx, existing.site_id)) ?? '<other>';
    throw new PorticoError(
      'CONTROL_DOMAIN_IN_USE',
      `The custom domain ${name} belongs to another site, '${holder}'.`,
      { remedy: { kind: 'delete-domain', site: holder, domain: name } },
    );
  }
  if (existing === undefined) {
    await checkLimit(ctx, site);
  }
  return { site, name, existing, method };
}

/**
 * Azure's `validateCustomDomainCanBeAddedToStaticSite`: the PUT's checks, saving nothing, and for
 * `cname-delegation` (or a TXT token the domain already has) one DNS lookup: a record that points
 * elsewhere, which would make the domain `Failed` at once, is refused. A missing record is not (the PUT
 * keeps such a domain `Validating` until it appears), nor a lookup that gets no answer. Decision 0091.
 */
export async function validateCustomDomain(
  ctx: ControlContext,
  siteName: string,
  rawName: string,
  request: DomainRequest,
): Promise<void> {
  const { site, name, existing, method } = await checkDomainRequest(ctx, siteName, rawName, request);
  if (method === 'dns-txt-token' && existing === undefined) {
    return; // its token is made by the PUT: no record can hold it yet
  }
  const dns = ctx.domainDns ?? createDomainDns();
  const outcome = await checkDomain(dns, {
    domainName: name,
    validationMethod: method,
    validationToken: existing?.validation_token ?? '',
    target: site.defaultHostname,
  });
  if (outcome.result === 'wrong') {
    throw new PorticoError(
      'CONTROL_DOMAIN_RECORD_WRONG',
      `The custom domain ${name} cannot be validated for '${site.name}': ${outcome.reason}.`,
    );
  }
}

/**
 * A DELETE (or a DELETE and another site's PUT) that ran while this PUT checked DNS won: the verdict was
 * not stored (it is stored only over the row judged), so echoing it would show a domain a GET says is
 * gone. 409 `STORAGE_CONFLICT`, as any write that lost a race (read again, then send again if it still
 * matters), rather than a 404 to a PUT, which creates: the domain was there when the PUT began.
 */
function deletedWhileChecked(name: string, site: Site): PorticoError {
  return new PorticoError(
    'STORAGE_CONFLICT',
    `The custom domain ${name} was deleted by another request while this one checked its DNS records, so it was not added to '${site.name}'. Run portico domain list --site ${site.name} to see the domains it has; add it again if it is still wanted.`,
  );
}

async function saveDomain(ctx: ControlContext, row: CustomDomainsTable, exists: boolean): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    if (row.is_default === 1) {
      await trx
        .updateTable('custom_domains')
        .set({ is_default: 0 })
        .where('site_id', '=', row.site_id)
        .execute();
    }
    if (exists) {
      await trx.updateTable('custom_domains').set(row).where('domain_name', '=', row.domain_name).execute();
    } else {
      await trx.insertInto('custom_domains').values(row).execute();
    }
  });
}

async function checkLimit(ctx: ControlContext, site: Site): Promise<void> {
  const row = await ctx.db
    .selectFrom('custom_domains')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('site_id', '=', site.id)
    .executeTakeFirst();
  const limit = DOMAIN_LIMITS[site.sku];
  if (Number(row?.count ?? 0) >= limit) {
    const problem = `The ${site.sku} plan allows ${limit} custom domains per site and '${site.name}' has them all. Delete one`;
    throw site.sku === 'Free'
      ? new PorticoError('CONTROL_DOMAIN_LIMIT', `${problem}, or move the site to the Standard plan.`, {
          remedy: { kind: 'standard-plan', site: site.name },
        })
      : new PorticoError('CONTROL_DOMAIN_LIMIT', `${problem}.`);
  }
}

async function findDomainRow(ctx: ControlContext, name: string): Promise<CustomDomainsTable | undefined> {
  return ctx.db.selectFrom('custom_domains').selectAll().where('domain_name', '=', name).executeTakeFirst();
}

/** The custom domains of a site. */
export async function listCustomDomains(ctx: ControlContext, siteName: string): Promise<CustomDomain[]> {
  const site = await getSite(ctx, siteName);
  const rows = await ctx.db
    .selectFrom('custom_domains')
    .selectAll()
    .where('site_id', '=', site.id)
    .orderBy('domain_name')
    .execute();
  return rows.map(toDomain);
}

/**
 * One custom domain of a site; a 404 user error when the site has no such domain, naming it as given
 * (`bücher.example`, never the Punycode it is looked up by).
 */
export async function getCustomDomain(
  ctx: ControlContext,
  siteName: string,
  rawName: string,
): Promise<CustomDomain> {
  const site = await getSite(ctx, siteName);
  const name = lookupDomainName(rawName);
  const row = await findDomainRow(ctx, name);
  if (row === undefined || row.site_id !== site.id) {
    throw new PorticoError(
      'CONTROL_DOMAIN_NOT_FOUND',
      `The site '${site.name}' has no custom domain ${clip(rawName.trim())}. Run portico domain list --site ${site.name}.`,
    );
  }
  return toDomain(row);
}

/** Removes a custom domain and its certificate; it stops being served at once on every node. */
export async function deleteCustomDomain(
  ctx: ControlContext,
  siteName: string,
  rawName: string,
): Promise<void> {
  const domain = await getCustomDomain(ctx, siteName, rawName);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('custom_domains').where('domain_name', '=', domain.domainName).execute();
    await trx.deleteFrom('certificates').where('hostname', '=', domain.domainName).execute();
  });
  await recordChange(ctx, `${DOMAINS_CHANGE_PREFIX}${domain.domainName}`);
}

/** Checks every `Validating` domain, and `Ready` ones not checked for `readyAfterMs`. */
export async function revalidateDomains(ctx: ControlContext, readyAfterMs = REVALIDATE_MS): Promise<void> {
  const stale = new Date(ctx.now().getTime() - readyAfterMs).toISOString();
  const rows = await ctx.db
    .selectFrom('custom_domains')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('status', '=', 'Validating'),
        eb.and([
          eb('status', '=', 'Ready'),
          eb.or([eb('checked_at', 'is', null), eb('checked_at', '<=', stale)]),
        ]),
      ]),
    )
    .execute();
  for (const row of rows) {
    const site = await ctx.db
      .selectFrom('sites')
      .select('name')
      .where('id', '=', row.site_id)
      .executeTakeFirst();
    if (site !== undefined) {
      await revalidate(ctx, toDomain(row), await getSite(ctx, site.name));
    }
  }
}

/**
 * Checks a domain's DNS and stores the verdict; answers the domain as stored then, or `undefined` when
 * the row judged is gone (deleted meanwhile, or since added to another site).
 */
async function revalidate(
  ctx: ControlContext,
  domain: CustomDomain,
  site: Site,
): Promise<CustomDomain | undefined> {
  const dns = ctx.domainDns ?? createDomainDns();
  const outcome = await checkDomain(dns, { ...domain, target: site.defaultHostname });
  const next = judge(ctx, domain, outcome);
  // Stored only over the row this check judged (the same domain of the same site, added at the same
  // time, in the same status): a check that ran alongside (the periodic one and a PUT, or another
  // node's) and changed it first wins, and this one answers with what it left.
  const updated = await ctx.db
    .updateTable('custom_domains')
    .set({ status: next.status, error_message: next.errorMessage, checked_at: ctx.now().toISOString() })
    .where('domain_name', '=', domain.domainName)
    .where('site_id', '=', domain.siteId)
    .where('created_at', '=', domain.createdOn)
    .where('status', '=', domain.status)
    .where('validation_method', '=', domain.validationMethod)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    const current = await findDomainRow(ctx, domain.domainName);
    return current === undefined || current.site_id !== domain.siteId ? undefined : toDomain(current);
  }
  // Only a status change alters what the nodes serve (a new domain is Validating: nothing to reload).
  if (next.status !== domain.status) {
    await recordChange(ctx, `${DOMAINS_CHANGE_PREFIX}${domain.domainName}`);
  }
  return next;
}

function judge(ctx: ControlContext, domain: CustomDomain, outcome: CheckOutcome): CustomDomain {
  if (outcome.result === 'valid') {
    return { ...domain, status: 'Ready', errorMessage: null };
  }
  if (outcome.result === 'unknown') {
    return domain.status === 'Ready' ? domain : { ...domain, errorMessage: outcome.reason };
  }
  const expired = ctx.now().getTime() - Date.parse(domain.createdOn) > VALIDATION_WINDOW_MS;
  if (outcome.result === 'wrong' || domain.status === 'Ready' || expired) {
    return { ...domain, status: 'Failed', errorMessage: outcome.reason };
  }
  return { ...domain, errorMessage: outcome.reason };
}

/**
 * True when requests to the custom domain `from` answer 301 to `to` (`redirectToDefault` in
 * src/serve/domains.ts): both are `Ready` domains of the site, and `to` is its default.
 */
export async function isRedirectedTo(
  ctx: ControlContext,
  siteId: string,
  from: string,
  to: string,
): Promise<boolean> {
  const names = [from.toLowerCase(), to.toLowerCase()];
  if (names[0] === names[1]) {
    return false;
  }
  const rows = await ctx.db
    .selectFrom('custom_domains')
    .select(['domain_name', 'is_default'])
    .where('site_id', '=', siteId)
    .where('status', '=', 'Ready')
    .where('domain_name', 'in', names)
    .execute();
  return rows.length === 2 && rows.some((r) => r.domain_name === names[1] && r.is_default === 1);
}

/** A `Ready` domain as serving needs it. */
export interface ServedDomain {
  readonly domainName: string;
  /** The site's production host name, which the domain serves. */
  readonly productionHostname: string;
  /** The site's default custom domain (others redirect to it), when it has a ready one. */
  readonly defaultDomain?: string;
}

/** Every `Ready` custom domain with what it serves. */
export async function listServedDomains(ctx: ControlContext): Promise<ServedDomain[]> {
  const rows = await ctx.db
    .selectFrom('custom_domains')
    .innerJoin('environments', (join) =>
      join
        .onRef('environments.site_id', '=', 'custom_domains.site_id')
        .on('environments.name', '=', 'production'),
    )
    .select([
      'custom_domains.domain_name',
      'custom_domains.is_default',
      'custom_domains.site_id',
      'environments.hostname',
    ])
    .where('custom_domains.status', '=', 'Ready')
    .execute();
  const defaults = new Map(rows.filter((r) => r.is_default === 1).map((r) => [r.site_id, r.domain_name]));
  return rows.map((r) => {
    const defaultDomain = defaults.get(r.site_id);
    return {
      domainName: r.domain_name,
      productionHostname: r.hostname,
      ...(defaultDomain === undefined ? {} : { defaultDomain }),
    };
  });
}

/** The name of the site with this id (the admin token sees every site, so naming it hides nothing). */
async function findSiteNameById(ctx: ControlContext, id: string): Promise<string | undefined> {
  const row = await ctx.db.selectFrom('sites').select('name').where('id', '=', id).executeTakeFirst();
  return row?.name;
}
