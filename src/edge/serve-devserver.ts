/**
 * Pipeline steps 10–13 in dev-server mode (`portico start <url>`): the content comes from the
 * framework's dev server instead of files, and the same rules apply to its answers. Every method is
 * forwarded with its body (SSR dev servers take form POSTs); the trailing-slash policy redirects page
 * requests by the path's shape; a 404 from the dev server goes to the navigation fallback (fetched from
 * the dev server) or to a 404 override; header rules and `mimeTypes` (when the dev server names no type)
 * apply to what is relayed; bodies stream through unbuffered (event streams, chunked answers).
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { PassThrough } from 'node:stream';
import type { EdgeContext } from './context.js';
import {
  type DevServerAnswer,
  type DevServerSource,
  matchDevServerSlash,
  rewriteDevServerLocation,
  sendDevServerUnreachable,
} from './devserver/index.js';
import { createDevServerHeaders } from './devserver-headers.js';
import { createResponseHeaders } from './proxy/index.js';
import { encodePath } from './request-target.js';
import { sendErrorPage, sendRedirect } from './respond.js';
import { isApiPath, matchFallback, matchOverride, mergeHeaderRules } from './routing/index.js';
import { forwardApi } from './serve-api.js';
import type { StaticOptions } from './serve-static.js';

/** Headers that frame the body: header rules never set or remove them. */
const FRAMING: ReadonlySet<string> = new Set(['content-length', 'content-encoding', 'transfer-encoding']);

/** Request headers left out of the follow-up fetches (fallback, override page), which carry no body. */
const FOLLOW_UP_DROPPED: ReadonlySet<string> = new Set([
  'content-length',
  'content-type',
  'if-none-match',
  'if-modified-since',
  'if-range',
  'range',
]);

/** Serves `path` from the dev server, with the fallback and 404 override when it answers 404. */
export async function serveFromDevServer(
  ctx: EdgeContext,
  devServer: DevServerSource,
  path: string,
  options: StaticOptions,
): Promise<void> {
  if (!options.rewritten && isPageRequest(ctx)) {
    const canonical = matchDevServerSlash(path, ctx.rules.config.trailingSlash);
    if (canonical !== undefined) {
      return sendRedirect(ctx.res, 301, encodePath(canonical) + ctx.search, ctx.origin);
    }
  }
  const pathAndQuery = (path === ctx.path ? ctx.rawPath : encodePath(path)) + ctx.search;
  const answer = await fetchOrExplain(ctx, devServer, pathAndQuery, false);
  if (answer === undefined) {
    return;
  }
  if (answer.status === 404 && (await answerMissing(ctx, devServer, path, answer, options))) {
    return;
  }
  const status = options.status !== undefined && isSuccess(answer.status) ? options.status : answer.status;
  return relay(ctx, answer, devServer, path, status, options.headers);
}

/**
 * A 404 from the dev server is a missing file: the navigation fallback serves it (step 11) unless the
 * path is excluded or came from a rewrite, else a 404 override answers (step 12). Without either, the
 * dev server's own 404 page is relayed (false).
 */
async function answerMissing(
  ctx: EdgeContext,
  devServer: DevServerSource,
  path: string,
  answer: DevServerAnswer,
  options: StaticOptions,
): Promise<boolean> {
  const fallback =
    options.rewritten || !isSafeMethod(ctx.method) ? undefined : matchFallback(ctx.rules.fallback, path);
  if (fallback !== undefined && (await serveFallback(ctx, devServer, fallback, answer, options))) {
    return true;
  }
  if (matchOverride(ctx.rules.config, 404, ctx.rawPath + ctx.search) !== undefined) {
    await answer.discard();
    await sendDevServerError(ctx, devServer, 404);
    return true;
  }
  return false;
}

/**
 * The navigation fallback's page, fetched from the dev server while its 404 for the path is held (true
 * when something was sent). A dev server that renders every route itself (SvelteKit, Nuxt) often has no
 * such page: then it is false, and the 404 override or the dev server's own 404 page for the path answers,
 * as the SWA CLI does, with one warning per fallback page so the developer learns why.
 */
async function serveFallback(
  ctx: EdgeContext,
  devServer: DevServerSource,
  fallback: string,
  answer: DevServerAnswer,
  options: StaticOptions,
): Promise<boolean> {
  if (isApiPath(fallback)) {
    await answer.discard();
    noteFallback(ctx);
    await forwardApi(ctx, encodePath(fallback) + ctx.search);
    return true;
  }
  const page = await fetchOrExplain(ctx, devServer, encodePath(fallback) + ctx.search, true);
  if (page === undefined) {
    await answer.discard();
    return true;
  }
  if (isSuccess(page.status)) {
    await answer.discard();
    noteFallback(ctx);
    await relay(ctx, page, devServer, fallback, 200, options.headers);
    return true;
  }
  await page.discard();
  warnMissingFallback(ctx, fallback, page.status);
  return false;
}

function noteFallback(ctx: EdgeContext): void {
  ctx.trace.note = ctx.trace.note ? `${ctx.trace.note}, fallback` : 'fallback';
}

/** Fallback pages already warned about, per loaded config (an edited config warns again). */
const warnedFallbacks = new WeakMap<object, Set<string>>();

function warnMissingFallback(ctx: EdgeContext, fallback: string, status: number): void {
  let warned = warnedFallbacks.get(ctx.rules);
  if (warned === undefined) {
    warned = new Set();
    warnedFallbacks.set(ctx.rules, warned);
  }
  if (warned.has(fallback)) {
    return;
  }
  warned.add(fallback);
  ctx.logger.warn(
    `navigationFallback rewrites to ${fallback}, but the dev server answered ${status} for it, so unknown routes get the dev server's own 404 page; point navigationFallback.rewrite at a page the dev server serves, or exclude the routes it renders itself.`,
  );
}

/**
 * `sendError` in dev-server mode: the `responseOverrides` entry for `status` (a redirect, or a page
 * fetched from the dev server with the override's status), else the built-in error page.
 */
export async function sendDevServerError(
  ctx: EdgeContext,
  devServer: DevServerSource,
  status: number,
  detail?: string,
): Promise<void> {
  const action = matchOverride(ctx.rules.config, status, ctx.rawPath + ctx.search);
  if (action?.kind === 'redirect') {
    return sendRedirect(ctx.res, action.status, action.location, ctx.origin);
  }
  if (action === undefined) {
    return sendErrorPage(ctx.res, status, detail);
  }
  return serveOverridePage(ctx, devServer, action.path, action.status);
}

/** Fetches an override's page with GET, and sends it with `status` (the fallback's: `serveFallback`). */
async function serveOverridePage(
  ctx: EdgeContext,
  devServer: DevServerSource,
  path: string,
  status: number,
): Promise<void> {
  const answer = await fetchOrExplain(ctx, devServer, encodePath(path) + ctx.search, true);
  if (answer === undefined) {
    return;
  }
  if (!isSuccess(answer.status)) {
    await answer.discard();
    return sendErrorPage(ctx.res, status === 200 ? 404 : status);
  }
  return relay(ctx, answer, devServer, path, status, undefined);
}

/** Sends the request on; a dev server that cannot be reached gets the 502 page (undefined). */
async function fetchOrExplain(
  ctx: EdgeContext,
  devServer: DevServerSource,
  pathAndQuery: string,
  followUp: boolean,
): Promise<DevServerAnswer | undefined> {
  const body = followUp || !hasBody(ctx) ? null : ctx.req.pipe(new PassThrough());
  try {
    return await devServer.fetch({
      pathAndQuery,
      method: followUp ? (ctx.method === 'HEAD' ? 'HEAD' : 'GET') : ctx.method,
      headers: createRequestHeaders(ctx, devServer, followUp),
      body,
    });
  } catch (error) {
    body?.destroy();
    sendDevServerUnreachable(ctx.req, ctx.res, devServer.url, error);
    return undefined;
  }
}

/** The client's headers for the dev server (`./devserver-headers.ts`), minus the body's for a follow-up. */
function createRequestHeaders(ctx: EdgeContext, devServer: DevServerSource, followUp: boolean): string[] {
  const headers = createDevServerHeaders(
    ctx.req,
    {
      origin: ctx.origin,
      host: ctx.host,
      proto: ctx.proto,
      pathAndQuery: ctx.rawPath + ctx.search,
      principal: ctx.principal(),
    },
    devServer,
  );
  return followUp ? dropFollowUpHeaders(headers) : headers;
}

function dropFollowUpHeaders(headers: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] ?? '';
    if (!FOLLOW_UP_DROPPED.has(name)) {
      out.push(name, headers[i + 1] ?? '');
    }
  }
  return out;
}

/** Writes the dev server's answer with the header rules and `mimeTypes`, streaming the body. */
async function relay(
  ctx: EdgeContext,
  answer: DevServerAnswer,
  devServer: DevServerSource,
  path: string,
  status: number,
  routeHeaders: Readonly<Record<string, string>> | undefined,
): Promise<void> {
  const headers = createResponseHeaders(answer.headers);
  if (typeof headers.location === 'string') {
    headers.location = rewriteDevServerLocation(headers.location, devServer.url, ctx.origin);
  }
  applyHeaderRules(headers, mergeHeaderRules(ctx.rules.config.globalHeaders, routeHeaders));
  // Vite sends `Content-Type:` with nothing for extensions it does not know: that names no type either.
  if (headers['content-type'] === undefined || headers['content-type'] === '') {
    const type = customMimeType(path, ctx.rules.config.mimeTypes);
    if (type !== undefined) {
      headers['content-type'] = type;
    }
  }
  ctx.res.writeHead(status, headers);
  if (ctx.method === 'HEAD' || status === 204 || status === 304) {
    await answer.discard();
    return void ctx.res.end();
  }
  if (headers['content-length'] === undefined) {
    // A stream (server-sent events, chunked SSR): the client gets the headers now, not with the first chunk.
    ctx.res.flushHeaders();
  }
  await answer.relay(ctx.res);
}

/** Header rules over the dev server's headers: a value replaces, `""` removes (spec §10.8). */
function applyHeaderRules(headers: OutgoingHttpHeaders, rules: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(rules)) {
    const key = name.toLowerCase();
    if (FRAMING.has(key)) {
      continue;
    }
    if (value === '') {
      delete headers[key];
    } else {
      headers[key] = value;
    }
  }
}

/** The config's `mimeTypes` entry for the path's extension, if any. */
function customMimeType(path: string, mimeTypes: Readonly<Record<string, string>>): string | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot).toLowerCase() : undefined;
  return extension !== undefined && Object.hasOwn(mimeTypes, extension) ? mimeTypes[extension] : undefined;
}

/** A browser asking for a page (not a script, style or module): where canonical URLs matter. */
function isPageRequest(ctx: EdgeContext): boolean {
  return isSafeMethod(ctx.method) && /text\/html/i.test(ctx.req.headers.accept ?? '');
}

function isSafeMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

function hasBody(ctx: EdgeContext): boolean {
  const length = ctx.req.headers['content-length'];
  return (length !== undefined && length !== '0') || ctx.req.headers['transfer-encoding'] !== undefined;
}
