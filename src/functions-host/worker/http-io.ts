/**
 * Reading request bodies and writing responses on `node:http` objects, with the request body limit of
 * the HTTP trigger (100 MB, spec §8.4).
 */
import {
  type IncomingMessage,
  type ServerResponse,
  validateHeaderName,
  validateHeaderValue,
} from 'node:http';
import type { HttpResult } from './rpc-response.js';

/** The HTTP trigger's request body limit. */
export const MAX_BODY_BYTES = 100 * 1024 * 1024;

/** True when the declared Content-Length already exceeds `max`. */
export function isDeclaredTooLarge(req: IncomingMessage, max: number): boolean {
  const declared = Number(req.headers['content-length'] ?? 0);
  return Number.isFinite(declared) && declared > max;
}

/** Reads the whole body; resolves `undefined` (and stops reading) once it exceeds `max` bytes. */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

/** A status with an optional short text body, as a complete response. */
export function statusResult(status: number, text = ''): HttpResult {
  const headers: [string, string][] = text === '' ? [] : [['content-type', 'text/plain; charset=utf-8']];
  return { status, headers, body: Buffer.from(text, 'utf8') };
}

/** Sends a status with an optional short text body. */
export function sendStatus(res: ServerResponse, status: number, text = ''): void {
  writeResult(res, statusResult(status, text), () => {});
}

/**
 * Writes a function's response. Headers Node refuses (bad names or control characters) are skipped and
 * reported through `onInvalidHeader`, so one bad header cannot turn the response into a crash.
 */
export function writeResult(
  res: ServerResponse,
  result: HttpResult,
  onInvalidHeader: (name: string) => void,
): void {
  res.writeHead(result.status, responseHeaderList(result, onInvalidHeader));
  res.end(result.body);
}

/**
 * The header lines of `result` as a flat `[name, value, …]` list, with its `content-length` (none for
 * 204 and 304); invalid headers are left out and reported.
 */
export function responseHeaderList(result: HttpResult, onInvalidHeader: (name: string) => void): string[] {
  const flat: string[] = [];
  for (const [name, value] of result.headers) {
    if (isValidHeader(name, value)) {
      flat.push(name, value);
    } else {
      onInvalidHeader(name);
    }
  }
  if (result.status !== 204 && result.status !== 304) {
    flat.push('content-length', String(result.body.length));
  }
  return flat;
}

function isValidHeader(name: string, value: string): boolean {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    return true;
  } catch {
    return false;
  }
}
