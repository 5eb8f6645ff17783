/**
 * Custom domain routes of the management API (docs/https-and-domains.md), in Azure's shapes:
 * `{site}/customDomains/{domainName}` PUT (with `properties.validationMethod`), GET, DELETE, and the list.
 */
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
} from '../domains/index.js';
import { readJson } from './http.js';
import { checkScope, propertiesOf } from './params.js';
import { siteId } from './resources.js';
import type { Route, RouteRequest } from './router.js';

const SITE =
  '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Web/staticSites/{name}';
const DOMAINS = `${SITE}/customDomains`;
const DOMAIN = `${DOMAINS}/{domainName}`;

/** Azure's `StaticSiteCustomDomainOverviewARMResource`, with Portico's `validationMethod` and `isDefault`. */
export function domainResource(
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

async function view(ctx: ControlContext, siteName: string, domain: CustomDomain): Promise<unknown> {
  return domainResource(siteName, domain, await describeCertificate(ctx, domain.domainName));
}

function siteName(r: RouteRequest): string {
  checkScope(r.params);
  return r.params.name ?? '';
}

/** The custom domain routes. */
export function createDomainRoutes(ctx: ControlContext): Route[] {
  return [
    {
      method: 'GET',
      path: DOMAINS,
      auth: 'admin',
      summary: 'List the custom domains of a static site',
      handler: async (r) => {
        const domains = await listCustomDomains(ctx, siteName(r));
        return {
          status: 200,
          body: { value: await Promise.all(domains.map((d) => view(ctx, siteName(r), d))) },
        };
      },
    },
    {
      method: 'PUT',
      path: DOMAIN,
      auth: 'admin',
      summary: 'Add a custom domain (or validate it again); validation starts at once',
      requestExample: { properties: { validationMethod: 'cname-delegation' } },
      handler: async (r) => {
        const properties = propertiesOf(await readJson(r.req));
        const domain = await putCustomDomain(ctx, siteName(r), r.params.domainName ?? '', properties);
        return { status: 200, body: await view(ctx, siteName(r), domain) };
      },
    },
    {
      method: 'GET',
      path: DOMAIN,
      auth: 'admin',
      summary: 'Get a custom domain: its status, validation token and error',
      handler: async (r) => ({
        status: 200,
        body: await view(
          ctx,
          siteName(r),
          await getCustomDomain(ctx, siteName(r), r.params.domainName ?? ''),
        ),
      }),
    },
    {
      method: 'PUT',
      path: `${DOMAIN}/certificate`,
      auth: 'admin',
      summary: 'Serve an uploaded certificate for the domain instead of ordering one by ACME',
      requestExample: {
        properties: {
          certificate: '-----BEGIN CERTIFICATE-----…',
          privateKey: '-----BEGIN PRIVATE KEY-----…',
        },
      },
      handler: async (r) => {
        const properties = propertiesOf(await readJson(r.req));
        await setUploadedCertificate(ctx, siteName(r), r.params.domainName ?? '', {
          certificate: properties.certificate,
          privateKey: properties.privateKey,
        });
        return {
          status: 200,
          body: await view(
            ctx,
            siteName(r),
            await getCustomDomain(ctx, siteName(r), r.params.domainName ?? ''),
          ),
        };
      },
    },
    {
      method: 'DELETE',
      path: DOMAIN,
      auth: 'admin',
      summary: 'Remove a custom domain and its certificate',
      handler: async (r) => {
        await deleteCustomDomain(ctx, siteName(r), r.params.domainName ?? '');
        return { status: 204 };
      },
    },
  ];
}
