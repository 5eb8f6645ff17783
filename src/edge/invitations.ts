/**
 * Invitation links, `/.auth/invitations/<code>` (spec §2.4): a signed-in user who opens one takes its
 * roles and lands on the app; someone not signed in is sent to sign in with the invitation's provider and
 * back; an unknown, used or expired link is a 400, through `responseOverrides` like every error.
 * Only hosts that keep users (`portico serve`) have invitations; the dev server answers 404.
 */
import { isStorageUnavailable } from '../shared/errors.js';
import { errorMessage } from '../shared/guards.js';
import { requestTag } from '../shared/request-tag.js';
import { AUTH_UNAVAILABLE_TEXT } from './auth/index.js';
import type { EdgeContext } from './context.js';
import { sendRedirect, sendText } from './respond.js';
import { sendError } from './serve-static.js';
import type { SiteIdentity } from './site.js';

const PREFIX = '/.auth/invitations/';
/** Codes are base64url; anything else cannot name an invitation. */
const CODE = /^[A-Za-z0-9_-]{16,128}$/;
const INVALID_TEXT = 'Invalid invitation link.';

/** The invitation code a decoded path names (one trailing slash allowed), or undefined. */
export function invitationCodeOf(path: string): string | undefined {
  if (!path.startsWith(PREFIX)) {
    return undefined;
  }
  const code = path.slice(PREFIX.length).replace(/\/$/, '');
  return code.includes('/') ? undefined : code;
}

/**
 * Answers an invitation link completely; while the database cannot be reached, a 503 (try again), logged
 * with the answer's request id.
 */
export async function handleInvitation(
  ctx: EdgeContext,
  identity: SiteIdentity,
  code: string,
): Promise<void> {
  try {
    await answerInvitation(ctx, identity, code);
  } catch (error) {
    if (!isStorageUnavailable(error)) {
      throw error;
    }
    ctx.logger.error(
      `/.auth/invitations${requestTag(ctx.res)}: the database cannot be reached: ${errorMessage(error.cause ?? error)}`,
    );
    ctx.trace.note = 'invitation: database unreachable';
    return sendError(ctx, 503, AUTH_UNAVAILABLE_TEXT);
  }
}

async function answerInvitation(ctx: EdgeContext, identity: SiteIdentity, code: string): Promise<void> {
  // Not HEAD either: opening the link accepts the invitation, and HEAD must be safe (link checkers and
  // previewers send it with the visitor's cookies; decision 0109, amended).
  if (ctx.method !== 'GET') {
    return sendText(ctx.res, 405, 'Open the invitation link with GET.\n', undefined, {
      allow: 'GET',
      'cache-control': 'no-store',
    });
  }
  if (!CODE.test(code)) {
    return sendError(ctx, 400, INVALID_TEXT);
  }
  const principal = ctx.principal();
  if (principal === null) {
    const provider = await identity.invitationProvider(code, ctx.host);
    if (provider === undefined) {
      return sendError(ctx, 400, INVALID_TEXT);
    }
    const back = encodeURIComponent(`${PREFIX}${code}`);
    return sendRedirect(ctx.res, 302, `/.auth/login/${provider}?post_login_redirect_uri=${back}`, ctx.origin);
  }
  const outcome = await identity.acceptInvitation(code, principal, ctx.host);
  ctx.trace.note = `invitation ${outcome}`;
  if (outcome === 'accepted') {
    return sendRedirect(ctx.res, 302, '/', ctx.origin);
  }
  if (outcome === 'user-limit') {
    return sendError(ctx, 403, 'This site already has as many users with custom roles as it may have.');
  }
  return sendError(ctx, 400, INVALID_TEXT);
}
