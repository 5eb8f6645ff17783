/**
 * "Bring your own" backend apps (spec/swa-behaviour.md §3.4): function apps (a standalone functions host
 * Portico runs, with its own host name), web apps ("App Service") and container apps, which stand for an
 * existing HTTP service at a backend URL.
 */
import { randomUUID } from 'node:crypto';
import { PorticoError } from '../../shared/errors.js';
import { isRecord } from '../../shared/guards.js';
import { clip } from '../../shared/quote.js';
import type { BackendAppsTable } from '../../storage/index.js';
import { badField, choiceField, urlField } from '../apim/fields.js';
import { type ControlContext, recordChange } from '../context.js';
import { linkedEnvironments, linksToResource } from '../resource-links.js';

/** The kinds of backend apps. */
export type BackendAppKind = BackendAppsTable['kind'];

/** A backend app as the services hand it around. */
export interface BackendApp {
  readonly id: string;
  readonly kind: BackendAppKind;
  readonly name: string;
  /** The function app's host on the data-plane listener. */
  readonly hostname: string | null;
  readonly backendUrl: string | null;
  readonly publicNetworkAccess: 'Enabled' | 'Disabled';
  /** Whether a function app has content to run. */
  readonly hasContent: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Prefix of the change-log entries that say a backend app changed. */
export const APP_CHANGE_PREFIX = 'app:';

const APP_NAME = /^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$/;

/** `Microsoft.Web/sites` holds function apps and web apps under one name space; container apps have their own. */
export function namespaceOf(kind: BackendAppKind): string {
  return kind === 'containerapp' ? 'Microsoft.App/containerApps' : 'Microsoft.Web/sites';
}

const LABELS: Readonly<Record<BackendAppKind, string>> = {
  functionapp: 'function app',
  webapp: 'web app',
  containerapp: 'container app',
};

/** A human name of a kind. */
export function kindLabel(kind: BackendAppKind): string {
  return LABELS[kind];
}

function toApp(row: BackendAppsTable): BackendApp {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    hostname: row.hostname,
    backendUrl: row.backend_url,
    publicNetworkAccess: row.public_network_access,
    hasContent: row.content !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The host of a function app: `<name>.azurewebsites.<domain>`, like Azure's `<name>.azurewebsites.net`. */
export function functionAppHostname(name: string, domain: string): string {
  return `${name}.azurewebsites.${domain}`;
}

/**
 * Creates a backend app, or updates the one of that name and kind (ARM's `PUT` creates or updates): its
 * `backendUrl` and `publicNetworkAccess`. The environments linked to it are told, so their `/api` follows
 * a new URL at once. `createOnly` (`If-None-Match: *`) refuses one that exists, as does another kind
 * under the same name.
 */
export async function putBackendApp(
  ctx: ControlContext,
  kind: BackendAppKind,
  spelled: string,
  props: Record<string, unknown>,
  createOnly = false,
): Promise<{ app: BackendApp; created: boolean }> {
  // Azure matches resource names without case; Portico stores them in lower case (`FN1` is `fn1`).
  const name = spelled.toLowerCase();
  if (!APP_NAME.test(name) || name.length < 2) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      `The ${kindLabel(kind)} name '${clip(spelled)}' is invalid: use 2 to 60 letters, digits or '-', starting and ending with a letter or digit; it is kept in lower case.`,
    );
  }
  const existing = await findBackendAppInNamespace(ctx, namespaceOf(kind), name);
  if (existing === undefined) {
    return { app: await insertBackendApp(ctx, kind, name, props), created: true };
  }
  if (existing.kind !== kind) {
    throw new PorticoError(
      'CONTROL_BACKEND_EXISTS',
      `A ${kindLabel(existing.kind)} named '${name}' exists already; pick another name or delete it first.`,
    );
  }
  if (createOnly) {
    // The code every create-only PUT answers with (entity-routes.ts), so one client check serves all.
    throw new PorticoError(
      'CONTROL_ENTITY_EXISTS',
      `A ${kindLabel(kind)} named '${name}' exists already, and If-None-Match: * asks only to create; pick another name, or send the PUT without If-None-Match to update it.`,
    );
  }
  return { app: await updateBackendApp(ctx, existing, props), created: false };
}

async function insertBackendApp(
  ctx: ControlContext,
  kind: BackendAppKind,
  name: string,
  props: Record<string, unknown>,
): Promise<BackendApp> {
  const now = ctx.now().toISOString();
  const row: BackendAppsTable = {
    id: randomUUID(),
    namespace: namespaceOf(kind),
    kind,
    name,
    hostname: kind === 'functionapp' ? functionAppHostname(name, ctx.domain) : null,
    backend_url: kind === 'functionapp' ? null : urlField(props, 'backendUrl'),
    public_network_access: networkAccessOf(props, 'Enabled'),
    content: null,
    created_at: now,
    updated_at: now,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('backend_apps').values(row).execute();
    await trx
      .insertInto('changes')
      .values({ hostname: `${APP_CHANGE_PREFIX}${row.id}`, at: now })
      .execute();
  });
  return toApp(row);
}

/** Replaces what a `PUT` sets of an existing app; a property left out keeps its value. */
async function updateBackendApp(
  ctx: ControlContext,
  app: BackendApp,
  props: Record<string, unknown>,
): Promise<BackendApp> {
  const now = ctx.now().toISOString();
  const backendUrl =
    app.kind === 'functionapp' || props.backendUrl === undefined
      ? app.backendUrl
      : urlField(props, 'backendUrl');
  const access = networkAccessOf(props, app.publicNetworkAccess);
  const linked = await linkedEnvironments(ctx, app.id);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('backend_apps')
      .set({ backend_url: backendUrl, public_network_access: access, updated_at: now })
      .where('id', '=', app.id)
      .execute();
    // The app's change, and each linked environment's: its `/api` is built again with the new URL.
    for (const hostname of [`${APP_CHANGE_PREFIX}${app.id}`, ...linked.map((row) => row.hostname)]) {
      await trx.insertInto('changes').values({ hostname, at: now }).execute();
    }
  });
  return { ...app, backendUrl, publicNetworkAccess: access, updatedAt: now };
}

function networkAccessOf(
  props: Record<string, unknown>,
  fallback: BackendApp['publicNetworkAccess'],
): BackendApp['publicNetworkAccess'] {
  return choiceField(props, 'publicNetworkAccess', ['Enabled', 'Disabled'] as const, fallback);
}

async function findBackendAppInNamespace(
  ctx: ControlContext,
  namespace: string,
  name: string,
): Promise<BackendApp | undefined> {
  const row = await ctx.db
    .selectFrom('backend_apps')
    .selectAll()
    .where('namespace', '=', namespace)
    // Names are stored in lower case; Azure resource names match without case.
    .where('name', '=', name.toLowerCase())
    .executeTakeFirst();
  return row === undefined ? undefined : toApp(row);
}

/** A backend app of a kind by name, or a 404. */
export async function getBackendApp(
  ctx: ControlContext,
  kind: BackendAppKind,
  name: string,
): Promise<BackendApp> {
  const app = await findBackendAppInNamespace(ctx, namespaceOf(kind), name);
  if (app === undefined || (kind === 'containerapp') !== (app.kind === 'containerapp')) {
    throw new PorticoError(
      'CONTROL_BACKEND_NOT_FOUND',
      `There is no ${kindLabel(kind)} named '${name}'. Create it with 'portico ${kind} create ${name} …'.`,
    );
  }
  return app;
}

/** A backend app by id, or undefined. */
export async function findBackendAppById(ctx: ControlContext, id: string): Promise<BackendApp | undefined> {
  const row = await ctx.db.selectFrom('backend_apps').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toApp(row);
}

/** Backend apps in a namespace (`Microsoft.Web/sites` or `Microsoft.App/containerApps`). */
export async function listBackendApps(ctx: ControlContext, namespace: string): Promise<BackendApp[]> {
  const rows = await ctx.db
    .selectFrom('backend_apps')
    .selectAll()
    .where('namespace', '=', namespace)
    .orderBy('name')
    .execute();
  return rows.map(toApp);
}

/** Every function app, for the data plane. */
export async function listFunctionApps(ctx: ControlContext): Promise<BackendApp[]> {
  const rows = await ctx.db
    .selectFrom('backend_apps')
    .selectAll()
    .where('kind', '=', 'functionapp')
    .execute();
  return rows.map(toApp);
}

/** Deletes a backend app; refused while a site environment is linked to it. */
export async function deleteBackendApp(ctx: ControlContext, app: BackendApp): Promise<void> {
  const [link] = await linksToResource(ctx, app.id);
  if (link !== undefined) {
    throw new PorticoError(
      'CONTROL_BACKEND_IN_USE',
      `The ${kindLabel(app.kind)} '${app.name}' is linked to ${link.where}; unlink it first ('${link.unlink}').`,
    );
  }
  await ctx.db.deleteFrom('backend_apps').where('id', '=', app.id).execute();
  await recordChange(ctx, `${APP_CHANGE_PREFIX}${app.id}`);
}

/** The kind a REST body asks for under `Microsoft.Web/sites` (`functionapp` or `app`). */
export function webKindOf(body: unknown): BackendAppKind {
  const kind = isRecord(body) && typeof body.kind === 'string' ? body.kind.toLowerCase() : 'app';
  if (kind.split(',').includes('functionapp')) {
    return 'functionapp';
  }
  if (kind === 'app' || kind.startsWith('app,')) {
    return 'webapp';
  }
  throw badField('kind', '"functionapp" or "app" (top-level "kind" of the body)', kind);
}
