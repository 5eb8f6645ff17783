/**
 * The operations endpoints of the admin port: `GET /healthz` (the process answers), `GET /readyz`
 * (dependencies reachable; 503 naming what is down, and why only to the admin token) and `GET /metrics`
 * (Prometheus text; the admin token is needed unless the operator made metrics public). The token is
 * checked by the port's one guard, so a wrong one counts here as on the management API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminTokenCheck, AdminTokenGuard } from '../shared/admin-token.js';
import { ERROR_CODES, type ErrorCode } from '../shared/errors.js';
import { type DegradingCheck, probeReadiness, type ReadinessCheck } from './health.js';
import type { Metrics } from './metrics.js';

/** Options of {@link createOpsRoutes}. */
export interface OpsRoutesOptions {
  /** The admin port's token check, shared with the management API. */
  readonly adminGuard: AdminTokenGuard;
  /** `--metrics-public`: `/metrics` without the admin token. */
  readonly metricsPublic: boolean;
  readonly metrics?: Metrics;
  readonly checks: Readonly<Record<string, ReadinessCheck | DegradingCheck>>;
}

/** Answers an operations request and returns true, or returns false for any other request. */
export type OpsRoutes = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Creates the operations routes of the admin listener. */
export function createOpsRoutes(options: OpsRoutesOptions): OpsRoutes {
  const { adminGuard } = options;
  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== '/healthz' && path !== '/readyz' && path !== '/metrics') {
      return false;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendFailure(res, 'CONTROL_METHOD_NOT_ALLOWED', `${req.method} is not supported here; use GET.`);
      return true;
    }
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
    } else if (path === '/readyz') {
      // A probe sends no token and is not counted; a token sent is checked (and counted when wrong).
      const withReasons = req.headers.authorization !== undefined && adminGuard.check(req).kind === 'ok';
      void answerReadiness(res, options.checks, withReasons);
    } else if (options.metricsPublic) {
      void answerMetrics(res, options.metrics);
    } else {
      const checked = adminGuard.check(req);
      if (checked.kind === 'ok') {
        void answerMetrics(res, options.metrics);
      } else {
        refuseMetrics(res, checked);
      }
    }
    return true;
  };
}

/**
 * The probe's answer. A failed check's reason (`connect ECONNREFUSED 10.0.0.5:5432`) names internal
 * addresses, so only a caller with the admin token reads it; a load balancer's probe, or a site's
 * function calling the node, reads `down`.
 */
async function answerReadiness(
  res: ServerResponse,
  checks: Readonly<Record<string, ReadinessCheck | DegradingCheck>>,
  withReasons: boolean,
): Promise<void> {
  const readiness = await probeReadiness(checks);
  const down = Object.entries(readiness.checks).filter(
    ([name, state]) => state !== 'ok' && !readiness.degraded.includes(name),
  );
  const shown = withReasons
    ? readiness.checks
    : Object.fromEntries(
        Object.entries(readiness.checks).map(([name, state]) => [name, state === 'ok' ? 'ok' : 'down']),
      );
  const status = !readiness.ready ? 'not ready' : readiness.degraded.length > 0 ? 'degraded' : 'ready';
  sendJson(res, readiness.ready ? 200 : 503, {
    status,
    ...(down.length > 0 ? { down: down.map(([name]) => name) } : {}),
    ...(readiness.degraded.length > 0 ? { degraded: readiness.degraded } : {}),
    checks: shown,
  });
}

async function answerMetrics(res: ServerResponse, metrics: Metrics | undefined): Promise<void> {
  if (metrics === undefined) {
    sendFailure(res, 'CONTROL_NOT_FOUND', 'Metrics are turned off on this node.');
    return;
  }
  try {
    const text = await metrics.render();
    res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
    res.end(text);
  } catch (error) {
    sendFailure(res, 'INTERNAL', `Cannot collect the metrics: ${String(error)}`);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(body)}\n`);
}

/** The REST API's one error shape, with a code of the catalog. */
function sendFailure(res: ServerResponse, code: ErrorCode, message: string): void {
  sendJson(res, ERROR_CODES[code].status, { error: { code, message } });
}

/** `/metrics` without a good admin token: 401, or 429 while the address is refused for its guesses. */
function refuseMetrics(res: ServerResponse, checked: Exclude<AdminTokenCheck, { kind: 'ok' }>): void {
  if (checked.kind === 'blocked') {
    res.setHeader('retry-after', String(checked.retryAfter));
    sendFailure(
      res,
      'CONTROL_TOO_MANY_ATTEMPTS',
      `Too many wrong admin tokens from this address; try again in ${checked.retryAfter} s with the right one.`,
    );
    return;
  }
  res.setHeader('www-authenticate', 'Bearer');
  sendFailure(
    res,
    'CONTROL_UNAUTHORIZED',
    'GET /metrics needs the admin token (Authorization: Bearer <token>), unless portico serve runs with --metrics-public.',
  );
}
