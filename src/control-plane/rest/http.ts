/** Small HTTP helpers of the management API: JSON bodies in and out, and the one error shape. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isUserError, PorticoError } from '../../shared/errors.js';
import { errorMessage } from '../../shared/guards.js';
import type { Logger } from '../../shared/logger.js';
import { REQUEST_ID_HEADER, requestTag } from '../../shared/request-tag.js';
import { storageConflict, storageUnavailable } from '../../storage/index.js';

/** The size a request declares in `content-length`; `undefined` without one (a chunked body). */
export function declaredLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  return header === undefined || !/^\d+$/.test(header) ? undefined : Number(header);
}

/** Reads a request body up to `limit` bytes; more is a 413 user error. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  if ((declaredLength(req) ?? 0) > limit) {
    throw tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      throw tooLarge(limit);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): PorticoError {
  return new PorticoError('CONTROL_BAD_REQUEST', `The request body is larger than ${limit} bytes.`, {
    status: 413,
  });
}

/** Parses a JSON body; empty means `{}`. */
export async function readJson(req: IncomingMessage, limit = 16 * 1024 * 1024): Promise<unknown> {
  const body = await readBody(req, limit);
  if (body.length === 0) {
    return {};
  }
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (cause) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      `The request body is not valid JSON: ${(cause as Error).message}.`,
    );
  }
}

/** Sends a JSON document. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/**
 * The one error shape: `{ error: { code, message, details?, problem?, remedy? } }`; system errors are
 * logged, not shown.
 */
export function sendError(res: ServerResponse, error: unknown, logger: Logger): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (isUserError(error)) {
    const details = error.details === undefined ? {} : { details: error.details };
    const remedy = error.remedy === undefined ? {} : { problem: error.problem, remedy: error.remedy };
    sendJson(res, error.status, {
      error: { code: error.code, message: error.message, ...details, ...remedy },
    });
    return;
  }
  // The answer's x-ms-request-id, in the log line too, so an operator finds the line a caller reports.
  const requestId = res.getHeader(REQUEST_ID_HEADER);
  const tag = requestTag(res);
  const down = storageUnavailable(error);
  if (down !== undefined) {
    logger.error(`management API${tag}: the database cannot be reached: ${errorMessage(error)}`);
    sendJson(res, down.status, { error: { code: down.code, message: down.message } });
    return;
  }
  const conflict = storageConflict(error);
  if (conflict !== undefined) {
    logger.warn(`management API${tag}: a concurrent change won: ${errorMessage(error)}`);
    sendJson(res, conflict.status, { error: { code: conflict.code, message: conflict.message } });
    return;
  }
  logger.error(
    `management API${tag}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  const code = error instanceof PorticoError ? error.code : 'INTERNAL';
  sendJson(res, 500, {
    error: {
      code,
      message: `An internal error occurred; the server log has the details${tag === '' ? '' : `, under request ${requestId}`}.`,
    },
  });
}
