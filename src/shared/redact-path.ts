/**
 * Request paths as logs may show them: without the secrets a path can carry. Used by the access log and
 * by the `--verbose` request lines of `start` and `serve`, so that neither writes an invitation's code.
 */

/** The path of an invitation link: what follows it is the invitation's code, a secret. */
const INVITATION_PATH = '/.auth/invitations/';

/**
 * The path without the secrets it may carry: an invitation's code (`/.auth/invitations/<code>` becomes
 * `/.auth/invitations/[redacted]`), however the path is spelled for the server to read it so (encoded
 * letters or slashes, repeated slashes). ACME challenge tokens are public by design and stay.
 */
export function redactPathSecrets(path: string): string {
  const lower = path.toLowerCase();
  const at = lower.indexOf(INVITATION_PATH);
  if (at !== -1) {
    return `${path.slice(0, at + INVITATION_PATH.length)}[redacted]`;
  }
  if ((lower.includes('%') || lower.includes('//')) && readAs(lower).includes(INVITATION_PATH)) {
    return `${INVITATION_PATH}[redacted]`;
  }
  return path;
}

/** The path as the server reads it: decoded, with repeated slashes as one. */
function readAs(path: string): string {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // Not decodable: the server refuses it; read as it is.
  }
  return decoded.replace(/\/{2,}/g, '/');
}
