/**
 * The JSON line of one access-log record, built as one string in a fixed field order (docs/operations.md)
 * instead of through a generic logger: no object per request and no walk over its keys. Every string
 * that comes from the client (host, method, path, query names) is escaped as JSON requires: quotes,
 * backslashes, control characters and lone surrogates.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { redactPathSecrets } from '../shared/redact-path.js';
import type { RequestLabels } from './metrics.js';

/** One finished request, as the listener wrapper knows it. */
export interface AccessRecord {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** What the request ended with (499 when the client left before any answer). */
  readonly status: number;
  readonly labels: RequestLabels;
  readonly id: string;
  readonly seconds: number;
  /** Bytes sent on the connection for this response, headers included. */
  readonly bytes: number;
  readonly userId: string | undefined;
  /** The client's address, read when the request arrived (`clientAddressOf`: the socket's, or what a trusted proxy reported; an address, which needs no escaping). */
  readonly client: string;
}

/** What a line needs besides its record: the time field and the user hash. */
export interface LineContext {
  /** `"2026-12-04T17:10:44.123Z"` (quoted) of now. */
  readonly time: () => string;
  readonly hashUser: (userId: string) => string;
}

/** Formats records as lines; keeps the host's fields of recent hosts, which repeat from line to line. */
export type LineFormatter = (record: AccessRecord) => string;

/** Hosts whose fields are kept, at most (the `Host` header is the client's: the table must stay bounded). */
const KEPT_HOSTS = 256;

interface HostFields {
  readonly site: string;
  readonly environment: string;
  readonly kind: string;
  /** `,"host":…,"site":…,"environment":…,"kind":…` */
  readonly text: string;
}

/** Returns the function that makes the JSON line of a record, newline included. */
export function createLineFormatter(context: LineContext): LineFormatter {
  const hosts = new Map<string, HostFields>();
  const hostFields = (host: string, labels: RequestLabels): string => {
    const kept = hosts.get(host);
    if (
      kept !== undefined &&
      kept.site === labels.site &&
      kept.environment === labels.environment &&
      kept.kind === labels.kind
    ) {
      return kept.text;
    }
    if (hosts.size >= KEPT_HOSTS) {
      hosts.clear();
    }
    const text =
      `,"host":${quote(host)},"site":${quote(labels.site)}` +
      `,"environment":${quote(labels.environment)},"kind":"${labels.kind}"`;
    hosts.set(host, { site: labels.site, environment: labels.environment, kind: labels.kind, text });
    return text;
  };
  return (record) => {
    const { req } = record;
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    const path = redactPathSecrets(mark === -1 ? url : url.slice(0, mark));
    const query = mark === -1 ? '' : `,"queryNames":${JSON.stringify(queryNames(url.slice(mark + 1)))}`;
    const user = record.userId === undefined ? '' : `,"userHash":"${context.hashUser(record.userId)}"`;
    const aborted = wasCut(record) ? ',"aborted":true' : '';
    // The request id is the listener's own (hex), the user hash hex: neither needs escaping.
    return (
      `{"log":"access","time":${context.time()}${hostFields(req.headers.host ?? '', record.labels)}` +
      `,"client":"${record.client}"` +
      `,"method":${quote(req.method ?? '')},"path":${quote(path)}${query},"status":${record.status}` +
      `,"bytes":${record.bytes},"durationMs":${Math.round(record.seconds * 1e6) / 1000}` +
      `,"requestId":"${record.id}"${user}${aborted}}\n`
    );
  };
}

/** Printable ASCII except the quote and the backslash: what a JSON string holds as it is. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** The string as JSON: quoted as it is when nothing in it needs escaping (the common case, and faster). */
function quote(text: string): string {
  return PLAIN.test(text) ? `"${text}"` : JSON.stringify(text);
}

/** The parameter names of a query string, without their values. */
function queryNames(query: string): string[] {
  return [...new URLSearchParams(query).keys()];
}

/**
 * The quoted ISO time of now (`"2026-12-04T17:10:44.123Z"`), made once per millisecond (requests in one
 * millisecond share it); the part up to the seconds is formatted once per second.
 */
export function createIsoTime(): () => string {
  let second = -1;
  let prefix = '';
  let last = -1;
  let text = '';
  return () => {
    const now = Date.now();
    if (now !== last) {
      last = now;
      const millis = now % 1000;
      if (now - millis !== second) {
        second = now - millis;
        prefix = `"${new Date(second).toISOString().slice(0, 20)}`;
      }
      text = `${prefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z"`;
    }
    return text;
  };
}

/**
 * True when the client did not get the whole response: it did not finish writing and fewer bytes than
 * its headers and `content-length` went out. A client that closes right after the last byte (curl
 * -o /dev/null) may do so before the response finishes (a piped file ends a moment later): not cut.
 */
function wasCut(record: AccessRecord): boolean {
  const { res, req } = record;
  if (res.writableFinished) {
    return false;
  }
  const length = Number(res.getHeader('content-length'));
  // The header block as it went out (node keeps it as a latin1 string: one byte a character).
  const header = (res as { _header?: unknown })._header;
  if (!res.headersSent || typeof header !== 'string' || !Number.isSafeInteger(length)) {
    return true;
  }
  const body = req.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304 ? 0 : length;
  return record.bytes < header.length + body;
}
