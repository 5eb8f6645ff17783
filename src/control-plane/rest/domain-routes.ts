/**
 * Custom domain routes of the management API (docs/https-and-domains.md), in Azure's shapes:
 * `{site}/customDomains/{domainName}` PUT (with `properties.validationMethod`), GET, DELETE, the list, and
 * Portico's uploaded certificate; one table entry (decision 0042).
 */
import { createHash } from 'node:crypto';
import type { ControlContext } from '../context.js';
import {
  type CertificateSummary,
  type CustomDomain,
  deleteCustomDomain,
  describeCertificate,
  getCustomDomain,
  listCustomDomains,
  putCustomDomain,
  setUploadedCertificate,
  validateCustomDomain,
} from '../domains/index.js';
import { createEntityRoutes, type Entity, type EntityCall } from './entity-routes.js';
import { readJson } from './http.js';
import { checkScope, propertiesOf } from './params.js';
import { siteId } from './resources.js';
import type { Route, RouteRequest } from './router.js';

const SITE =
  '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Web/staticSites/{name}';

/** Azure's `StaticSiteCustomDomainOverviewARMResource`, with Portico's `validationMethod` and `isDefault`. */
function domainResource(
  siteName: string,
  domain: CustomDomain,
  tls: { certificate: CertificateSummary | null; certificateError: string | null },
): unknown {
  return {
    id: `${siteId(siteName)}/customDomains/${domain.domainName}`,
    name: domain.domainName,
    type: 'Microsoft.Web/staticSites/customDomains',
    properties: {
      domainName: domain.domainName,
      createdOn: domain.createdOn,
      status: domain.status,
      validationMethod: domain.validationMethod,
      validationToken: domain.validationToken,
      errorMessage: domain.errorMessage,
      isDefault: domain.isDefault,
      certificate: tls.certificate,
      certificateError: tls.certificateError,
    },
  };
}

/**
 * What a domain's functions get. The site is named, not looked up, and its scope is checked where the name
 * is first used: a PUT reads its body first, as it always did.
 */
interface DomainCall extends EntityCall {
  readonly ctx: ControlContext;
  /** The site's name, after checking the path's subscription and resource group. */
  siteName(): string;
  readonly domainName: string;
  /** The `properties` of the JSON body. */
  properties(): Promise<Record<string, unknown>>;
}

async function view(at: DomainCall, domain: CustomDomain): Promise<unknown> {
  return domainResource(at.siteName(), domain, await describeCertificate(at.ctx, domain.domainName));
}

const getDomain = (at: DomainCall) => getCustomDomain(at.ctx, at.siteName(), at.domainName);

/**
 * The entity tag of a domain's stored row: when it was added (a domain deleted and added again is another
 * one), how it is validated, whether it is the default, and what its last check found. A `PUT` or
 * `DELETE` with `If-Match` (`*`: while it exists at all) changes nothing once it is gone or changed, so a
 * stale portal tab cannot add back a domain someone deleted (RFC 9110 §13.1.1). The certificate is not
 * in it: it has its own route and changes without the row.
 */
function domainTagOf(domain: CustomDomain): string {
  const { domainName, createdOn, validationMethod, isDefault, status, errorMessage } = domain;
  const digest = createHash('sha256')
    .update(JSON.stringify([domainName, createdOn, validationMethod, isDefault, status, errorMessage]))
    .digest('hex');
  return `"${digest.slice(0, 24)}"`;
}

const DOMAINS: Entity<DomainCall, CustomDomain> = {
  path: `${SITE}/customDomains/{domainName}`,
  names: { one: 'a custom domain', plural: 'custom domains', parent: 'a static site' },
  notes: { get: ': its status, validation token and error' },
  summaries: {
    put: 'Add a custom domain (or validate it again); validation starts at once',
    delete: 'Remove a custom domain and its certificate',
  },
  examples: { put: { properties: { validationMethod: 'cname-delegation' } } },
  // Azure answers 200 (its SDK's deleteStaticSiteCustomDomain throws on a 204).
  deletedStatus: 200,
  resource: view,
  etagOf: domainTagOf,
  list: (at) => listCustomDomains(at.ctx, at.siteName()),
  listFields: {
    properties: [
      'domainName',
      'createdOn',
      'status',
      'validationMethod',
      'validationToken',
      'errorMessage',
      'isDefault',
      'certificate',
      'certificateError',
    ],
  },
  put: async (at) => {
    const properties = await at.properties();
    return { entity: await putCustomDomain(at.ctx, at.siteName(), at.domainName, properties) };
  },
  get: getDomain,
  delete: (at) => deleteCustomDomain(at.ctx, at.siteName(), at.domainName),
  actions: [
    {
      // Azure's validateCustomDomainCanBeAddedToStaticSite (a long-running operation its SDK accepts done at
      // once with a 200, as the linked-backend validate answers); `az staticwebapp hostname set` calls it.
      method: 'POST',
      name: 'validate',
      summary:
        "Check that a custom domain can be added, saving nothing: the PUT's 400 or 409, or a 400 when its CNAME points elsewhere",
      requestExample: { properties: { validationMethod: 'cname-delegation' } },
      handle: async (at) => {
        const properties = await at.properties();
        await validateCustomDomain(at.ctx, at.siteName(), at.domainName, properties);
        return { status: 200, body: {} };
      },
    },
    {
      method: 'PUT',
      name: 'certificate',
      summary: 'Serve an uploaded certificate for the domain instead of ordering one by ACME',
      requestExample: {
        properties: {
          certificate: '-----BEGIN CERTIFICATE-----…',
          privateKey: '-----BEGIN PRIVATE KEY-----…',
        },
      },
      handle: async (at) => {
        const properties = await at.properties();
        await setUploadedCertificate(at.ctx, at.siteName(), at.domainName, {
          certificate: properties.certificate,
          privateKey: properties.privateKey,
        });
        return { status: 200, body: await view(at, await getDomain(at)) };
      },
    },
  ],
};

/** The custom domain routes. */
export function createDomainRoutes(ctx: ControlContext): Route[] {
  return createEntityRoutes({
    auth: 'admin',
    callOf: async (r) => domainCallOf(ctx, r),
    entities: [DOMAINS],
  });
}

function domainCallOf(ctx: ControlContext, r: RouteRequest): DomainCall {
  return {
    r,
    ctx,
    siteName: () => {
      checkScope(r.params);
      return r.params.name ?? '';
    },
    domainName: r.params.domainName ?? '',
    properties: async () => propertiesOf(await readJson(r.req)),
  };
}
