/**
 * The operations endpoints of the admin port: `GET /healthz` (the process answers), `GET /readyz`
 * (dependencies reachable; 503 naming what is down, and why only to the admin token) and `GET /metrics` (Prometheus text; the admin
 * token is needed unless the operator made metrics public).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_CODES, type ErrorCode } from '../shared/errors.js';
import { probeReadiness, type ReadinessCheck } from './health.js';
import type { Metrics } from './metrics.js';

/** Options of {@link createOpsRoutes}. */
export interface OpsRoutesOptions {
  readonly adminToken: string;
  /** `--metrics-public`: `/metrics` without the admin token. */
  readonly metricsPublic: boolean;
  readonly metrics?: Metrics;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
}

/** Answers an operations request and returns true, or returns false for any other request. */
export type OpsRoutes = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Creates the operations routes of the admin listener. */
export function createOpsRoutes(options: OpsRoutesOptions): OpsRoutes {
  const adminHash = digest(options.adminToken);
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
      void answerReadiness(res, options.checks, hasAdminToken(req, adminHash));
    } else if (!options.metricsPublic && !hasAdminToken(req, adminHash)) {
      res.setHeader('www-authenticate', 'Bearer');
      sendFailure(
        res,
        'CONTROL_UNAUTHORIZED',
        'GET /metrics needs the admin token (Authorization: Bearer <token>), unless portico serve runs with --metrics-public.',
      );
    } else {
      void answerMetrics(res, options.metrics);
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
  checks: Readonly<Record<string, ReadinessCheck>>,
  withReasons: boolean,
): Promise<void> {
  const readiness = await probeReadiness(checks);
  const down = Object.entries(readiness.checks).filter(([, state]) => state !== 'ok');
  const shown = withReasons
    ? readiness.checks
    : Object.fromEntries(
        Object.entries(readiness.checks).map(([name, state]) => [name, state === 'ok' ? 'ok' : 'down']),
      );
  sendJson(res, readiness.ready ? 200 : 503, {
    status: readiness.ready ? 'ready' : 'not ready',
    ...(down.length > 0 ? { down: down.map(([name]) => name) } : {}),
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

function hasAdminToken(req: IncomingMessage, adminHash: Buffer): boolean {
  const header = req.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(.+)$/i.exec(header);
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1].trim()), adminHash);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
