/**
 * `responseOverrides` (spec §1.5): only 400, 401, 403 and 404 can be overridden, each by a rewrite (serve
 * a file, status kept unless `statusCode` says otherwise) or a redirect (302 unless `statusCode` is 301).
 * In a redirect, `.referrer` is replaced by the URL-encoded original path and query, so a 401 redirect to
 * `/.auth/login/github?post_login_redirect_uri=.referrer` brings the user back after sign-in.
 */
import type { NormalizedConfig, OverridableStatus } from '../../config/types.js';

export type OverrideAction =
  | { readonly kind: 'rewrite'; readonly path: string; readonly status: number }
  | { readonly kind: 'redirect'; readonly location: string; readonly status: number };

const OVERRIDABLE: ReadonlySet<number> = new Set([400, 401, 403, 404]);

/** What to do instead of the default error page for `status`, or undefined to send the default page. */
export function matchOverride(
  config: NormalizedConfig,
  status: number,
  originalPathAndQuery: string,
): OverrideAction | undefined {
  if (!OVERRIDABLE.has(status)) {
    return undefined;
  }
  const override = config.responseOverrides[status as OverridableStatus];
  if (override?.redirect !== undefined) {
    const location = override.redirect.replaceAll('.referrer', encodeURIComponent(originalPathAndQuery));
    return { kind: 'redirect', location, status: override.statusCode === 301 ? 301 : 302 };
  }
  if (override?.rewrite !== undefined) {
    return { kind: 'rewrite', path: override.rewrite, status: override.statusCode ?? status };
  }
  return undefined;
}
