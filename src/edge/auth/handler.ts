/**
 * The `/.auth/*` endpoints: `/.auth/me`, `/.auth/logout`, `/.auth/purge/<provider>`, and sign-in at
 * `/.auth/login/<provider>`: the emulator's form in the dev server (`portico start`), or, where the host
 * gives real sign-in (`portico serve`), the authorization-code flow with the provider and its callback.
 *
 * @see CONTRACT.md §2 "Dev sign-in" and §3; spec/swa-behaviour.md §2.2, §10.9 (any method), §10.10, D4
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isStorageUnavailable, isUserError } from '../../shared/errors.js';
import { errorMessage } from '../../shared/guards.js';
import type { Logger } from '../../shared/logger.js';
import { requestTag } from '../../shared/request-tag.js';
import type { ClientPrincipal } from '../types.js';
import { readBodyCapped } from './_body.js';
import { sendHtml, sendJson, sendRedirect, sendText } from './_respond.js';
import { AUTH_NOT_FOUND_TEXT, MAX_LOGIN_BODY_BYTES } from './constants.js';
import type { SessionCodec } from './cookie.js';
import { type LoginSubmission, parseLoginForm, readLoginSubmission } from './login.js';
import { renderLoginForm, renderProviderNotFound } from './login-form.js';
import { resolveSafeRedirect } from './redirect.js';
import { addRolesFromSource } from './roles-source.js';
import { type AuthRoute, matchAuthRoute, type WellKnownDocument } from './routes.js';
import type { RolesSourceInput, SignInAnswer, SiteSignIn } from './signin/index.js';

/** Everything {@link handleAuthRequest} needs besides the request itself; built by the edge per request. */
export interface AuthRequestContext {
  /** Decoded path starting with `/.auth/` (possibly the target of a route rewrite). */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly method: string;
  /** Scheme and host of the request as the browser sees it, e.g. `http://127.0.0.1:4280` (D4). */
  readonly origin: string;
  /** Hosts besides the origin's that redirect targets may name (allowed forwarded hosts). */
  readonly allowedRedirectHosts: readonly string[];
  /** The principal already read from the request's cookie, or `null`. */
  readonly principal: ClientPrincipal | null;
  readonly codec: SessionCodec;
  isProviderEnabled(name: string): boolean;
  /** Real sign-in (`portico serve`); without it, `/.auth/login/<provider>` is the dev emulator's form. */
  readonly signIn?: SiteSignIn;
  /** Adds `Secure` to session cookies (the request came over HTTPS). */
  readonly secureCookies: boolean;
  /** Forgets what the host keeps of a user; absent where nothing is kept (the dev server). */
  readonly purge?: (principal: ClientPrincipal) => Promise<void>;
  /**
   * The dev server's `auth.rolesSource`: the roles function, called after the emulator's form (a real
   * sign-in calls it through `signIn`). Absent without one, or without an API to call it on.
   */
  readonly rolesSource?: (input: RolesSourceInput) => Promise<readonly string[]>;
  /** The site's token documents (openid-configuration, JWKS); absent where no backend tokens are issued. */
  readonly wellKnown?: (document: WellKnownDocument) => Promise<unknown>;
  readonly logger?: Logger;
}

/** What a browser is told when the database behind sign-in cannot be reached (a 503). */
export const AUTH_UNAVAILABLE_TEXT =
  'The sign-in service is temporarily unavailable (its database cannot be reached). Try again in a moment.';

/**
 * Answers a `/.auth/*` request completely. Never rejects: a database out of reach becomes a 503 (try
 * again), other unexpected failures a 500; either is logged with the answer's request id.
 *
 * @example
 * if (path.startsWith('/.auth/')) {
 *   await handleAuthRequest(req, res, { path, query, method: req.method ?? 'GET', origin, ... });
 * }
 */
export async function handleAuthRequest(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AuthRequestContext,
): Promise<void> {
  try {
    await dispatch(req, res, ctx, matchAuthRoute(ctx.path));
  } catch (error) {
    failResponse(res, error, ctx.logger);
  }
}

async function dispatch(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AuthRequestContext,
  route: AuthRoute,
): Promise<void> {
  switch (route.kind) {
    case 'me':
      return sendJson(res, 200, { clientPrincipal: toMeView(ctx.principal) });
    case 'login':
      return ctx.signIn === undefined
        ? handleLogin(req, res, ctx, route.provider)
        : startSignIn(req, res, ctx, ctx.signIn, route.provider);
    case 'callback':
      if (ctx.signIn === undefined) {
        return sendText(res, 404, AUTH_NOT_FOUND_TEXT);
      }
      // A provider's sign-out that returns here (front-channel logout) ends the session here too.
      return route.flow === 'login'
        ? finishSignIn(req, res, ctx, ctx.signIn, route.provider)
        : signOut(req, res, ctx);
    case 'logout':
      return signOut(req, res, ctx);
    case 'purge':
      return purge(req, res, ctx, route.provider);
    case 'well-known': {
      const document = await ctx.wellKnown?.(route.document);
      return document === undefined ? sendText(res, 404, AUTH_NOT_FOUND_TEXT) : sendJson(res, 200, document);
    }
    default:
      return sendText(res, 404, AUTH_NOT_FOUND_TEXT);
  }
}

/**
 * `/.auth/purge/<provider>`: forgets what the host keeps of the signed-in user, and signs out. It answers
 * an unknown provider with 404 as sign-in does, other methods than GET with 405 (HEAD included: it must be
 * safe, and link checkers and previewers send it with the visitor's cookies), and a user signed in with
 * another provider with 409, changing nothing: which of the user's accounts at that provider to forget
 * cannot be known, and signing out would look as if something had been deleted (decision 0109).
 */
async function purge(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AuthRequestContext,
  provider: string,
): Promise<void> {
  if (ctx.method.toUpperCase() !== 'GET') {
    return sendText(res, 405, 'Open the address that deletes your data with GET.', { Allow: 'GET' });
  }
  if (!(ctx.signIn?.has(provider) ?? ctx.isProviderEnabled(provider))) {
    return sendHtml(res, 404, renderProviderNotFound(provider));
  }
  if (isCrossSite(req, ctx)) {
    // A link on any page would otherwise delete the visitor's roles here (Azure's purge is a GET too).
    return sendText(
      res,
      403,
      "Deleting your data here was asked by another site's page; to delete it, open this address from this site or type it in.",
    );
  }
  if (ctx.principal !== null && !sameProvider(ctx.principal, provider)) {
    const signedInWith = ctx.principal.identityProvider;
    return sendText(
      res,
      409,
      `You are signed in with ${signedInWith}, not ${provider}: nothing was deleted, and you are still signed in. To delete what this site keeps of your ${signedInWith} sign-in, open /.auth/purge/${signedInWith}; for your ${provider} sign-in, sign in with ${provider} first.`,
    );
  }
  // The dev server keeps no user data, so there purging is signing out (as in Microsoft's emulator).
  if (ctx.principal !== null && ctx.purge !== undefined) {
    await ctx.purge(ctx.principal);
  }
  return signOut(req, res, ctx);
}

/** `/.auth/login/<provider>` of a host with real providers: off to the provider. */
async function startSignIn(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AuthRequestContext,
  signIn: SiteSignIn,
  provider: string,
) {
  if (!isGetOrHead(ctx.method)) {
    return sendText(res, 405, 'Open the sign-in link with GET.', { Allow: 'GET, HEAD' });
  }
  if (!signIn.has(provider)) {
    return sendHtml(res, 404, renderProviderNotFound(provider));
  }
  const returnTo = resolveRedirectTarget(ctx.query.get('post_login_redirect_uri'), ctx);
  const answer = await signIn.start(provider, {
    origin: ctx.origin,
    returnTo,
    query: ctx.query,
    secure: ctx.secureCookies,
    cookieHeader: req.headers.cookie,
  });
  return sendSignInAnswer(res, ctx, answer);
}

/** `/.auth/login/<provider>/callback`: the provider sends the browser back with a code. */
async function finishSignIn(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AuthRequestContext,
  signIn: SiteSignIn,
  provider: string,
) {
  if (!isGetOrHead(ctx.method)) {
    return sendText(res, 405, 'The provider returns here with GET.', { Allow: 'GET, HEAD' });
  }
  const url = new URL(`${ctx.origin}${req.url ?? ctx.path}`);
  const answer = await signIn.finish(provider, {
    url,
    cookieHeader: req.headers.cookie,
    secure: ctx.secureCookies,
  });
  return sendSignInAnswer(res, ctx, answer);
}

function sendSignInAnswer(res: ServerResponse, ctx: AuthRequestContext, answer: SignInAnswer): void {
  if (answer.kind === 'redirect') {
    sendRedirect(res, answer.location, [...answer.cookies]);
    return;
  }
  if (answer.kind === 'error') {
    if (answer.log !== null) {
      ctx.logger?.warn(
        `/.auth on ${new URL(ctx.origin).host}${requestTag(res)}: sign-in failed (${answer.status}): ${answer.log ?? answer.message}`,
      );
    }
    sendText(res, answer.status, answer.message, { 'Set-Cookie': [...answer.cookies] });
    return;
  }
  const session = issueSession(ctx, answer.principal);
  if (typeof session === 'string') {
    sendText(res, 400, session, { 'Set-Cookie': [...answer.cookies] });
    return;
  }
  ctx.logger?.debug(`/.auth: signed in with ${answer.principal.identityProvider}`);
  sendRedirect(res, answer.returnTo, [...answer.cookies, ...session]);
}

function isGetOrHead(method: string): boolean {
  const upper = method.toUpperCase();
  return upper === 'GET' || upper === 'HEAD';
}

async function handleLogin(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AuthRequestContext,
  provider: string,
): Promise<void> {
  if (!ctx.isProviderEnabled(provider)) {
    return sendHtml(res, 404, renderProviderNotFound(provider));
  }
  const method = ctx.method.toUpperCase();
  if (method === 'GET' || method === 'HEAD') {
    const postLoginRedirectUri = ctx.query.get('post_login_redirect_uri') ?? undefined;
    return sendHtml(res, 200, renderLoginForm({ provider, postLoginRedirectUri }));
  }
  if (method === 'POST') {
    return submitLogin(req, res, ctx, provider);
  }
  return sendText(res, 405, 'Use GET to show the sign-in form and POST to submit it.', {
    Allow: 'GET, HEAD, POST',
  });
}

async function submitLogin(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AuthRequestContext,
  provider: string,
): Promise<void> {
  if (!isFormContentType(req.headers['content-type'])) {
    return sendText(res, 415, 'The sign-in form must be sent as application/x-www-form-urlencoded.');
  }
  if (isCrossSite(req, ctx)) {
    // Any web page could otherwise sign the developer in, as anyone, with any roles (login CSRF).
    return sendText(
      res,
      403,
      "The sign-in form was sent from another site's page; sign in from this server's own form.",
    );
  }
  const body = await readBodyCapped(req, MAX_LOGIN_BODY_BYTES);
  if (body.kind === 'aborted') {
    return void res.destroy();
  }
  if (body.kind === 'too-large') {
    return sendText(res, 413, 'The sign-in form is too large.', { Connection: 'close' });
  }
  const submission = readLoginSubmission(new URLSearchParams(body.bytes.toString('utf8')));
  const result = parseLoginForm(provider, submission.values);
  if (!result.ok) {
    return rejectLogin(res, provider, submission, result.error);
  }
  const principal =
    ctx.rolesSource === undefined
      ? result.principal
      : await addRolesFromSource(result.principal, ctx.rolesSource);
  if (typeof principal === 'string') {
    // The developer watches the terminal, not only the form: a roles function's failure is told there too.
    ctx.logger?.warn(`/.auth${requestTag(res)}: sign-in with ${provider} failed: ${principal}`);
    return rejectLogin(res, provider, submission, principal);
  }
  const cookies = issueSession(ctx, principal);
  if (typeof cookies === 'string') {
    return rejectLogin(res, provider, submission, cookies);
  }
  const requested = submission.postLoginRedirectUri || ctx.query.get('post_login_redirect_uri');
  ctx.logger?.debug(`/.auth: signed in with ${provider}`);
  sendRedirect(res, resolveRedirectTarget(requested, ctx), cookies);
}

/**
 * True when a browser says the request comes from another page than this site's own: its `Origin` (or,
 * for a link followed, its `Referer`) names another host, or `Sec-Fetch-Site` says cross-site, or
 * same-site without naming the page. Same-site is not enough: every site of a `portico serve` shares its
 * domain, so to a browser a sibling tenant's page is same-site. Scripts and test suites send none of
 * these, and are not concerned.
 */
function isCrossSite(req: IncomingMessage, ctx: AuthRequestContext): boolean {
  const fetchSite = req.headers['sec-fetch-site'];
  if (fetchSite === 'cross-site') {
    return true;
  }
  const source = req.headers.origin ?? req.headers.referer;
  if (source === undefined) {
    return fetchSite === 'same-site';
  }
  const host = URL.canParse(source) ? new URL(source).host.toLowerCase() : undefined;
  const ownHosts = [new URL(ctx.origin).host, req.headers.host ?? '', ...ctx.allowedRedirectHosts];
  return host === undefined || !ownHosts.some((own) => own.toLowerCase() === host);
}

function rejectLogin(
  res: ServerResponse,
  provider: string,
  submission: LoginSubmission,
  error: string,
): void {
  const { values, postLoginRedirectUri } = submission;
  sendHtml(res, 400, renderLoginForm({ provider, postLoginRedirectUri, error, values }));
}

/** The codec's cookies, or the message of a user error (a principal too large for the cookie). */
function issueSession(ctx: AuthRequestContext, principal: ClientPrincipal): string[] | string {
  try {
    return ctx.codec.issue(principal, ctx.secureCookies);
  } catch (error) {
    if (isUserError(error)) {
      return error.message;
    }
    throw error;
  }
}

/**
 * `/.auth/logout`: ends the session (recorded where the host keeps sign-outs) and clears its cookie. A HEAD
 * (a link checker's or a previewer's, with the visitor's cookies) is told where the sign-out leads and
 * changes nothing: HEAD is safe (RFC 9110 §9.2.1; decision 0109, amended).
 */
async function signOut(req: IncomingMessage, res: ServerResponse, ctx: AuthRequestContext): Promise<void> {
  const target = resolveRedirectTarget(ctx.query.get('post_logout_redirect_uri'), ctx);
  if (ctx.method.toUpperCase() === 'HEAD') {
    return sendRedirect(res, target, []);
  }
  try {
    await ctx.codec.signOut?.(req.headers.cookie);
  } catch (error) {
    // The cookie is cleared all the same; where the host could not record the sign-out, it says what a
    // copy of the cookie can still do (`portico serve` refuses it here, and records it later).
    ctx.logger?.error(`/.auth${requestTag(res)}: could not record a sign-out: ${errorMessage(error)}`);
  }
  sendRedirect(res, target, ctx.codec.clear(req.headers.cookie));
}

/** The safe absolute target for a requested redirect, falling back to `<origin>/` (D4). */
function resolveRedirectTarget(requested: string | null | undefined, ctx: AuthRequestContext): string {
  const redirectCtx = { origin: ctx.origin, allowedHosts: ctx.allowedRedirectHosts };
  const target = resolveSafeRedirect(requested, redirectCtx);
  if (target !== undefined) {
    return target;
  }
  if (requested) {
    ctx.logger?.warn('/.auth: ignored a redirect target outside this site; redirecting to /');
  }
  return resolveSafeRedirect('/', redirectCtx) ?? '/';
}

function toMeView(principal: ClientPrincipal | null): ClientPrincipal | null {
  if (principal === null) {
    return null;
  }
  const { identityProvider, userId, userDetails, userRoles, claims } = principal;
  return { identityProvider, userId, userDetails, userRoles, claims };
}

function sameProvider(principal: ClientPrincipal, provider: string): boolean {
  return principal.identityProvider.toLowerCase() === provider.toLowerCase();
}

function isFormContentType(header: string | undefined): boolean {
  const mediaType = (header ?? '').split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/x-www-form-urlencoded';
}

function failResponse(res: ServerResponse, error: unknown, logger: Logger | undefined): void {
  const unavailable = isStorageUnavailable(error);
  logger?.error(
    unavailable
      ? `/.auth${requestTag(res)}: the database cannot be reached: ${errorMessage(error.cause ?? error)}`
      : `/.auth request failed${requestTag(res)}: ${errorMessage(error)}`,
  );
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (unavailable) {
    sendText(res, 503, AUTH_UNAVAILABLE_TEXT);
    return;
  }
  sendText(res, 500, 'The sign-in service failed unexpectedly.');
}
