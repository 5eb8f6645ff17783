/**
 * Custom domain routes of the management API (docs/https-and-domains.md), in Azure's shapes:
 * `{site}/customDomains/{domainName}` PUT (with `properties.validationMethod`), GET, DELETE, and the list.
 */
import type { ControlContext } from '../context.js';
import {
  type CustomDomain,
  deleteCustomDomain,
  getCustomDomain,
  listCustomDomains,
  putCustomDomain,
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
export function domainResource(siteName: string, domain: CustomDomain): unknown {
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
    },
  };
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
        return { status: 200, body: { value: domains.map((d) => domainResource(siteName(r), d)) } };
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
        return { status: 200, body: domainResource(siteName(r), domain) };
      },
    },
    {
      method: 'GET',
      path: DOMAIN,
      auth: 'admin',
      summary: 'Get a custom domain: its status, validation token and error',
      handler: async (r) => ({
        status: 200,
        body: domainResource(siteName(r), await getCustomDomain(ctx, siteName(r), r.params.domainName ?? '')),
      }),
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
