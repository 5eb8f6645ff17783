/** Parameter and body readers shared by the route groups of the management API. */
import { PorticoError } from '../../shared/errors.js';
import { isRecord } from '../../shared/guards.js';
import type { ControlContext } from '../context.js';
import { getSite, type Site } from '../sites.js';
import { withKnownKeys } from './known-keys.js';
import { RESOURCE_GROUP, SUBSCRIPTION_ID } from './resources.js';
import type { RouteRequest } from './router.js';

/** Checks the subscription of a subscription-level path (Portico has exactly one). */
export function checkSubscription(params: Readonly<Record<string, string>>): void {
  if (params.subscriptionId !== SUBSCRIPTION_ID) {
    throw new PorticoError(
      'CONTROL_NOT_FOUND',
      `Portico has one subscription (${SUBSCRIPTION_ID}); use it in the path.`,
    );
  }
}

/** Checks the subscription and resource group of a path (Portico has exactly one of each). */
export function checkScope(params: Readonly<Record<string, string>>): void {
  if (
    params.subscriptionId !== SUBSCRIPTION_ID ||
    params.resourceGroupName?.toLowerCase() !== RESOURCE_GROUP
  ) {
    throw new PorticoError(
      'CONTROL_NOT_FOUND',
      `Portico has one subscription (${SUBSCRIPTION_ID}) and one resource group (${RESOURCE_GROUP}); use them in the path.`,
    );
  }
}

/** The static site a path names (`{name}`), its scope checked first; 404 when there is none. */
export async function siteOf(ctx: ControlContext, r: RouteRequest): Promise<Site> {
  checkScope(r.params);
  return getSite(ctx, r.params.name ?? '');
}

/** The environment a path's build names (`{environmentName}`): REST `default`, or none, is production. */
export function environmentOf(r: RouteRequest): string {
  const name = r.params.environmentName ?? 'default';
  return name.toLowerCase() === 'default' ? 'production' : name;
}

/**
 * The `properties` object of a body (`{}` when absent: a route where that means "none"); `Properties`
 * in any case is the same key, as in Azure.
 */
export function propertiesOf(body: unknown): Record<string, unknown> {
  const properties = isRecord(body) ? envelopeOf(body).properties : null;
  if (properties !== undefined && !isRecord(properties)) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      'The body must be a JSON object with a "properties" object.',
    );
  }
  return properties ?? {};
}

/**
 * The `properties` object of a body that replaces a whole set (app settings): an absent one is refused
 * like a wrong one, since reading it as `{}` would delete the whole set on a typo (`{"C": "3"}`, an
 * empty body). `{"properties": {}}` still empties it.
 */
export function requiredPropertiesOf(body: unknown): Record<string, unknown> {
  if (isRecord(body) && envelopeOf(body).properties === undefined) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      'The body must be a JSON object with a "properties" object (send { "properties": {} } to remove every setting).',
    );
  }
  return propertiesOf(body);
}

function envelopeOf(body: Record<string, unknown>): Record<string, unknown> {
  return withKnownKeys(body, ['properties']);
}

/** A path with each segment decoded (`%2A.example` → `*.example`); a segment that does not decode stays. */
export function decodedPath(path: string): string {
  return path
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
}
