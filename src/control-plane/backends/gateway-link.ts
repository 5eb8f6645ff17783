/**
 * What linking a site environment to an API Management service sets up, exactly as Azure does
 * (spec/apim.md §3.1, §4): a product `Azure Static Web Apps - <host> (Linked)` requiring a subscription,
 * the subscription `Generated for Static Web Apps resource with default hostname: <host>` scoped to it,
 * and a product-scope inbound `validate-jwt` that accepts only tokens the linked environment issued.
 */
import { findPolicy, putPolicy } from '../apim/policies.js';
import { type ProductProperties, putProduct } from '../apim/products.js';
import type { ApimService } from '../apim/service.js';
import { findEntity } from '../apim/store.js';
import { keysOf, putSubscription, type SubscriptionProperties } from '../apim/subscriptions.js';
import type { ControlContext } from '../context.js';
import type { Environment } from '../environments.js';

/** What a gateway link keeps (sealed): the ids it made and the key the site sends. */
export interface GatewayLinkDetails {
  readonly productId: string;
  readonly subscriptionId: string;
  readonly primaryKey: string;
}

/** The issuer of an environment's backend tokens: `<public origin of its host>/.auth`. */
export function tokenIssuer(ctx: ControlContext, hostname: string): string {
  return issuerAt(ctx.publicUrl, hostname);
}

function issuerAt(publicUrl: (hostname: string) => string, hostname: string): string {
  return `${publicUrl(hostname)}/.auth`;
}

/** Product and subscription id of a link: `swa-<first label of the environment host>`. */
function linkIds(environment: Environment): { productId: string; subscriptionId: string } {
  const id = `swa-${environment.hostname.split('.')[0] ?? environment.id}`.slice(0, 80);
  return { productId: id, subscriptionId: id };
}

/** The product policy a link writes. */
export function linkPolicyXml(ctx: ControlContext, service: ApimService, environment: Environment): string {
  return policyXmlAt(ctx.publicUrl, service, environment);
}

/** The product policy a link writes when the service's hosts answer at `publicUrl`. */
function policyXmlAt(
  publicUrl: (hostname: string) => string,
  service: ApimService,
  environment: Environment,
): string {
  const issuer = issuerAt(publicUrl, environment.hostname);
  return [
    '<policies>',
    '  <inbound>',
    '    <base />',
    '    <validate-jwt header-name="Authorization" require-scheme="Bearer" failed-validation-httpcode="401">',
    `      <openid-config url="${issuer}/.well-known/openid-configuration" />`,
    `      <audiences><audience>${publicUrl(service.gatewayHostname)}</audience></audiences>`,
    `      <issuers><issuer>${issuer}</issuer></issuers>`,
    '    </validate-jwt>',
    '  </inbound>',
    '  <backend><base /></backend>',
    '  <outbound><base /></outbound>',
    '  <on-error><base /></on-error>',
    '</policies>',
  ].join('\n');
}

const AUDIENCE = /<audience>(https?):\/\/([^<]*)<\/audience>/;

/**
 * The gateway's base URL when `value` is exactly the policy linking writes, but for the service answering
 * at another address (another port, or HTTPS turned on or off): the policy nobody edited, left behind by a
 * restart of the service. Undefined for the current policy and for any policy a user changed.
 */
export function linkPolicyAddress(
  ctx: ControlContext,
  service: ApimService,
  environment: Environment,
  value: string,
): string | undefined {
  const match = AUDIENCE.exec(value);
  const [, scheme, authority] = match ?? [];
  if (scheme === undefined || authority === undefined || !authority.startsWith(service.gatewayHostname)) {
    return undefined;
  }
  const port = authority.slice(service.gatewayHostname.length);
  if (port !== '' && !/^:\d{1,5}$/.test(port)) {
    return undefined;
  }
  const written = policyXmlAt((hostname) => `${scheme}://${hostname}${port}`, service, environment);
  return written === value && value !== linkPolicyXml(ctx, service, environment)
    ? `${scheme}://${authority}`
    : undefined;
}

/** What linking sets on its product; a change to any of them breaks the link. */
function linkedProduct(
  environment: Environment,
): Pick<ProductProperties, 'displayName' | 'subscriptionRequired' | 'state'> {
  return {
    displayName: `Azure Static Web Apps - ${environment.hostname} (Linked)`,
    subscriptionRequired: true,
    state: 'published',
  };
}

/** How a link's product differs from what linking made (empty when it does not). */
function productDrift(product: ProductProperties, environment: Environment, productId: string): string[] {
  const wanted = linkedProduct(environment);
  const problems: string[] = [];
  if (product.displayName !== wanted.displayName) {
    problems.push(
      `the product '${productId}' was renamed to '${product.displayName}' (linking named it '${wanted.displayName}')`,
    );
  }
  if (!product.subscriptionRequired) {
    problems.push(`the product '${productId}' no longer requires a subscription`);
  }
  if (product.state !== wanted.state) {
    problems.push(`the product '${productId}' was unpublished`);
  }
  return problems;
}

/** Creates (or restores) the product, subscription and policy of a link; answers what the site must send. */
export async function setUpGatewayLink(
  ctx: ControlContext,
  service: ApimService,
  environment: Environment,
): Promise<GatewayLinkDetails> {
  const { productId, subscriptionId } = linkIds(environment);
  const product = await findEntity<ProductProperties>(ctx, service.id, 'product', productId);
  if (product === undefined || productDrift(product.properties, environment, productId).length > 0) {
    // The product's other properties (description, terms, approval, limits) stay as the user set them.
    await putProduct(ctx, service.id, productId, { ...product?.properties, ...linkedProduct(environment) });
  }
  const existing = await findEntity<SubscriptionProperties>(ctx, service.id, 'subscription', subscriptionId);
  const { subscription } = await putSubscription(ctx, service.id, subscriptionId, {
    displayName:
      existing?.properties.displayName ??
      `Generated for Static Web Apps resource with default hostname: ${environment.hostname}`,
    scope: `/products/${productId}`,
    state: 'active',
  });
  const xml = linkPolicyXml(ctx, service, environment);
  const policy = await findPolicy(ctx, service.id, { scope: 'product', productId });
  if (policy?.properties.value !== xml) {
    await putPolicy(ctx, service.id, { scope: 'product', productId }, { format: 'rawxml', value: xml });
  }
  return { productId, subscriptionId, primaryKey: keysOf(subscription).primaryKey };
}

/** Why a gateway link is broken (empty when it works). */
export async function gatewayLinkProblems(
  ctx: ControlContext,
  service: ApimService,
  environment: Environment,
  details: GatewayLinkDetails,
): Promise<string[]> {
  const problems: string[] = [];
  const product = await findEntity<ProductProperties>(ctx, service.id, 'product', details.productId);
  if (product === undefined) {
    problems.push(`the product '${details.productId}' was deleted`);
  } else {
    problems.push(...productDrift(product.properties, environment, details.productId));
  }
  const subscription = await findEntity<SubscriptionProperties>(
    ctx,
    service.id,
    'subscription',
    details.subscriptionId,
  );
  if (subscription === undefined) {
    problems.push(`the subscription '${details.subscriptionId}' was deleted`);
  } else {
    if (subscription.properties.state !== 'active') {
      problems.push(
        `the subscription '${details.subscriptionId}' is ${subscription.properties.state}, not active`,
      );
    }
    if (subscription.properties.scope !== `/products/${details.productId}`) {
      problems.push(
        `the subscription '${details.subscriptionId}' is no longer scoped to the product '${details.productId}'`,
      );
    }
    if (keysOf(subscription).primaryKey !== details.primaryKey) {
      problems.push(
        `the primary key of the subscription '${details.subscriptionId}' was regenerated; the site still sends the old key`,
      );
    }
  }
  const policy = await findPolicy(ctx, service.id, { scope: 'product', productId: details.productId });
  const value = policy?.properties.value;
  const movedFrom = value === undefined ? undefined : linkPolicyAddress(ctx, service, environment, value);
  if (movedFrom !== undefined) {
    problems.push(
      `the validate-jwt policy of the product '${details.productId}' expects tokens for ${movedFrom}, but the gateway now answers at ${ctx.publicUrl(service.gatewayHostname)}`,
    );
  } else if (value !== linkPolicyXml(ctx, service, environment)) {
    problems.push(`the validate-jwt policy of the product '${details.productId}' was changed or removed`);
  }
  return problems;
}
