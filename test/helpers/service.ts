/** Starts `portico serve` in-process on free ports, and speaks its wire protocols for tests. */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { request } from 'undici';
import type { SandboxChoice } from '../../src/functions-host/index.js';
import {
  type PreconfiguredProviders,
  type ServeOptions,
  type Service,
  startService,
} from '../../src/serve/index.js';
import { type Logger, SILENT_LOGGER } from '../../src/shared/logger.js';
import { type Files, send, type TestResponse, writeApp } from './app.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const PROVIDERS_PATH =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/portico/providers';
export const SITES_PATH =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/portico/providers/Microsoft.Web/staticSites';

export interface TestService {
  readonly service: Service;
  readonly dataDir: string;
  /** A REST call on the admin port with the admin token. */
  admin(method: string, path: string, body?: unknown, token?: string): Promise<TestResponse>;
  /** A request to the data plane for `hostname`. */
  get(
    hostname: string,
    path: string,
    init?: { method?: string; headers?: Record<string, string>; body?: string },
  ): Promise<TestResponse>;
  close(): Promise<void>;
}

/** Starts a service on SQLite in a fresh folder (or `dataDir`), or on `databaseUrl`. */
export async function startTestService(
  options: {
    dataDir?: string;
    databaseUrl?: string;
    redisUrl?: string;
    apiIdleMinutes?: number;
    pollIntervalMs?: number;
    providers?: PreconfiguredProviders;
    /** PORTICO_SECRET_KEY (the nodes of one service share it); default: a key file in the data folder. */
    secretKey?: string;
    secretKeyFile?: string;
    /** Where the service logs (default: nowhere). */
    logger?: Logger;
    /** The control plane's clock (default: the system clock). */
    clock?: () => Date;
    sandbox?: SandboxChoice;
    functionsUser?: string;
    /** Extra options of `startService` (HTTPS, ACME, DNS server). */
    extra?: Partial<ServeOptions>;
    /** Operations options (metrics, access log). */
    metrics?: boolean;
    metricsPublic?: boolean;
    accessLog?: string;
    /** The admin token (default {@link ADMIN_TOKEN}, long enough that wrong guesses are not counted). */
    adminToken?: string;
  } = {},
): Promise<TestService> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'portico-serve-')));
  const service = await startService({
    dataDir,
    databaseUrl: options.databaseUrl,
    redisUrl: options.redisUrl,
    port: 0,
    adminPort: 0,
    host: '127.0.0.1',
    domain: 'portico.test',
    adminToken: options.adminToken ?? ADMIN_TOKEN,
    secretKey: options.secretKey,
    secretKeyFile: options.secretKeyFile,
    apiTimeoutSeconds: 45,
    apiIdleMinutes: options.apiIdleMinutes ?? 15,
    pollIntervalMs: options.pollIntervalMs ?? 200,
    version: 'test',
    verbose: false,
    logger: options.logger ?? SILENT_LOGGER,
    ...(options.providers === undefined ? {} : { providers: options.providers }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }),
    ...(options.functionsUser === undefined ? {} : { functionsUser: options.functionsUser }),
    ...options.extra,
    metrics: options.metrics,
    metricsPublic: options.metricsPublic,
    accessLog: options.accessLog,
  });
  return {
    service,
    dataDir,
    admin: (method, path, body, token = options.adminToken ?? ADMIN_TOKEN) =>
      send(`${service.adminUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    get: (hostname, path, init = {}) =>
      send(`${service.url}${path}`, {
        ...init,
        headers: { ...init.headers, host: `${hostname}:${service.port}` },
      }),
    close: () => service.close(),
  };
}

/** Removes a data folder made by {@link startTestService}. */
export function removeData(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

export interface PackedFile {
  path: string;
  size: number;
  sha256: string;
  data: Buffer;
}

export async function packFolder(dir: string): Promise<PackedFile[]> {
  const out: PackedFile[] = [];
  const walk = async (current: string) => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') {
        await walk(path);
      } else if (entry.isFile() && entry.name !== 'local.settings.json') {
        const data = await readFile(path);
        out.push({
          path: relative(dir, path).split('\\').join('/'),
          size: data.length,
          sha256: createHash('sha256').update(data).digest('hex'),
          data,
        });
      }
    }
  };
  await walk(dir);
  return out;
}

/** Deploys folders over the wire protocol with a deployment token; returns the commit answer. */
export async function deployFolders(
  service: Service,
  token: string,
  appDir: string,
  options: { apiDir?: string; environment?: string } = {},
): Promise<TestResponse> {
  const staged = await stageFolders(service, token, appDir, options);
  return 'commit' in staged ? staged.commit() : staged;
}

/**
 * Creates a deployment and uploads its files, leaving the commit to the caller (deploys that overlap);
 * answers the failed call instead when one fails.
 */
export async function stageFolders(
  service: Service,
  token: string,
  appDir: string,
  options: { apiDir?: string; environment?: string } = {},
): Promise<TestResponse | { id: string; commit(): Promise<TestResponse> }> {
  const app = await packFolder(appDir);
  const api = options.apiDir === undefined ? undefined : await packFolder(options.apiDir);
  const call = (method: string, path: string, body?: Buffer | string, type = 'application/json') =>
    send(`${service.adminUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body,
    });
  const listing = (files: PackedFile[]) => files.map(({ path, size, sha256 }) => ({ path, size, sha256 }));
  const created = await call(
    'POST',
    '/deploy/v1/deployments',
    JSON.stringify({
      environment: options.environment ?? 'production',
      app: listing(app),
      ...(api === undefined ? {} : { api: listing(api) }),
    }),
  );
  if (created.status !== 201) {
    return created;
  }
  const { id, missing } = created.json<{ id: string; missing: string[] }>();
  const all = [...app, ...(api ?? [])];
  for (const hash of missing) {
    const file = all.find((f) => f.sha256 === hash);
    const put = await call(
      'PUT',
      `/deploy/v1/deployments/${id}/files/${hash}`,
      file?.data,
      'application/octet-stream',
    );
    if (put.status !== 204) {
      return put;
    }
  }
  return { id, commit: () => call('POST', `/deploy/v1/deployments/${id}/commit`) };
}

/** Raw undici request (for streaming uploads in tests). */
export { request };

/** Uploads an API folder as a function app's content over REST (check, upload missing, set). */
export async function uploadFunctionApp(t: TestService, name: string, apiDir: string): Promise<TestResponse> {
  const files = await packFolder(apiDir);
  const base = `${PROVIDERS_PATH}/Microsoft.Web/sites/${name}/content`;
  const api = files.map(({ path, size, sha256 }) => ({ path, size, sha256 }));
  const check = await t.admin('POST', `${base}/check`, { api });
  if (check.status !== 200) {
    return check;
  }
  for (const hash of check.json<{ missing: string[] }>().missing) {
    const file = files.find((f) => f.sha256 === hash);
    await send(`${t.service.adminUrl}${base}/files/${hash}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' },
      body: file?.data,
    });
  }
  return t.admin('PUT', base, { api });
}

/**
 * Creates a Standard site with app settings and deploys `files` (with `config` as its
 * staticwebapp.config.json, and `apiDir` as its API) to production; returns its host name. Throws with
 * the server's answer when a step fails.
 */
export async function createDeployedSite(
  t: TestService,
  name: string,
  options: { files: Files; config?: unknown; settings?: Record<string, string>; apiDir?: string },
): Promise<string> {
  const created = await t.admin('PUT', `${SITES_PATH}/${name}`, { sku: { name: 'Standard' } });
  if (created.status !== 201) {
    throw new Error(`creating ${name}: ${created.status} ${created.text}`);
  }
  const { defaultHostname, apiKey } = created.json<{
    properties: { defaultHostname: string; apiKey: string };
  }>().properties;
  if (options.settings !== undefined) {
    const settings = await t.admin('PUT', `${SITES_PATH}/${name}/builds/default/config/appsettings`, {
      properties: options.settings,
    });
    if (settings.status !== 200) {
      throw new Error(`settings of ${name}: ${settings.status} ${settings.text}`);
    }
  }
  const app = await writeApp(options.files, options.config);
  const deployed = await deployFolders(
    t.service,
    apiKey,
    app,
    options.apiDir === undefined ? {} : { apiDir: options.apiDir },
  );
  if (deployed.status !== 200) {
    throw new Error(`deploying ${name}: ${deployed.status} ${deployed.text}`);
  }
  return defaultHostname;
}
