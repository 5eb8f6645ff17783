/**
 * Typed calls of the API Management, backend app and linked backend routes (docs/rest-api.md), over
 * the same request helper as the management client.
 */
import { type FileBody, type HttpMethod, request } from './http.js';
import { buildName, RESOURCE_GROUP, SITES_PATH, SUBSCRIPTION_ID } from './management.js';
import type { DeployFile } from './types.js';

/** `/subscriptions/…/resourceGroups/portico/providers`. */
export const PROVIDERS_PATH = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers`;
/** The API Management services collection. */
export const APIM_PATH = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service`;

/** An Azure-shaped resource with loosely typed properties (the CLI prints what it needs). */
export interface Resource {
  readonly id: string;
  readonly name: string;
  readonly type?: string;
  readonly kind?: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** The backend types of `portico link`. */
export type BackendType = 'apim' | 'functionapp' | 'webapp' | 'containerapp';

/** Where policies attach. */
export type PolicyScope = { product?: string; api?: string; operation?: string };

/** The calls of the resource routes; each rejects with a `PorticoError` on failure. */
export interface ResourceClient {
  call<T>(method: HttpMethod, path: string, json?: unknown): Promise<T>;
  list(path: string): Promise<Resource[]>;
  put(path: string, properties: unknown, extra?: Record<string, unknown>): Promise<Resource>;
  /** A PUT that only creates (`If-None-Match: *`): an existing resource answers 409 and is left as it was. */
  create(path: string, properties: unknown, extra?: Record<string, unknown>): Promise<Resource>;
  /** Uploads a file, streamed as it is sent (function app content). */
  upload(path: string, file: FileBody): Promise<void>;
}

/** Creates the client. */
export function createResourceClient(options: { url: string; token: string }): ResourceClient {
  const target = { url: options.url, token: options.token };
  const call = <T>(method: HttpMethod, path: string, json?: unknown) =>
    request<T>(target, { method, path, ...(json === undefined ? {} : { json }) });
  return {
    call,
    list: async (path) => (await call<{ value: Resource[] }>('GET', path)).value,
    put: (path, properties, extra = {}) => call<Resource>('PUT', path, { ...extra, properties }),
    create: (path, properties, extra = {}) =>
      request<Resource>(target, {
        method: 'PUT',
        path,
        json: { ...extra, properties },
        headers: { 'if-none-match': '*' },
      }),
    upload: async (path, file) => {
      await request<unknown>(target, { method: 'PUT', path, file });
    },
  };
}

/** The path of a service, or of something in it. */
export function servicePath(service: string, rest = ''): string {
  return `${APIM_PATH}/${encodeURIComponent(service)}${rest}`;
}

/** The path of a policy at a scope. */
export function policyPath(service: string, scope: PolicyScope): string {
  if (scope.product !== undefined) {
    return servicePath(service, `/products/${encodeURIComponent(scope.product)}/policies/policy`);
  }
  if (scope.api !== undefined) {
    const op = scope.operation === undefined ? '' : `/operations/${encodeURIComponent(scope.operation)}`;
    return servicePath(service, `/apis/${encodeURIComponent(scope.api)}${op}/policies/policy`);
  }
  return servicePath(service, '/policies/policy');
}

/** The resource id of a backend of a type. */
export function backendResourceId(type: BackendType, name: string): string {
  const provider =
    type === 'apim'
      ? 'Microsoft.ApiManagement/service'
      : type === 'containerapp'
        ? 'Microsoft.App/containerApps'
        : 'Microsoft.Web/sites';
  return `${PROVIDERS_PATH}/${provider}/${encodeURIComponent(name)}`;
}

/** The collection path of backend apps of a type. */
export function appsPath(type: Exclude<BackendType, 'apim'>): string {
  return `${PROVIDERS_PATH}/${type === 'containerapp' ? 'Microsoft.App/containerApps' : 'Microsoft.Web/sites'}`;
}

/** The linked backends path of an environment. */
export function linksPath(site: string, environment: string): string {
  return `${SITES_PATH}/${encodeURIComponent(site)}/builds/${encodeURIComponent(buildName(environment))}/linkedBackends`;
}

/** The body that lists a function app's content. */
export function contentListing(files: readonly DeployFile[]): { api: DeployFile[] } {
  return { api: files.map(({ path, size, sha256 }) => ({ path, size, sha256 })) };
}
