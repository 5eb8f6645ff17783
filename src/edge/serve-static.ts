/**
 * Pipeline step 10 (static content) and the error path shared by every step. Static content accepts
 * GET, HEAD and OPTIONS only (405 otherwise, spec §10.9); missing files go to the deployment replaced
 * moments ago (`portico serve`, decision 0126), then to the navigation fallback, then to 404; errors
 * 400/401/403/404 go through `responseOverrides` (spec §1.5, D2).
 */
import { CONFIG_FILE_NAME, LEGACY_ROUTES_FILE_NAME } from '../config/index.js';
import { overlay } from '../shared/overlay.js';
import type { EdgeContext } from './context.js';
import { encodePath } from './request-target.js';
import { sendErrorPage, sendRedirect } from './respond.js';
import {
  isApiPath,
  matchFallback,
  matchOverride,
  mergeHeaderRules,
  resolveStaticPath,
} from './routing/index.js';
import { forwardApi } from './serve-api.js';
import { sendDevServerError } from './serve-devserver.js';
import { isMissingFileError, resolveContentType, sendBody, serveFile } from './static/index.js';
import type { FileSource } from './types.js';

const STATIC_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
const CONFIG_FILE_NAMES: ReadonlySet<string> = new Set([CONFIG_FILE_NAME, LEGACY_ROUTES_FILE_NAME]);

export interface StaticOptions {
  /** The path comes from a route rewrite: serve it as named, no trailing-slash canonicalization. */
  readonly rewritten: boolean;
  /** A non-error `statusCode` from the route rule. */
  readonly status?: number;
  /** The route rule's headers (merged over `globalHeaders`). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The rule that let the request through limits it to some roles: what is served is one user's, and
   * must not be kept by a shared cache (a CDN or proxy in front of `portico serve`).
   */
  readonly private?: boolean;
}

/** Cache-Control of what only some roles may see: as the default, but for the browser's own cache only. */
const PRIVATE_CACHE_CONTROL = 'private, must-revalidate, max-age=30';

/** The rule's headers, with a private Cache-Control unless the config sets one itself. */
function routeHeadersOf(
  options: StaticOptions,
  global: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> | undefined {
  const named = (headers: Readonly<Record<string, string>> | undefined) =>
    Object.keys(headers ?? {}).some((name) => name.toLowerCase() === 'cache-control');
  if (options.private !== true || named(global) || named(options.headers)) {
    return options.headers;
  }
  return { 'Cache-Control': PRIVATE_CACHE_CONTROL, ...options.headers };
}

/** Serves `path` from the site's files, following the trailing-slash policy and the navigation fallback. */
export async function serveStatic(
  ctx: EdgeContext,
  path: string,
  staticOptions: StaticOptions,
): Promise<void> {
  const options =
    staticOptions.private === true
      ? { ...staticOptions, headers: routeHeadersOf(staticOptions, ctx.rules.config.globalHeaders) }
      : staticOptions;
  if (!STATIC_METHODS.has(ctx.method)) {
    ctx.res.writeHead(405, { 'content-length': 0 });
    return void ctx.res.end();
  }
  if (isConfigFile(path)) {
    return sendError(ctx, 404);
  }
  if (options.rewritten) {
    const file = resolveRewriteTarget(ctx, path);
    return file === undefined
      ? sendError(ctx, 404)
      : serveAt(ctx, file, options.status ?? 200, options.headers);
  }
  const resolution = resolveStaticPath(
    path,
    ctx.rules.config.trailingSlash,
    (p) => ctx.site.files.get(p) !== undefined,
  );
  if (resolution.kind === 'redirect') {
    return sendRedirect(ctx.res, 301, encodePath(resolution.path) + ctx.search, ctx.origin);
  }
  if (resolution.kind === 'file') {
    return serveAt(ctx, resolution.path, options.status ?? 200, options.headers);
  }
  return serveMiss(ctx, path, options);
}

/**
 * No file at `path` in this deployment. Just after a deploy that may be a page of the other build asking
 * for its assets (decision 0126): the file of the deployment this one replaced moments ago, if it had
 * one; else, for a path that names a file, once this node has caught up with the changes made before now,
 * the request served again by the deployment that replaced this one, if one did; else the navigation
 * fallback or 404. The route rules
 * of the config being served have been applied already (its roles, redirects and blocking statuses).
 */
async function serveMiss(ctx: EdgeContext, path: string, options: StaticOptions): Promise<void> {
  const retired = ctx.site.matchRetiredFile?.(path);
  if (retired !== undefined) {
    ctx.trace.note = ctx.trace.note ? `${ctx.trace.note}, previous deployment` : 'previous deployment';
    return serveAt(ctx, retired.file.path, options.status ?? 200, options.headers, retired.source);
  }
  const successor =
    ctx.reserve === undefined || !namesFile(path) ? undefined : await ctx.site.awaitSuccessor?.();
  if (successor !== undefined && ctx.reserve !== undefined) {
    ctx.trace.note = 'newer deployment';
    return ctx.reserve(successor);
  }
  return serveFallback(ctx, path, options);
}

/**
 * Whether `path`'s last segment has an extension (`/assets/app-3.js`), as a page's assets do: only such a
 * miss waits for this node to catch up with a deploy. A client-side route (`/users/42`), which misses on
 * every navigation of a single-page app and is answered by the navigation fallback, does not pay for a
 * read of the change log.
 */
function namesFile(path: string): boolean {
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') + 1 && dot < path.length - 1;
}

/** No file at `path`: the navigation fallback, else 404; the site's miss listener is told which. */
async function serveFallback(ctx: EdgeContext, path: string, options: StaticOptions): Promise<void> {
  const fallback = matchFallback(ctx.rules.fallback, path);
  if (fallback === undefined) {
    ctx.site.onStaticMiss?.(path, false);
    return sendError(ctx, 404);
  }
  ctx.trace.note = ctx.trace.note ? `${ctx.trace.note}, fallback` : 'fallback';
  if (isApiPath(fallback)) {
    ctx.site.onStaticMiss?.(path, true);
    return forwardApi(ctx, encodePath(fallback) + ctx.search);
  }
  const file = resolveRewriteTarget(ctx, fallback);
  ctx.site.onStaticMiss?.(path, file !== undefined);
  return file === undefined ? sendError(ctx, 404) : serveAt(ctx, file, 200, options.headers);
}

/**
 * Answers an error status: the `responseOverrides` entry for it when there is one (redirect, or rewrite
 * to a page with the override's status), else the built-in page. 405 has an empty body, like Azure.
 */
export async function sendError(ctx: EdgeContext, status: number, detail?: string): Promise<void> {
  if (ctx.site.devServer !== undefined) {
    return sendDevServerError(ctx, ctx.site.devServer, status, detail);
  }
  const action = matchOverride(ctx.rules.config, status, ctx.rawPath + ctx.search);
  if (action?.kind === 'redirect') {
    return sendRedirect(ctx.res, action.status, action.location, ctx.origin);
  }
  const page = action === undefined ? undefined : resolveRewriteTarget(ctx, action.path);
  if (action !== undefined && page !== undefined) {
    return serveAt(ctx, page, action.status, undefined);
  }
  return sendErrorPage(ctx.res, status, detail);
}

async function serveAt(
  ctx: EdgeContext,
  filePath: string,
  status: number,
  routeHeaders: Readonly<Record<string, string>> | undefined,
  source: FileSource = ctx.site.files,
): Promise<void> {
  const file = source.get(filePath);
  if (file === undefined) {
    return sendErrorPage(ctx.res, 404);
  }
  const headers = mergeHeaderRules(ctx.rules.config.globalHeaders, routeHeaders);
  // A preflight of a page answers 204; one answered through a responseOverrides rewrite (401, 403, 404)
  // keeps the override's status and page, as GET does, so an OPTIONS probe never reads as "allowed".
  if (ctx.method === 'OPTIONS' && status < 300) {
    // Through sendBody, as every answer: a rule's `""` removes its header here too (spec §10.8).
    return sendBody(ctx.res, 204, '', 'text/plain', overlay(headers, { allow: 'GET, HEAD, OPTIONS' }));
  }
  const contentType = resolveContentType(filePath, ctx.rules.config.mimeTypes);
  try {
    await serveFile(ctx.req, ctx.res, file, { status, contentType, headers, source });
  } catch (error) {
    // Gone or replaced since the index was built (a folder swapped for a symlink): as if missing.
    if (!isMissingFileError(error) || ctx.res.headersSent) {
      throw error;
    }
    sendErrorPage(ctx.res, 404);
  }
}

/** A rewrite target names a file, a folder (its index.html) or an extensionless page (`.html`). */
function resolveRewriteTarget(ctx: EdgeContext, path: string): string | undefined {
  const candidates = path.endsWith('/')
    ? [`${path}index.html`]
    : [path, `${path}/index.html`, `${path}.html`];
  return candidates.find(
    (candidate) => !isConfigFile(candidate) && ctx.site.files.get(candidate) !== undefined,
  );
}

/** True for a path naming the config file (or the legacy routes file), which is never served. */
export function isConfigFile(path: string): boolean {
  return CONFIG_FILE_NAMES.has(path.slice(path.lastIndexOf('/') + 1));
}
