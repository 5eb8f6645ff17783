/** Typed calls of the custom domain routes (docs/https-and-domains.md). */
import { request } from './http.js';
import type { ManagementClientOptions } from './management.js';
import { sitePath } from './management.js';
import type { ResourceList } from './types.js';

/** A custom domain as the management API shows it (Azure's shape, with Portico's extras). */
export interface CustomDomainResource {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly properties: {
    readonly domainName: string;
    readonly createdOn: string;
    readonly status: 'Validating' | 'Ready' | 'Failed';
    readonly validationMethod: 'cname-delegation' | 'dns-txt-token';
    readonly validationToken: string;
    readonly errorMessage: string | null;
    readonly isDefault: boolean;
    readonly certificate?: {
      readonly source: 'acme' | 'uploaded';
      readonly notAfter: string;
    } | null;
    readonly certificateError?: string | null;
  };
}

/** What `add` sends. */
export interface CustomDomainInput {
  readonly validationMethod?: 'cname-delegation' | 'dns-txt-token';
  readonly isDefault?: boolean;
}

/** The custom domain calls. */
export interface DomainClient {
  list(site: string): Promise<readonly CustomDomainResource[]>;
  get(site: string, domain: string): Promise<CustomDomainResource>;
  put(site: string, domain: string, input: CustomDomainInput): Promise<CustomDomainResource>;
  delete(site: string, domain: string): Promise<void>;
  /** Installs an uploaded certificate (PEM chain and key) for the domain instead of ACME's. */
  setCertificate(
    site: string,
    domain: string,
    pem: { certificate: string; privateKey: string },
  ): Promise<CustomDomainResource>;
}

function domainPath(site: string, domain: string): string {
  return `${sitePath(site)}/customDomains/${encodeURIComponent(domain)}`;
}

/** Creates the custom domain client. */
export function createDomainClient(options: ManagementClientOptions): DomainClient {
  return {
    list: async (site) =>
      (
        await request<ResourceList<CustomDomainResource>>(options, {
          method: 'GET',
          path: `${sitePath(site)}/customDomains`,
        })
      ).value,
    get: (site, domain) => request(options, { method: 'GET', path: domainPath(site, domain) }),
    put: (site, domain, input) =>
      request(options, { method: 'PUT', path: domainPath(site, domain), json: { properties: input } }),
    delete: async (site, domain) => {
      await request<unknown>(options, { method: 'DELETE', path: domainPath(site, domain) });
    },
    setCertificate: (site, domain, pem) =>
      request(options, {
        method: 'PUT',
        path: `${domainPath(site, domain)}/certificate`,
        json: { properties: pem },
      }),
  };
}
