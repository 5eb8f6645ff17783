/**
 * Builds the `RpcInvocationRequest` for an HTTP request the way the Functions host fills it (spec §6.2,
 * host `GrpcMessageConversionExtensions.ToRpcHttp`): lowercase header keys with repeated values joined,
 * an absolute URL, route values as strings, the body as bytes when there is one. The app's own copy of
 * `@azure/functions` builds `HttpRequest`/`InvocationContext` from it.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isRecord } from '../../shared/guards.js';
import type { AppFunction } from './app-functions.js';
import type { RpcHttpData, RpcInvocationRequest, RpcNullableString, RpcTypedData } from './types.js';

/** The parts of an incoming request the invocation needs. */
export interface HttpRequestData {
  method: string;
  /** Absolute URL as the client addressed the site. */
  url: string;
  /** Lowercase names, repeated headers joined, empty values dropped. */
  headers: Record<string, string>;
  params: Record<string, string>;
  body: Buffer | undefined;
}

/**
 * Normalizes Node's header object: arrays joined, empties dropped (Node's names are lower-case already).
 */
export function normalizeHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    const joined = Array.isArray(value) ? value.join(', ') : value;
    if (joined !== undefined && joined !== '') {
      result[name] = joined;
    }
  }
  return result;
}

/** The absolute URL: scheme and host from `x-forwarded-*` (set by the edge), else the Host header. */
export function absoluteUrl(path: string, headers: Record<string, string>): string {
  const proto = firstValue(headers['x-forwarded-proto']) ?? 'http';
  const host = firstValue(headers['x-forwarded-host']) ?? headers.host ?? '127.0.0.1';
  const rooted = path.startsWith('/') ? path : `/${path}`;
  const url = `${proto}://${host}${rooted}`;
  return URL.canParse(url) ? url : `http://127.0.0.1${rooted}`;
}

function firstValue(value: string | undefined): string | undefined {
  const first = value?.split(',', 1)[0]?.trim();
  return first ? first : undefined;
}

/**
 * Builds the invocation request for `fn`. `model` decides the v3 extras (query, bindingData source);
 * v4 reads `triggerMetadata` of an HTTP trigger only in streaming mode, so it is left empty otherwise.
 */
export function buildInvocationRequest(
  fn: AppFunction,
  data: HttpRequestData,
  options: { model: 'v3' | 'v4'; invocationId: string; streaming?: boolean },
): RpcInvocationRequest {
  const http: RpcHttpData = {
    method: data.method,
    url: data.url,
    nullableHeaders: toNullable(data.headers),
    nullableParams: toNullable(data.params),
  };
  if (data.body !== undefined && data.body.length > 0) {
    http.body = { bytes: data.body };
  }
  if (options.model === 'v3') {
    http.nullableQuery = toNullable(Object.fromEntries(joinedQuery(new URL(data.url).searchParams)));
  }
  return {
    invocationId: options.invocationId,
    functionId: fn.metadata.functionId,
    inputData: [{ name: fn.trigger.bindingName, data: { http } }],
    triggerMetadata: triggerMetadata(data, options),
    traceContext: traceContext(data.headers),
  };
}

function toNullable(values: Readonly<Record<string, string>>): Record<string, RpcNullableString> {
  const result: Record<string, RpcNullableString> = {};
  for (const key of Object.keys(values)) {
    result[key] = { value: values[key] ?? '' };
  }
  return result;
}

/** Query values by key, repeated keys joined with "," as the host's dictionary does. */
function joinedQuery(query: URLSearchParams): [string, string][] {
  const grouped = new Map<string, string[]>();
  for (const [key, value] of query) {
    grouped.set(key, [...(grouped.get(key) ?? []), value]);
  }
  return [...grouped].map(([key, values]) => [key, values.join(',')]);
}

function triggerMetadata(
  data: HttpRequestData,
  options: { model: 'v3' | 'v4'; streaming?: boolean },
): Record<string, RpcTypedData> {
  if (options.model === 'v3') {
    return v3TriggerMetadata(data, new URL(data.url).searchParams);
  }
  return options.streaming ? v4TriggerMetadata(data, new URL(data.url).searchParams) : {};
}

/**
 * v4 streaming (the protocol, spec §7): `Headers` as JSON, the route values as strings. `Query` is
 * sent too but the library ignores it (library #168), reading the query from the URL instead.
 */
function v4TriggerMetadata(data: HttpRequestData, query: URLSearchParams): Record<string, RpcTypedData> {
  return {
    ...stringEntries(Object.entries(data.params)),
    Query: { json: JSON.stringify(Object.fromEntries(joinedQuery(query))) },
    Headers: { json: JSON.stringify(data.headers) },
  };
}

/**
 * v3 `context.bindingData` source (spec §5): the top-level properties of a JSON body, the query values
 * (except `code`), the route values, plus `Query` and `Headers`. Later entries win.
 */
function v3TriggerMetadata(data: HttpRequestData, query: URLSearchParams): Record<string, RpcTypedData> {
  const queryEntries = joinedQuery(query).filter(([key]) => key.toLowerCase() !== 'code');
  return {
    ...jsonBodyEntries(data.body),
    ...stringEntries(queryEntries),
    ...stringEntries(Object.entries(data.params)),
    Query: { json: JSON.stringify(Object.fromEntries(joinedQuery(query))) },
    Headers: { json: JSON.stringify(data.headers) },
  };
}

function stringEntries(entries: readonly [string, string][]): Record<string, RpcTypedData> {
  return Object.fromEntries(entries.map(([key, value]) => [key, { string: value }]));
}

function jsonBodyEntries(body: Buffer | undefined): Record<string, RpcTypedData> {
  if (body === undefined || body.length === 0 || body.length > 1_000_000) {
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (!isRecord(parsed)) {
      return {};
    }
    return Object.fromEntries(
      Object.entries(parsed).map(([key, value]) => [key, { json: JSON.stringify(value) }]),
    );
  } catch {
    return {};
  }
}

/**
 * The invocation's W3C trace context, as the Functions host's own activity gives one to every invocation:
 * a child span of the caller's `traceparent` (its trace id and flags, a new span id), else a new trace
 * (a fresh trace id and span id, not sampled), so app code and tracing agents always find a value and a
 * tracer sees the invocation under the caller's span. A malformed `traceparent` starts a new trace, as
 * the W3C recommendation says; `tracestate` goes with the caller's trace only.
 */
function traceContext(headers: Record<string, string>): RpcInvocationRequest['traceContext'] {
  const context: RpcInvocationRequest['traceContext'] = { attributes: {} };
  const [, traceId = '0', spanId = '0', flags = '00'] = TRACE_PARENT.exec(headers.traceparent ?? '') ?? [];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) {
    context.traceParent = `00-${randomHex(32)}-${randomHex(16)}-00`;
    return context;
  }
  context.traceParent = `00-${traceId}-${randomHex(16)}-${flags}`;
  if (headers.tracestate) {
    context.traceState = headers.tracestate;
  }
  return context;
}

/** Version 00 (or a later one read as 00): trace id, parent span id, flags; lower-case hex only. */
const TRACE_PARENT = /^[0-9a-e][0-9a-f]-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:$|-)/;

function randomHex(length: 16 | 32): string {
  return randomUUID().replaceAll('-', '').slice(0, length);
}
