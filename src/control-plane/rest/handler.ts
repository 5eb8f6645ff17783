/**
 * The management API as one request listener: bearer-token check (constant-time), route lookup, JSON
 * answers and the one error shape. `/openapi.json` needs no token; everything else does.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AdminTokenGuard, bearerToken, createAdminTokenGuard } from '../../shared/admin-token.js';
import { PorticoError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { ControlContext } from '../context.js';
import type { FunctionsInspector } from '../site-functions.js';
import { sendError, sendJson } from './http.js';
import { notSupportedError } from './not-supported.js';
import { createOpenApiDocument } from './openapi.js';
import { matchRoute, type Route } from './router.js';
import { createRoutes } from './routes.js';

/** Options of {@link createManagementHandler}. */
export interface ManagementHandlerOptions {
  readonly control: ControlContext;
  readonly adminToken: string;
  readonly logger: Logger;
  readonly version: string;
  /** Awaited after every successful change, before the answer (the local node applies it first). */
  readonly afterChange?: () => Promise<void>;
  /** Answers requests outside the API (the portal); default 404. */
  readonly fallback?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Lists the functions of the managed APIs this node runs (`portico serve`). */
  readonly functions?: FunctionsInspector;
  /**
   * The admin token check, shared with the port's other routes (`/metrics`) so that every wrong token
   * counts; default: one of `adminToken` for this handler alone.
   */
  readonly adminGuard?: AdminTokenGuard;
}

/** Creates the request listener of the admin port. */
export function createManagementHandler(
  options: ManagementHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const routes = createRoutes(options.control, options.functions);
  const openapi = JSON.stringify(createOpenApiDocument(routes, options.version));
  const guard = options.adminGuard ?? createAdminTokenGuard(options.adminToken);
  return (req, res) => {
    setRequestIds(req, res);
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    if (url.pathname === '/openapi.json' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(openapi);
      return;
    }
    void handleApi(req, res, url, routes, guard, options).catch((error: unknown) =>
      sendError(res, error, options.logger),
    );
  };
}

/**
 * The ids of Azure Resource Manager's answers: `x-ms-request-id`, new for each answer (Azure's SDKs keep
 * it on a RestError as `request.requestId`); `x-ms-correlation-request-id`, the caller's (so one id
 * follows an operation across calls) or a new one; and `x-ms-client-request-id` as the caller sent it.
 */
function setRequestIds(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('x-ms-request-id', randomUUID());
  res.setHeader('x-ms-correlation-request-id', callerId(req, 'x-ms-correlation-request-id') ?? randomUUID());
  const client = callerId(req, 'x-ms-client-request-id');
  if (client !== undefined) {
    res.setHeader('x-ms-client-request-id', client);
  }
}

/** An id header of the request, when it is one short line of visible ASCII (else it is not echoed). */
function callerId(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && /^[\x21-\x7e]{1,256}$/.test(value) ? value : undefined;
}

async function handleApi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  routes: readonly Route[],
  guard: AdminTokenGuard,
  options: ManagementHandlerOptions,
): Promise<void> {
  // HEAD is a GET without its body (Azure's SDKs check existence and entity tags with it).
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  const path = withoutTrailingSlash(url.pathname);
  const { match, allowed } = matchRoute(routes, method, path);
  if (match === undefined) {
    if (allowed.length > 0) {
      res.setHeader('allow', withHead(allowed).join(', '));
    }
    const unsupported = notSupportedError(req.method ?? method, path, withHead(allowed));
    if (unsupported !== undefined) {
      throw unsupported;
    }
    if (allowed.length > 0) {
      throw new PorticoError(
        'CONTROL_METHOD_NOT_ALLOWED',
        `${req.method} is not supported here; use ${allowed.join(' or ')}.`,
      );
    }
    if (
      options.fallback !== undefined &&
      !url.pathname.startsWith('/subscriptions/') &&
      !url.pathname.startsWith('/deploy/')
    ) {
      options.fallback(req, res);
      return;
    }
    throw new PorticoError(
      'CONTROL_NOT_FOUND',
      `No API route ${req.method} ${url.pathname}; see /openapi.json.`,
    );
  }
  if (match.route.auth === 'admin') {
    checkAdminToken(req, res, guard);
  }
  const token = bearerToken(req);
  const result = await match.route.handler({ req, params: match.params, query: url.searchParams, token });
  if (match.route.method !== 'GET') {
    await options
      .afterChange?.()
      .catch((error: unknown) => options.logger.warn(`applying a change locally failed: ${String(error)}`));
  }
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    res.setHeader(name, value);
  }
  if (result.status === 204) {
    res.writeHead(204);
    res.end();
    return;
  }
  sendJson(res, result.status, result.body ?? {});
}

/** A path without one trailing `/` (`…/staticSites/blog/` is the site, as Azure Resource Manager reads it). */
function withoutTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** The methods of an `Allow` header: HEAD beside GET, since every GET answers HEAD too. */
function withHead(methods: readonly string[]): string[] {
  return methods.flatMap((method) => (method === 'GET' ? ['GET', 'HEAD'] : [method]));
}

/**
 * The admin token of a request, or its refusal: 401 for a wrong or missing one (counted against the
 * address), 429 while the address has failed too often, whatever token it sends then.
 */
function checkAdminToken(req: IncomingMessage, res: ServerResponse, guard: AdminTokenGuard): void {
  const checked = guard.check(req);
  if (checked.kind === 'blocked') {
    res.setHeader('retry-after', String(checked.retryAfter));
    throw new PorticoError(
      'CONTROL_TOO_MANY_ATTEMPTS',
      `Too many wrong admin tokens from this address; try again in ${checked.retryAfter} s with the right one.`,
    );
  }
  if (checked.kind === 'refused') {
    res.setHeader('www-authenticate', 'Bearer');
    throw new PorticoError(
      'CONTROL_UNAUTHORIZED',
      'Missing or wrong admin token: send Authorization: Bearer <token> (PORTICO_ADMIN_TOKEN, or the file <data>/admin-token).',
    );
  }
}
