/**
 * The management API as one request listener: bearer-token check (constant-time), route lookup, JSON
 * answers and the one error shape. `/openapi.json` needs no token; everything else does.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PorticoError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { ControlContext } from '../context.js';
import type { FunctionsInspector } from '../site-functions.js';
import { createFailedAttempts, type FailedAttempts, type FailedAttemptsOptions } from './failed-attempts.js';
import { sendError, sendJson } from './http.js';
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
  /** How many wrong admin tokens an address may send, and in what time (default 20 a minute). */
  readonly failedAttempts?: FailedAttemptsOptions;
}

/** Creates the request listener of the admin port. */
export function createManagementHandler(
  options: ManagementHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const routes = createRoutes(options.control, options.functions);
  const openapi = JSON.stringify(createOpenApiDocument(routes, options.version));
  const adminHash = digest(options.adminToken);
  const failures = createFailedAttempts(options.failedAttempts);
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    if (url.pathname === '/openapi.json' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(openapi);
      return;
    }
    void handleApi(req, res, url, routes, { adminHash, failures }, options).catch((error: unknown) =>
      sendError(res, error, options.logger),
    );
  };
}

async function handleApi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  routes: readonly Route[],
  admin: { readonly adminHash: Buffer; readonly failures: FailedAttempts },
  options: ManagementHandlerOptions,
): Promise<void> {
  // HEAD is a GET without its body (Azure's SDKs check existence and entity tags with it).
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  const { match, allowed } = matchRoute(routes, method, url.pathname);
  if (match === undefined) {
    if (allowed.length > 0) {
      res.setHeader('allow', allowed.join(', '));
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
  const token = bearerToken(req);
  if (match.route.auth === 'admin') {
    checkAdminToken(req, res, token, admin);
  }
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

/**
 * The admin token of a request, or its refusal: 401 for a wrong or missing one (counted against the
 * address), 429 while the address has failed too often, whatever token it sends then.
 */
function checkAdminToken(
  req: IncomingMessage,
  res: ServerResponse,
  token: string | undefined,
  admin: { readonly adminHash: Buffer; readonly failures: FailedAttempts },
): void {
  const address = req.socket.remoteAddress ?? '';
  const wait = admin.failures.retryAfter(address);
  if (wait > 0) {
    res.setHeader('retry-after', String(wait));
    throw new PorticoError(
      'CONTROL_TOO_MANY_ATTEMPTS',
      `Too many wrong admin tokens from this address; try again in ${wait} s with the right one.`,
    );
  }
  if (token === undefined || !timingSafeEqual(digest(token), admin.adminHash)) {
    admin.failures.fail(address);
    res.setHeader('www-authenticate', 'Bearer');
    throw new PorticoError(
      'CONTROL_UNAUTHORIZED',
      'Missing or wrong admin token: send Authorization: Bearer <token> (PORTICO_ADMIN_TOKEN, or the file <data>/admin-token).',
    );
  }
}

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
