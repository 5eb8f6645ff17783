/** Folder-private: the default way to read an openid-configuration or JWKS document. */
import type { Agent } from 'undici';
import { readTextCapped } from '../../shared/read-capped.js';
import { undici } from '../../shared/undici.js';

/** Documents larger than this are refused (real JWKS are a few KB). */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;
/** A fetch gives up after this long, headers and body together. */
export const FETCH_TIMEOUT_MS = 10_000;

/**
 * GETs `url` (http or https only) and parses its JSON body. Rejects on a non-2xx status, a body over
 * {@link MAX_DOCUMENT_BYTES}, invalid JSON or after {@link FETCH_TIMEOUT_MS}. Redirects are not followed.
 */
export async function fetchJsonDocument(url: string): Promise<unknown> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`unsupported protocol ${parsed.protocol}`);
  }
  const signal = AbortSignal.timeout(FETCH_TIMEOUT_MS);
  const response = await documentAgent().request({
    origin: parsed.origin,
    path: `${parsed.pathname}${parsed.search}`,
    method: 'GET',
    signal,
    headers: { accept: 'application/json' },
  });
  if (response.statusCode < 200 || response.statusCode > 299) {
    await response.body.dump();
    throw new Error(`HTTP ${response.statusCode}`);
  }
  return JSON.parse(
    await readTextCapped(
      response.body,
      MAX_DOCUMENT_BYTES,
      `document larger than ${MAX_DOCUMENT_BYTES} bytes`,
    ),
  );
}

let agent: Agent | undefined;

/** One keep-alive agent for every document the process reads (idle connections keep nothing alive). */
function documentAgent(): Agent {
  agent ??= new (undici().Agent)();
  return agent;
}
