/**
 * Azure's own management SDKs pointed at a Portico admin URL, the way a user would: `endpoint`, a pipeline
 * policy that sends the admin token (the SDK's bearer policy refuses http and wants an Entra token), and
 * `allowInsecureConnection` for the loopback http listener.
 */
import { ApiManagementClient } from '@azure/arm-apimanagement';
import { WebSiteManagementClient } from '@azure/arm-appservice';
import { ADMIN_TOKEN } from '../helpers/service.js';

// The SDKs' own types, so that @azure/core-auth and @azure/core-rest-pipeline need not be direct dependencies.
type TokenCredential = ConstructorParameters<typeof WebSiteManagementClient>[0];
type Pipeline = WebSiteManagementClient['pipeline'];
type PipelinePolicy = Parameters<Pipeline['addPolicy']>[0];

export const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
export const GROUP = 'portico';

/** An API Management service as the tests create it (`apiManagementService.beginCreateOrUpdateAndWait`). */
export const APIM_SERVICE = {
  location: 'portico',
  sku: { name: 'Developer' as const, capacity: 1 },
  publisherEmail: 'ops@example.com',
  publisherName: 'Contoso',
};

/** Never asked: the bearer policy that would call it is removed. */
const NO_CREDENTIAL: TokenCredential = {
  getToken: () => Promise.reject(new Error('the admin token policy authenticates instead')),
};

function adminTokenPolicy(token: string): PipelinePolicy {
  return {
    name: 'porticoAdminToken',
    sendRequest: (request, next) => {
      request.headers.set('authorization', `Bearer ${token}`);
      return next(request);
    },
  };
}

function useAdminToken(pipeline: Pipeline, token: string): void {
  pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
  pipeline.addPolicy(adminTokenPolicy(token));
}

const OPTIONS = (endpoint: string) => ({
  endpoint,
  allowInsecureConnection: true,
  // Long-running operations poll; Portico answers them at once, so nothing needs to wait.
  updateIntervalInMs: 1,
  retryOptions: { maxRetries: 0 },
});

/** `@azure/arm-appservice` on a Portico admin URL. */
export function webClient(adminUrl: string, token = ADMIN_TOKEN): WebSiteManagementClient {
  const client = new WebSiteManagementClient(NO_CREDENTIAL, SUBSCRIPTION, OPTIONS(adminUrl));
  useAdminToken(client.pipeline, token);
  return client;
}

/** `@azure/arm-apimanagement` on a Portico admin URL. */
export function apimClient(adminUrl: string, token = ADMIN_TOKEN): ApiManagementClient {
  const client = new ApiManagementClient(NO_CREDENTIAL, SUBSCRIPTION, OPTIONS(adminUrl));
  useAdminToken(client.pipeline, token);
  return client;
}

/** Collects a paged list. */
export async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of pages) {
    out.push(item);
  }
  return out;
}
