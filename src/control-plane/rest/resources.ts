/** Azure-shaped JSON views of the control plane's objects (Microsoft.Web/staticSites). */
import type { Deployment } from '../deployments.js';
import type { Environment } from '../environments.js';
import { PRODUCTION, RESOURCE_GROUP, SUBSCRIPTION_ID } from '../names.js';
import type { Site } from '../sites.js';
import type { SiteUser } from '../users.js';

export { RESOURCE_GROUP, SUBSCRIPTION_ID } from '../names.js';
/** `location` of every resource. */
export const LOCATION = 'portico';

/** The resource id of a site. */
export function siteId(name: string): string {
  return `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Web/staticSites/${name}`;
}

/** A site resource with the names of its custom domains (Azure lists them in `customDomains`). */
export function withCustomDomains(resource: unknown, domains: readonly { domainName: string }[]): unknown {
  const site = resource as { properties: Record<string, unknown> };
  return { ...site, properties: { ...site.properties, customDomains: domains.map((d) => d.domainName) } };
}

/** REST name of an environment: production is the build `default`, as in Azure. */
export function buildName(environment: string): string {
  return environment === PRODUCTION ? 'default' : environment;
}

/** A site resource. */
export function siteResource(site: Site): unknown {
  return {
    id: siteId(site.name),
    name: site.name,
    type: 'Microsoft.Web/staticSites',
    location: LOCATION,
    sku: { name: site.sku, tier: site.sku },
    ...(Object.keys(site.tags).length === 0 ? {} : { tags: site.tags }),
    properties: {
      defaultHostname: site.defaultHostname,
      customDomains: [],
      provider: 'Portico',
      stagingEnvironmentPolicy: 'Enabled',
      allowConfigFileUpdates: true,
      createdTimeUtc: site.createdAt,
    },
  };
}

/** A build (environment) resource. */
export function buildResource(
  site: Site,
  environment: Environment,
  publicUrl: string,
  hasManagedApi = false,
  latestDeployment?: Deployment['status'],
): unknown {
  const name = buildName(environment.name);
  return {
    id: `${siteId(site.name)}/builds/${name}`,
    name,
    type: 'Microsoft.Web/staticSites/builds',
    properties: {
      buildId: name,
      environmentName: environment.name,
      hostname: environment.hostname,
      url: publicUrl,
      createdTimeUtc: environment.createdAt,
      lastUpdatedOn: environment.updatedAt,
      status: buildStatus(environment, latestDeployment),
      activeDeploymentId: environment.activeDeploymentId,
      hasManagedApi,
    },
  };
}

/**
 * Azure's build status: `Ready` while a deployment is live; otherwise what the newest deployment is
 * doing (`Uploading`, or `Failed`, e.g. an upload that expired), or `WaitingForDeployment`.
 */
function buildStatus(environment: Environment, latest: Deployment['status'] | undefined): string {
  if (environment.activeDeploymentId !== null) {
    return 'Ready';
  }
  return latest === 'Uploading' || latest === 'Failed' ? latest : 'WaitingForDeployment';
}

/** A deployment resource (Portico extension). */
export function deploymentResource(
  site: Site,
  environment: Environment,
  deployment: Deployment,
  extra: Record<string, unknown> = {},
): unknown {
  return {
    id: `${siteId(site.name)}/builds/${buildName(environment.name)}/deployments/${deployment.id}`,
    name: deployment.id,
    type: 'Microsoft.Web/staticSites/builds/deployments',
    properties: {
      environment: environment.name,
      status: deployment.status,
      active: environment.activeDeploymentId === deployment.id,
      createdTimeUtc: deployment.createdAt,
      completedTimeUtc: deployment.completedAt,
      fileCount: deployment.fileCount,
      contentBytes: deployment.contentBytes,
      hasApi: deployment.hasApi,
      error: deployment.error,
      log: deployment.log,
      ...extra,
    },
  };
}

/** A user resource. */
export function userResource(site: Site, user: SiteUser): unknown {
  return {
    id: `${siteId(site.name)}/authproviders/${user.provider}/users/${user.userId}`,
    name: user.userId,
    type: 'Microsoft.Web/staticSites/authproviders/users',
    properties: {
      provider: user.provider,
      userId: user.userId,
      displayName: user.userDetails,
      roles: user.roles.join(','),
    },
  };
}
