/**
 * API Management services (`Microsoft.ApiManagement/service`): create, read, list, delete. Each service
 * answers at its own gateway host on the data-plane listener and has the built-in all-access
 * subscription `master` (spec/apim.md §1.1).
 */
import { randomUUID } from 'node:crypto';
import { PorticoError } from '../../shared/errors.js';
import { clip } from '../../shared/quote.js';
import type { ApimServicesTable } from '../../storage/index.js';
import type { ControlContext } from '../context.js';
import { linksToResource } from '../resource-links.js';
import { choiceField } from './fields.js';
import { putEntity, recordServiceChange } from './store.js';
import { newSubscriptionKey, type SubscriptionProperties } from './subscriptions.js';

/** A service as the control plane hands it around. */
export interface ApimService {
  readonly id: string;
  readonly name: string;
  readonly gatewayHostname: string;
  /** `Disabled`: reachable only from a private endpoint, so a static site cannot link it. */
  readonly publicNetworkAccess: 'Enabled' | 'Disabled';
  /** `Internal`: inside a virtual network only, so a static site cannot link it. */
  readonly virtualNetworkType: 'None' | 'External' | 'Internal';
  readonly createdAt: string;
}

/** The network settings of a service, as Azure's REST spells them. */
export interface ApimNetwork {
  readonly publicNetworkAccess: ApimService['publicNetworkAccess'];
  readonly virtualNetworkType: ApimService['virtualNetworkType'];
}

/** The id of the built-in all-access subscription. */
export const MASTER_SUBSCRIPTION = 'master';

/** Service names: 1–50 of `a-z 0-9 -`, starting with a letter, not ending with `-` (Azure's rule). */
const SERVICE_NAME = /^[a-z](?:[a-z0-9-]{0,48}[a-z0-9])?$/;

function toService(row: ApimServicesTable): ApimService {
  return {
    id: row.id,
    name: row.name,
    gatewayHostname: row.gateway_hostname,
    publicNetworkAccess: row.public_network_access,
    virtualNetworkType: row.virtual_network_type,
    createdAt: row.created_at,
  };
}

/** Reads `publicNetworkAccess` and `virtualNetworkType` from REST properties (defaults: `current`). */
export function parseApimNetwork(props: Record<string, unknown>, current?: ApimNetwork): ApimNetwork {
  return {
    publicNetworkAccess: choiceField(
      props,
      'publicNetworkAccess',
      ['Enabled', 'Disabled'] as const,
      current?.publicNetworkAccess ?? 'Enabled',
    ),
    virtualNetworkType: choiceField(
      props,
      'virtualNetworkType',
      ['None', 'External', 'Internal'] as const,
      current?.virtualNetworkType ?? 'None',
    ),
  };
}

/** Creates a service, or changes the network settings of an existing one; `created` says which. */
export async function putApimService(
  ctx: ControlContext,
  name: string,
  props: Record<string, unknown>,
): Promise<{ service: ApimService; created: boolean }> {
  const existing = await findApimService(ctx, name);
  if (existing === undefined) {
    return { service: await createApimService(ctx, name, parseApimNetwork(props)), created: true };
  }
  const network = parseApimNetwork(props, existing);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('apim_services')
      .set({
        public_network_access: network.publicNetworkAccess,
        virtual_network_type: network.virtualNetworkType,
      })
      .where('id', '=', existing.id)
      .execute();
    await recordServiceChange(ctx, existing.id, trx);
  });
  return { service: { ...existing, ...network }, created: false };
}

/** The gateway host of a service: `<name>.azure-api.<domain>`, like Azure's `<name>.azure-api.net`. */
export function gatewayHostnameOf(name: string, domain: string): string {
  return `${name}.azure-api.${domain}`;
}

function checkServiceName(name: string, spelled: string): void {
  if (!SERVICE_NAME.test(name)) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      `The API Management service name '${clip(spelled)}' is invalid: use 1 to 50 letters, digits or '-', starting with a letter and not ending with '-' (e.g. 'contoso-apis'); it is kept in lower case.`,
    );
  }
}

/** Creates a service with its all-access subscription. */
export async function createApimService(
  ctx: ControlContext,
  spelled: string,
  network: ApimNetwork = { publicNetworkAccess: 'Enabled', virtualNetworkType: 'None' },
): Promise<ApimService> {
  // Azure matches resource names without case; Portico stores them in lower case (`Fabrikam` is `fabrikam`).
  const name = spelled.toLowerCase();
  checkServiceName(name, spelled);
  if ((await findApimService(ctx, name)) !== undefined) {
    throw new PorticoError(
      'CONTROL_APIM_EXISTS',
      `An API Management service named '${name}' exists already; pick another name.`,
    );
  }
  const row: ApimServicesTable = {
    id: randomUUID(),
    name,
    gateway_hostname: gatewayHostnameOf(name, ctx.domain),
    public_network_access: network.publicNetworkAccess,
    virtual_network_type: network.virtualNetworkType,
    created_at: ctx.now().toISOString(),
  };
  const master: SubscriptionProperties = {
    displayName: 'Built-in all-access subscription',
    scope: '/apis',
    state: 'active',
    allowTracing: false,
  };
  const keys = JSON.stringify({ primaryKey: newSubscriptionKey(), secondaryKey: newSubscriptionKey() });
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('apim_services').values(row).execute();
    await putEntity(ctx, row.id, 'subscription', MASTER_SUBSCRIPTION, master, keys, trx);
    await recordServiceChange(ctx, row.id, trx);
  });
  return toService(row);
}

/** A service by name, or undefined. */
export async function findApimService(ctx: ControlContext, name: string): Promise<ApimService | undefined> {
  const row = await ctx.db
    .selectFrom('apim_services')
    .selectAll()
    // Names are stored in lower case; Azure resource names match without case.
    .where('name', '=', name.toLowerCase())
    .executeTakeFirst();
  return row === undefined ? undefined : toService(row);
}

/** A service by id, or undefined. */
export async function findApimServiceById(ctx: ControlContext, id: string): Promise<ApimService | undefined> {
  const row = await ctx.db.selectFrom('apim_services').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toService(row);
}

/** A service by name, or a 404. */
export async function getApimService(ctx: ControlContext, name: string): Promise<ApimService> {
  const service = await findApimService(ctx, name);
  if (service === undefined) {
    throw new PorticoError(
      'CONTROL_APIM_NOT_FOUND',
      `There is no API Management service named '${name}'. List them with 'portico apim list'.`,
    );
  }
  return service;
}

/** Every service, by name. */
export async function listApimServices(ctx: ControlContext): Promise<ApimService[]> {
  const rows = await ctx.db.selectFrom('apim_services').selectAll().orderBy('name').execute();
  return rows.map(toService);
}

/** Deletes a service and everything in it; refused while a site environment is linked to it. */
export async function deleteApimService(ctx: ControlContext, name: string): Promise<void> {
  const service = await getApimService(ctx, name);
  const links = await linksToResource(ctx, service.id);
  if (links.length > 0) {
    throw new PorticoError(
      'CONTROL_APIM_CONFLICT',
      `The service '${name}' is linked to ${links.map((l) => l.where).join(', ')}; unlink them first (${links.map((l) => `'${l.unlink}'`).join(', ')}).`,
    );
  }
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('apim_services').where('id', '=', service.id).execute();
    await recordServiceChange(ctx, service.id, trx);
  });
}
