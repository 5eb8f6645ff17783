/**
 * Function apps ("bring your own" Azure Functions, spec/swa-behaviour.md §3.4) on the data-plane
 * listener at `<name>.azurewebsites.<domain>`. Like Azure's `Azure Static Web Apps (Linked)` identity
 * provider, a function app admits only requests carrying a valid token of a site environment linked to
 * it, and keeps refusing everything after an unlink. The functions host starts on the first call.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  APP_CHANGE_PREFIX,
  type BackendApp,
  type ControlContext,
  linkedEnvironments,
  listFunctionApps,
  materializeDeployment,
  readFunctionContent,
  tokenIssuer,
} from '../control-plane/index.js';
import { createRequestId, parseRequestTarget } from '../edge/index.js';
import type { ByteBudget, Sandbox } from '../functions-host/index.js';
import { isHttpsRequest, LINK_PROOF_FIELD } from '../shared/forwarded.js';
import type { LinkProof } from './link-proof.js';
import { createManagedApi, type ManagedApi } from './managed-api.js';
import type { TokenService } from './tokens.js';

/** Function apps by host. */
export interface FunctionAppTable {
  /** Serves a request for `hostname`, or answers false when no function app has that host. */
  handle(hostname: string, req: IncomingMessage, res: ServerResponse): boolean;
  loadAll(): Promise<void>;
  apply(names: readonly string[]): Promise<void>;
  /** The names of the deployment folders (`functionapp-<id>-<version>`) the apps of this table run from. */
  activeFolders(): Set<string>;
  close(): Promise<void>;
}

interface Runtime {
  readonly app: BackendApp;
  readonly api: ManagedApi | undefined;
  /** The deployment folder the app runs from, when it has content. */
  readonly folder?: string;
  /** Issuer → site id of every environment linked to the app (see {@link issuersOf}). */
  readonly issuers: () => ReadonlyMap<string, string>;
}

/** What the table needs. */
export interface FunctionAppDeps {
  readonly control: ControlContext;
  readonly tokens: TokenService;
  readonly timeoutMs: number;
  readonly idleMs: number;
  /** Where managed functions run (chosen at start). */
  readonly sandbox?: Sandbox;
  /** The request-body bytes every managed API of the process may hold at once (decision 0112). */
  readonly requestBodies?: ByteBudget;
  /** Tells Portico's own `/api` proxy from other callers (decision 0095). */
  readonly linkProof: LinkProof;
}

const CLOCK_SKEW_SECONDS = 60;

function deny(res: ServerResponse, req: IncomingMessage, status: number, message: string): void {
  const body = JSON.stringify({ statusCode: status, message });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
  req.resume();
}

function bearerOf(req: IncomingMessage): string | undefined {
  const header = req.headers['x-ms-auth-token'] ?? req.headers.authorization?.replace(/^Bearer\s+/i, '');
  return typeof header === 'string' && header.length < 16_384 ? header : undefined;
}

interface Claims {
  readonly iss?: unknown;
  readonly aud?: unknown;
  readonly exp?: unknown;
  readonly nbf?: unknown;
  readonly prn?: unknown;
}

/** Verifies a site token for this app; answers its claims, or why it is refused. */
async function verifyToken(token: string, runtime: Runtime, deps: FunctionAppDeps): Promise<Claims | string> {
  const [head = '', body = '', signature = ''] = token.split('.');
  let header: { alg?: unknown; kid?: unknown };
  let claims: Claims;
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as typeof header;
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Claims;
  } catch {
    return 'the token is not well formed';
  }
  const siteId = typeof claims.iss === 'string' ? runtime.issuers().get(claims.iss) : undefined;
  if (siteId === undefined || header.alg !== 'RS256') {
    return 'the token was not issued by a static web app linked to this function app';
  }
  const { published } = await deps.tokens.keys(siteId);
  const key = published.find((candidate) => candidate.kid === header.kid);
  if (
    key === undefined ||
    !verify(
      'sha256',
      Buffer.from(`${head}.${body}`),
      createPublicKey({ key: key.publicJwk as never, format: 'jwk' }),
      Buffer.from(signature, 'base64url'),
    )
  ) {
    return 'the token signature is invalid';
  }
  const now = Math.floor(deps.control.now().getTime() / 1000);
  if (claims.aud !== deps.control.publicUrl(runtime.app.hostname ?? '')) {
    return 'the token was issued for another backend';
  }
  if (
    typeof claims.exp !== 'number' ||
    claims.exp + CLOCK_SKEW_SECONDS < now ||
    (typeof claims.nbf === 'number' && claims.nbf - CLOCK_SKEW_SECONDS > now)
  ) {
    return 'the token has expired or is not valid yet';
  }
  return claims;
}

async function serve(
  runtime: Runtime,
  deps: FunctionAppDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const token = bearerOf(req);
  const verdict = token === undefined ? 'no token was sent' : await verifyToken(token, runtime, deps);
  if (typeof verdict === 'string') {
    return deny(
      res,
      req,
      401,
      `This function app accepts only requests proxied by its linked static web app: ${verdict}.`,
    );
  }
  if (runtime.api === undefined) {
    return deny(
      res,
      req,
      503,
      'This function app has no content yet; deploy it with portico functionapp create <name> --api <dir>.',
    );
  }
  await runtime.api.forward(req, res, {
    pathAndQuery: req.url ?? '/',
    requestId:
      typeof req.headers['x-ms-request-id'] === 'string' ? req.headers['x-ms-request-id'] : createRequestId(),
    ...(typeof verdict.prn === 'string' ? { principalHeader: verdict.prn } : {}),
    ...forwardedFactsOf(req, deps.linkProof.verify(token ?? '', req.headers[LINK_PROOF_FIELD])),
  });
}

/**
 * The scheme, host and URL the function is told of. Portico's own `/api` proxy (its proof checked) knows
 * the visitor's request, which the function app's listener never saw: its fields are kept. Any other
 * caller (one holding a copied token) chooses none of them: they come from its own connection, HTTPS by
 * TLS or by a `--trusted-proxy` (decision 0095).
 */
function forwardedFactsOf(
  req: IncomingMessage,
  fromProxy: boolean,
): { forwardedProto: 'http' | 'https'; forwardedHost: string; originalUrl: string } {
  const proto = headerOf(req, 'x-forwarded-proto');
  const host = headerOf(req, 'x-forwarded-host');
  const url = headerOf(req, 'x-ms-original-url');
  if (fromProxy && (proto === 'http' || proto === 'https') && host !== undefined && url !== undefined) {
    return { forwardedProto: proto, forwardedHost: host, originalUrl: url };
  }
  const forwardedProto = isHttpsRequest(req) ? 'https' : 'http';
  const forwardedHost = req.headers.host ?? '';
  const target = parseRequestTarget(req.url);
  const path = target.ok ? `${target.rawPath}${target.search}` : '/';
  return { forwardedProto, forwardedHost, originalUrl: `${forwardedProto}://${forwardedHost}${path}` };
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The issuers of the environments linked to the app, made on first use: an issuer is a public URL, whose
 * port is known only once the listener listens (`--port 0`), after the apps loaded at start are built.
 */
async function issuersOf(app: BackendApp, deps: FunctionAppDeps): Promise<() => ReadonlyMap<string, string>> {
  const links = await linkedEnvironments(deps.control, app.id);
  let issuers: ReadonlyMap<string, string> | undefined;
  return () => {
    issuers ??= new Map(links.map((link) => [tokenIssuer(deps.control, link.hostname), link.siteId]));
    return issuers;
  };
}

async function buildRuntime(app: BackendApp, deps: FunctionAppDeps): Promise<Runtime> {
  const issuers = await issuersOf(app, deps);
  const files = await readFunctionContent(deps.control, app.id);
  if (files.length === 0) {
    return { app, api: undefined, issuers };
  }
  const version = createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 16);
  const folder = `functionapp-${app.id}-${version}`;
  const folders = await materializeDeployment(deps.control, folder, {
    app: [],
    api: files,
  });
  const api = createManagedApi({
    apiDir: folders.apiDir ?? '',
    appSettings: {},
    timeoutMs: deps.timeoutMs,
    idleMs: deps.idleMs,
    logger: deps.control.logger,
    label: `functionapp ${app.name}`,
    identity: `functionapp:${app.id}`,
    ...(deps.sandbox === undefined ? {} : { sandbox: deps.sandbox }),
    ...(deps.requestBodies === undefined ? {} : { requestBodies: deps.requestBodies }),
  });
  return { app, api, issuers, folder };
}

/** Creates the table; call `loadAll()` before serving. */
export function createFunctionAppTable(deps: FunctionAppDeps): FunctionAppTable {
  const byHost = new Map<string, Runtime>();
  const replaceAll = async () => {
    const apps = await listFunctionApps(deps.control);
    const next = new Map<string, Runtime>();
    for (const app of apps) {
      const previous = byHost.get(app.hostname ?? '');
      const reuse = previous !== undefined && previous.app.updatedAt === app.updatedAt;
      const runtime = reuse
        ? { ...previous, issuers: await issuersOf(app, deps) }
        : await buildRuntime(app, deps);
      next.set(app.hostname ?? '', runtime);
    }
    for (const [host, runtime] of byHost) {
      if (next.get(host)?.api !== runtime.api) {
        void runtime.api?.close(50_000);
      }
    }
    byHost.clear();
    for (const [host, runtime] of next) {
      byHost.set(host, runtime);
    }
  };
  return {
    handle(hostname, req, res) {
      const runtime = byHost.get(hostname);
      if (runtime === undefined) {
        return false;
      }
      void serve(runtime, deps, req, res).catch(() => deny(res, req, 500, 'Internal server error'));
      return true;
    },
    loadAll: replaceAll,
    activeFolders() {
      return new Set(
        [...byHost.values()].flatMap((runtime) => (runtime.folder === undefined ? [] : [runtime.folder])),
      );
    },
    async apply(names) {
      // Links are recorded under environment host names, so any change may change who may call an app.
      if (
        names.length > 0 &&
        (byHost.size > 0 || names.some((name) => name.startsWith(APP_CHANGE_PREFIX) || name === '*'))
      ) {
        await replaceAll();
      }
    },
    async close() {
      await Promise.all([...byHost.values()].map((runtime) => runtime.api?.close(0)));
      byHost.clear();
    },
  };
}
