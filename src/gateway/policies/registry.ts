/** The policy kinds Portico's gateway runs, by element name. */
import { checkHeader, ipFilter, validateJwt } from './kinds/checks.js';
import { cors } from './kinds/cors.js';
import { quota, quotaByKey, rateLimit, rateLimitByKey } from './kinds/limits.js';
import { forwardRequest, mockResponse, returnResponse } from './kinds/responses.js';
import { rewriteUri, setBackendService, setHeader, setQueryParameter } from './kinds/transform.js';
import type { PolicyKind } from './model.js';

/** Every supported policy kind. */
export const POLICY_KINDS: ReadonlyMap<string, PolicyKind> = new Map(
  [
    validateJwt,
    checkHeader,
    ipFilter,
    rateLimit,
    rateLimitByKey,
    quota,
    quotaByKey,
    setHeader,
    setQueryParameter,
    rewriteUri,
    setBackendService,
    cors,
    returnResponse,
    mockResponse,
    forwardRequest,
  ].map((kind) => [kind.name, kind]),
);
