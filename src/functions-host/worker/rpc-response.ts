/**
 * Maps an `RpcInvocationResponse` to the HTTP response the Functions host would send (spec §5 "Result →
 * HTTP", §6.3): the http value from `$return` or the http output binding; status (missing or
 * unparseable → 200); headers (content-type handled apart); cookies → `Set-Cookie` lines; the body by
 * its TypedData kind. No http value at all (a v4 handler returning nothing) → 204, as ASP.NET answers an
 * empty result.
 */
import type { AppFunction } from './app-functions.js';
import { serializeCookie } from './set-cookie.js';
import type { RpcHttpData, RpcInvocationResponse, RpcTypedData } from './types.js';

/** A complete HTTP response. */
export interface HttpResult {
  status: number;
  /** Header pairs in order; `set-cookie` appears once per cookie. */
  headers: [string, string][];
  body: Buffer;
}

const TEXT_PLAIN = 'text/plain; charset=utf-8';
/** Headers Node computes itself; a function's value would corrupt the framing. */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

/** Finds the http output of the response and turns it into an HTTP response. */
export function toHttpResult(fn: AppFunction, response: RpcInvocationResponse): HttpResult {
  const http = findHttpOutput(fn, response);
  if (http === undefined) {
    return { status: 204, headers: [], body: Buffer.alloc(0) };
  }
  const { body, defaultType } = encodeBody(http.body);
  const headers = toHeaderPairs(http.headers ?? {}, defaultType);
  for (const cookie of http.cookies ?? []) {
    headers.push(['set-cookie', serializeCookie(cookie)]);
  }
  return { status: parseStatus(http.statusCode), headers, body };
}

function findHttpOutput(fn: AppFunction, response: RpcInvocationResponse): RpcHttpData | undefined {
  if (response.returnValue?.http) {
    return response.returnValue.http;
  }
  for (const output of response.outputData ?? []) {
    const binding = output.name ? fn.metadata.bindings[output.name] : undefined;
    if (binding?.type?.toLowerCase() === 'http' && output.data?.http) {
      return output.data.http;
    }
  }
  return undefined;
}

/** Missing, null or unparseable → 200 (host `HttpBinding.TryParseStatusCode`); out of range → 500. */
export function parseStatus(statusCode: string | null | undefined): number {
  const status = Number.parseInt(statusCode ?? '', 10);
  if (Number.isNaN(status)) {
    return 200;
  }
  return status >= 200 && status <= 599 ? status : 500;
}

function toHeaderPairs(headers: Record<string, string>, defaultType: string | undefined): [string, string][] {
  const pairs: [string, string][] = [];
  let hasType = false;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || value === null || FRAMING_HEADERS.has(lower)) {
      continue;
    }
    hasType ||= lower === 'content-type';
    pairs.push([name, String(value)]);
  }
  if (!hasType && defaultType !== undefined) {
    pairs.push(['content-type', defaultType]);
  }
  return pairs;
}

/**
 * Bytes go out as-is with no content type; strings and numbers as UTF-8 text/plain; JSON (a v3 object
 * body) as indented JSON text, which is what the host's `RawScriptResult` writes (spec §5).
 */
export function encodeBody(body: RpcTypedData | null | undefined): { body: Buffer; defaultType?: string } {
  if (body?.bytes) {
    return { body: Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength) };
  }
  if (typeof body?.string === 'string') {
    return { body: Buffer.from(body.string, 'utf8'), defaultType: TEXT_PLAIN };
  }
  if (typeof body?.json === 'string') {
    return encodeJson(body.json);
  }
  const number = body?.int ?? body?.double;
  if (typeof number === 'number') {
    return { body: Buffer.from(String(number), 'utf8'), defaultType: TEXT_PLAIN };
  }
  return { body: Buffer.alloc(0) };
}

function encodeJson(json: string): { body: Buffer; defaultType?: string } {
  let text = json;
  try {
    const parsed: unknown = JSON.parse(json);
    text = parsed === null ? '' : JSON.stringify(parsed, null, 2);
  } catch {
    // Not JSON after all: send the text as the host would.
  }
  return { body: Buffer.from(text, 'utf8'), defaultType: text === '' ? undefined : TEXT_PLAIN };
}
