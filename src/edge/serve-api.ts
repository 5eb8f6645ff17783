/**
 * Pipeline step 9 for `/api/*`: hands the request to the site's API proxy with the principal header of a
 * signed-in user (CONTRACT §3). The roles function named by `auth.rolesSource` is never reachable from
 * outside (D5), and a site without an API answers 404: with a hint in `portico start`, with a generic text
 * in `portico serve` (whose operator reads the hint in the log).
 */
import { REQUEST_ID_HEADER } from '../shared/request-tag.js';
import { encodePrincipalHeader } from './auth/index.js';
import type { EdgeContext } from './context.js';
import { createRequestId } from './proxy/index.js';
import { sendText } from './respond.js';
import { functionPathOf } from './routing/index.js';

const DEV_NO_API_HINT =
  'No API is configured for this site. Start the dev server with --api <apiDir> or --api-devserver-url <url> to serve /api.';

/**
 * Forwards the request to `/api` at `pathAndQuery` (already percent-encoded, query included). Not `async`:
 * the proxy's promise is handed back as it is, one promise per request fewer on the hot path.
 */
export function forwardApi(ctx: EdgeContext, pathAndQuery: string): Promise<void> {
  if (ctx.rules.rolesSourcePath !== undefined && isRolesSource(pathAndQuery, ctx.rules.rolesSourcePath)) {
    ctx.trace.note = 'rolesSource is internal';
    sendText(ctx.res, 403, 'The roles function can only be called by the platform.\n');
    return Promise.resolve();
  }
  if (ctx.site.api === undefined) {
    ctx.site.noApi?.report?.();
    sendText(ctx.res, 404, `${ctx.site.noApi?.text ?? DEV_NO_API_HINT}\n`);
    return Promise.resolve();
  }
  const principal = ctx.principal();
  return ctx.site.api.forward(ctx.req, ctx.res, {
    pathAndQuery,
    originalUrl: ctx.origin + ctx.rawPath + ctx.search,
    requestId: assignedRequestId(ctx) ?? createRequestId(),
    principalHeader: principal === null ? undefined : encodePrincipalHeader(principal),
    forwardedHost: ctx.host,
    forwardedProto: ctx.proto,
  });
}

/**
 * True when the request names the roles function: compared decoded and as a function's route is matched,
 * without case, repeated slashes or a trailing slash (`/API//GetRoles/` is `/api/getroles`).
 */
function isRolesSource(pathAndQuery: string, rolesSourcePath: string): boolean {
  return functionPathOf(safeDecode(pathAndQuery.split('?', 1)[0] ?? '')) === rolesSourcePath;
}

/** The id the host already gave the request (`portico serve` sends it back as `x-ms-request-id`). */
function assignedRequestId(ctx: EdgeContext): string | undefined {
  const assigned = ctx.res.getHeader(REQUEST_ID_HEADER);
  return typeof assigned === 'string' ? assigned : undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
