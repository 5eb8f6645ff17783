/**
 * Request paths as logs may show them: without the secrets a path can carry. Used by the access log and
 * by the `--verbose` request lines of `start` and `serve`, so that neither writes an invitation's code.
 */

/** The path of an invitation link: what follows it is the invitation's code, a secret. */
const INVITATION_PATH = '/.auth/invitations/';

/** How many times escapes are decoded: `%252e` is `%2e` once decoded, `.` twice. */
const DECODE_ROUNDS = 3;

/**
 * The path without the secrets it may carry: an invitation's code (`/.auth/invitations/<code>` becomes
 * `/.auth/invitations/[redacted]`). Conservative: also any spelling in which, once escapes are decoded,
 * `\` read as `/` and `;params` cut from each segment, an `invitations` segment followed by anything
 * comes after a `.auth` segment (`/.auth/./invitations/<code>`, `/.auth/x/../invitations/<code>`,
 * `/.auth/invitations;x/<code>`, `/.auth\invitations\<code>`, encoded letters or slashes, repeated
 * slashes), whether or not the server would serve it: a refused request is logged as well. ACME
 * challenge tokens are public by design and stay.
 *
 * @example
 * redactPathSecrets('/.auth/x/../invitations/abc'); // '/.auth/invitations/[redacted]'
 */
export function redactPathSecrets(path: string): string {
  const lower = path.toLowerCase();
  const at = lower.indexOf(INVITATION_PATH);
  if (at !== -1) {
    return `${path.slice(0, at + INVITATION_PATH.length)}[redacted]`;
  }
  // Without an escape, `invitations` is spelled out in any path that can reach one.
  if ((lower.includes('%') || lower.includes('invitations')) && reachesInvitation(lower)) {
    return `${INVITATION_PATH}[redacted]`;
  }
  return path;
}

/**
 * Whether a lower-case path names an `invitations` segment with something after it, below a `.auth`
 * segment. The query is read too: a sign-in's `post_login_redirect_uri` may carry an invitation link.
 */
function reachesInvitation(lower: string): boolean {
  const segments = decodeAsciiEscapes(lower).replaceAll('\\', '/').split('/');
  const auth = segments.findIndex((segment) => nameOf(segment) === '.auth');
  if (auth === -1) {
    return false;
  }
  for (let at = auth + 1; at < segments.length; at += 1) {
    const segment = segments[at] ?? '';
    if (nameOf(segment) === 'invitations' && (segment.includes(';') || hasMore(segments, at + 1))) {
      return true;
    }
  }
  return false;
}

/** A segment without its `;params`. */
function nameOf(segment: string): string {
  return segment.split(';', 1)[0] ?? '';
}

function hasMore(segments: readonly string[], from: number): boolean {
  return segments.slice(from).some((segment) => segment !== '');
}

/**
 * Decodes `%XX` escapes of ASCII characters, one by one so a malformed escape elsewhere (`%zz`) does not
 * stop the rest, and again for escapes of `%` itself, up to {@link DECODE_ROUNDS} times.
 */
function decodeAsciiEscapes(text: string): string {
  let decoded = text;
  for (let round = 0; round < DECODE_ROUNDS && decoded.includes('%'); round += 1) {
    const next = decoded.replace(/%([0-7][0-9a-f])/gi, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
    if (next === decoded) {
      break;
    }
    decoded = next;
  }
  return decoded.toLowerCase();
}
