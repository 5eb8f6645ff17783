/**
 * Folder-private: the one way sign-in talks to an identity provider (discovery, JWKS, token, userinfo, an
 * OAuth 2 provider's user API), as the fetch function openid-client takes. Requests go through the
 * service's public-only agent (`shared/public-agent.ts`, decision 0092): never to the server's loopback,
 * its private networks or the metadata service unless the operator allows that address; never following
 * a redirect; answers capped in size; and plain HTTP only to a host named as this machine
 * (`localhost`, `127.0.0.1`, `[::1]`), as `staticwebapp.config.json` allows it, whatever a discovery
 * document names.
 */
import type { Dispatcher } from 'undici';
import { readTextCapped } from '../../../shared/read-capped.js';

/** A provider's answer larger than this is refused (discovery documents and JWKS are a few KB). */
const MAX_ANSWER_BYTES = 1024 * 1024;
/** Statuses whose answer has no body, which `Response` refuses one for. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** What openid-client hands its fetch function (`CustomFetchOptions`), and what the user API call needs. */
export interface ProviderRequestInit {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | URLSearchParams | Uint8Array | ArrayBuffer | ReadableStream | null;
  readonly signal?: AbortSignal;
}

/** A fetch limited as the module describes. */
export type ProviderFetch = (url: string, init?: ProviderRequestInit) => Promise<Response>;

/** HTTP is allowed for providers on this machine only (test and development servers). */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host.endsWith('.localhost');
}

/** Creates the fetch over `agent` (called on first use, so undici loads with the first sign-in). */
export function createProviderFetch(agent: () => Dispatcher, timeoutMs: number): ProviderFetch {
  return async (input, init = {}) => {
    const url = new URL(input);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackUrl(input))) {
      throw new Error(
        `${url.protocol}//${url.host} is not HTTPS; identity providers are reached over HTTPS only`,
      );
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    const answer = await agent().request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: init.headers ?? {},
      body: bodyOf(init.body),
      signal: init.signal === undefined ? timeout : AbortSignal.any([init.signal, timeout]),
    });
    const text = await readTextCapped(
      answer.body,
      MAX_ANSWER_BYTES,
      `the answer of ${url.origin} is larger than ${MAX_ANSWER_BYTES} bytes`,
    );
    return new Response(NULL_BODY_STATUSES.has(answer.statusCode) ? null : text, {
      status: answer.statusCode,
      headers: headersOf(answer.headers),
    });
  };
}

function bodyOf(body: ProviderRequestInit['body']): string | Buffer | undefined {
  if (body === undefined || body === null) {
    return undefined;
  }
  if (typeof body === 'string' || body instanceof URLSearchParams) {
    return body.toString();
  }
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) {
    return Buffer.from(body instanceof ArrayBuffer ? new Uint8Array(body) : body);
  }
  throw new Error('a streamed request body is not supported');
}

function headersOf(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      headers.append(name, item);
    }
  }
  return headers;
}
