/**
 * The backend's answer as the policies see it (decision 0040): its status, its body (the exchange, held on
 * the backend connection) and its headers, which become the policies' `Map` only when one reads them. An
 * answer no policy looked into has its headers set on the caller's response straight from undici's, in the
 * same order and with the same values the map would have given.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { GatewayResponse } from './types.js';

/** Headers of the one hop they travel (the backend's answer keeps none; Node writes its own). */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** A response whose headers are read from the backend's only when a policy asks for them. */
export class BackendResponse implements GatewayResponse {
  status: number;
  body: GatewayResponse['body'];
  readonly #raw: IncomingHttpHeaders;
  #headers: Map<string, string[]> | undefined;

  constructor(status: number, raw: IncomingHttpHeaders, body: GatewayResponse['body']) {
    this.status = status;
    this.#raw = raw;
    this.body = body;
  }

  /** Lower-case names → values, made on first use; a policy changes this map. */
  get headers(): Map<string, string[]> {
    this.#headers ??= responseHeaders(this.#raw);
    return this.#headers;
  }

  /** Sets the headers on `res`: the map's once a policy read it, else the backend's as the map has them. */
  setHeadersOn(res: ServerResponse): void {
    if (this.#headers !== undefined) {
      setHeadersOn(res, this.#headers);
      return;
    }
    const raw = this.#raw;
    for (const name in raw) {
      const value = raw[name];
      if (value !== undefined && !HOP_BY_HOP_HEADERS.has(name)) {
        res.setHeader(
          name,
          Array.isArray(value) ? (value.length === 1 ? (value[0] ?? '') : value) : String(value),
        );
      }
    }
  }
}

/** Sets every header of `headers` on `res`, in order; throws when Node refuses a value. */
export function setHeadersOn(res: ServerResponse, headers: Map<string, string[]>): void {
  headers.forEach(setHeader, res);
}

// A function of the module with `res` as `this`: iterating the map makes no entry arrays and no closure.
function setHeader(this: ServerResponse, values: string[], name: string): void {
  this.setHeader(name, values.length === 1 ? (values[0] ?? '') : values);
}

function responseHeaders(raw: IncomingHttpHeaders): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (const name in raw) {
    const value = raw[name];
    if (value !== undefined && !HOP_BY_HOP_HEADERS.has(name)) {
      headers.set(name, Array.isArray(value) ? value : [String(value)]);
    }
  }
  return headers;
}
