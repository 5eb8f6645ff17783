/**
 * The dev sign-in emulator's pages: the form at `GET /.auth/login/<provider>` and the page for an
 * unknown or disabled provider. Both are self-contained (inline CSS, no scripts, no external
 * resources) so they work offline. Field ids match Microsoft's emulator form for existing test suites.
 *
 * @see CONTRACT.md §2 "Dev sign-in"
 */
import { escapeHtml } from '../../shared/html.js';
import { renderPage } from './_html.js';

/** Values the form shows, e.g. what the user submitted before an error. */
export interface LoginFormValues {
  readonly userDetails?: string;
  readonly userId?: string;
  readonly userRoles?: string;
  readonly claims?: string;
}

/** Input of {@link renderLoginForm}. */
export interface LoginFormOptions {
  /** Provider name as it appears in the URL (`github`, `aad`, a custom name). */
  readonly provider: string;
  /** Carried in a hidden field and honoured after sign-in when safe. */
  readonly postLoginRedirectUri?: string;
  /** A problem with the previous submission, shown above the form. */
  readonly error?: string;
  readonly values?: LoginFormValues;
}

/**
 * The sign-in form posting to `/.auth/login/<provider>`. Every interpolated value is HTML-escaped.
 *
 * @example
 * renderLoginForm({ provider: 'github', postLoginRedirectUri: '/home' })
 */
export function renderLoginForm(options: LoginFormOptions): string {
  const provider = escapeHtml(options.provider);
  const action = escapeHtml(`/.auth/login/${encodeURIComponent(options.provider)}`);
  const body = `<h1>Sign in with ${provider}</h1>
<p class="note">Portico development sign-in: no password is checked and nothing leaves this machine.</p>
${renderError(options.error)}<form method="post" action="${action}" name="auth">
${renderFields(options.values ?? {})}
<input type="hidden" name="post_login_redirect_uri" value="${escapeHtml(options.postLoginRedirectUri ?? '')}">
<button type="submit" id="submit">Sign in</button>
</form>`;
  return renderPage(`Sign in with ${options.provider} - Portico`, body);
}

/** The page for `/.auth/login/<provider>` when the provider is unknown or disabled (sent with 404). */
export function renderProviderNotFound(provider: string): string {
  const body = `<h1>Sign-in provider not available</h1>
<p class="note">The identity provider <code>${escapeHtml(provider)}</code> is not enabled for this app.</p>`;
  return renderPage('Provider not available - Portico', body);
}

function renderError(error: string | undefined): string {
  return error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>\n`;
}

function renderFields(values: LoginFormValues): string {
  return `<label for="userDetails">Username</label>
<input id="userDetails" name="userDetails" type="text" required maxlength="256" autocomplete="off" value="${escapeHtml(values.userDetails ?? '')}">
<small>User name or e-mail address, shown as <code>userDetails</code>.</small>
<label for="userId">User ID</label>
<input id="userId" name="userId" type="text" maxlength="128" autocomplete="off" value="${escapeHtml(values.userId ?? '')}">
<small>Optional. Leave empty for a stable id derived from the provider and the username.</small>
<label for="userRoles">Roles</label>
<textarea id="userRoles" name="userRoles" rows="3">
${escapeHtml(values.userRoles ?? '')}</textarea>
<small>Custom roles, separated by commas or new lines. <code>anonymous</code> and <code>authenticated</code> are always added.</small>
<label for="claims">Claims</label>
<textarea id="claims" name="claims" rows="4" placeholder='[{"typ":"name","val":"Ada Lovelace"}]'>
${escapeHtml(values.claims ?? '')}</textarea>
<small>Optional JSON array of <code>{"typ", "val"}</code> objects.</small>`;
}
