/**
 * Test helpers: write a small app to a temp folder, start `portico start` in-process on a real socket
 * (port 0), and talk to it with undici over loopback.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Agent, request } from 'undici';
import { type DevServer, type DevServerOptions, type Plan, startDevServer } from '../../src/main.js';
import { createLogger, type Logger } from '../../src/shared/logger.js';

export type Files = Record<string, string | Buffer>;

/** Writes `files` (relative path → content) into a new temp folder and returns its path. */
export async function writeApp(files: Files, config?: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-app-'));
  const all: Files = { ...files };
  if (config !== undefined) {
    all['staticwebapp.config.json'] = typeof config === 'string' ? config : JSON.stringify(config, null, 2);
  }
  for (const [path, content] of Object.entries(all)) {
    await writeFileIn(dir, path, content);
  }
  return dir;
}

/** Writes one file at `relativePath` under `dir`, creating its folders; returns the file's path. */
export async function writeFileIn(
  dir: string,
  relativePath: string,
  content: string | Buffer,
): Promise<string> {
  const path = join(dir, relativePath);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  return path;
}

export interface TestApp {
  readonly dir: string;
  readonly url: string;
  readonly logs: string[];
  fetch(path: string, init?: RequestInit): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  localAddress?: string;
}

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  header(name: string): string | undefined;
  json<T = unknown>(): T;
}

export interface StartOptions {
  config?: unknown;
  plan?: Plan;
  apiDevserverUrl?: string;
  /** A Functions app folder run as managed functions. */
  apiDir?: string;
  apiTimeoutSeconds?: number;
  /** How long a client may send nothing of an unfinished /api body before 408 (default 20 s). */
  clientBodyIdleMs?: number;
  host?: string;
  /** `--allowed-host`: names answered besides localhost, IP addresses and `host`. */
  allowedHosts?: string[];
  verbose?: boolean;
}

/** Writes an app and serves it with the dev server; `close()` stops the server and removes the folder. */
export async function startApp(files: Files, options: StartOptions = {}): Promise<TestApp> {
  const dir = await writeApp(files, options.config);
  return startInProcess(dir, {
    appDir: dir,
    apiDevserverUrl: options.apiDevserverUrl,
    apiDir: options.apiDir,
    port: 0,
    host: options.host ?? '127.0.0.1',
    ...(options.allowedHosts === undefined ? {} : { allowedHosts: options.allowedHosts }),
    plan: options.plan ?? 'standard',
    apiTimeoutSeconds: options.apiTimeoutSeconds ?? 45,
    ...(options.clientBodyIdleMs === undefined ? {} : { clientBodyIdleMs: options.clientBodyIdleMs }),
    verbose: options.verbose ?? false,
  });
}

/**
 * Starts `portico start` in-process with `options`, its log lines kept in `logs`; `close()` stops it and
 * removes `dir` (removed at once when the start fails).
 */
export async function startInProcess(
  dir: string,
  options: Omit<DevServerOptions, 'logger'>,
): Promise<TestApp> {
  const logs: string[] = [];
  const logger: Logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  let server: DevServer;
  try {
    server = await startDevServer({ ...options, logger });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    url: server.url,
    logs,
    fetch: (path, init) => send(server.url + path, init),
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Sends one request with undici (no redirects followed, any header allowed) and reads the whole body. */
export async function send(url: string, init: RequestInit = {}): Promise<TestResponse> {
  const response = await request(url, {
    method: (init.method ?? 'GET') as 'GET',
    headers: init.headers,
    body: init.body,
    ...(init.localAddress ? { dispatcher: localDispatcher(init.localAddress) } : {}),
  });
  const text = await response.body.text();
  const headers = response.headers;
  return {
    status: response.statusCode,
    headers,
    text,
    header: (name) => {
      const value = headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    json: <T>() => JSON.parse(text) as T,
  };
}

const agents = new Map<string, Agent>();
function localDispatcher(localAddress: string): Agent {
  let agent = agents.get(localAddress);
  if (agent === undefined) {
    agent = new Agent({ localAddress });
    agents.set(localAddress, agent);
  }
  return agent;
}

/** A hand-made `StaticWebAppsAuthCookie` like the SWA CLI's (base64 JSON), as a Cookie header value. */
export function authCookie(principal: {
  identityProvider?: string;
  userId?: string;
  userDetails?: string;
  userRoles?: string[];
  claims?: { typ: string; val: string }[];
}): string {
  const value = {
    identityProvider: 'github',
    userId: 'd75b260a64504067bfc5b2905e3b8182',
    userDetails: 'alice',
    userRoles: ['anonymous', 'authenticated'],
    ...principal,
  };
  return `StaticWebAppsAuthCookie=${Buffer.from(JSON.stringify(value)).toString('base64')}`;
}

/** Polls `check` until it returns true or the deadline passes (for file-watch effects). */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
