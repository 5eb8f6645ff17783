/**
 * Turns the raw request target into the decoded path that matching and file lookup both use. Using one
 * decoded string for both means no encoding trick can make a rule see one path and the file lookup
 * another. Paths that cannot be decoded safely (invalid percent-encoding or UTF-8, NUL, `.` or `..`
 * segments after decoding) are refused with 400 rather than guessed at, and so is a raw `\` (decision
 * 0118): a URL parser (WHATWG: Node's `new URL`, the managed functions, Hono, Next, browsers; IIS) reads
 * it as `/`, so a backend would route `/api/priv\x` as `/api/priv/x`, which no rule saw.
 */
export type RequestTarget =
  | { readonly ok: true; readonly path: string; readonly rawPath: string; readonly search: string }
  | { readonly ok: false; readonly reason: string };

/** Paths without `%`, NUL or a segment starting with `.` are already decoded and safe (the fast path). */
const NEEDS_DECODING = /[%\0]|\/\./;

/** Parses `req.url` (origin-form, or absolute-form from a proxy). */
export function parseRequestTarget(url: string | undefined): RequestTarget {
  const target = stripAbsoluteForm(url ?? '/');
  const queryStart = target.indexOf('?');
  const rawPath = queryStart === -1 ? target : target.slice(0, queryStart);
  const search = queryStart === -1 ? '' : target.slice(queryStart);
  if (!rawPath.startsWith('/') || rawPath.startsWith('//')) {
    return { ok: false, reason: 'the request path must start with a single "/"' };
  }
  // Browsers never send one (they turn it into "/" themselves); `%5C` is a name's character, kept.
  if (rawPath.includes('\\')) {
    return { ok: false, reason: 'the request path contains a raw "\\" (write "/" or %5C)' };
  }
  if (!NEEDS_DECODING.test(rawPath)) {
    return { ok: true, path: rawPath, rawPath, search };
  }
  const path = decodePath(rawPath);
  if (path === undefined) {
    return { ok: false, reason: 'the request path has invalid percent-encoding or UTF-8' };
  }
  const problem = findUnsafeSegment(path);
  return problem === undefined ? { ok: true, path, rawPath, search } : { ok: false, reason: problem };
}

function stripAbsoluteForm(url: string): string {
  // Origin-form, what every client but a forward proxy sends, needs no pattern.
  if (url.startsWith('/')) {
    return url;
  }
  const match = /^https?:\/\/[^/?#]*/i.exec(url);
  return match ? url.slice(match[0].length) || '/' : url;
}

function decodePath(rawPath: string): string | undefined {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
}

function findUnsafeSegment(path: string): string | undefined {
  if (path.includes('\0')) {
    return 'the request path contains a NUL character';
  }
  const segments = path.split('/');
  // `..;x` too: a Java server drops a segment's `;` parameters and then reads it as `..`.
  if (segments.some((segment) => /^\.\.?(;|$)/.test(segment))) {
    return 'the request path contains "." or ".." segments';
  }
  return undefined;
}

/** `?` and `#` in a decoded path: `encodeURI` keeps them, and a URL would read them as its query or fragment. */
const QUERY_OR_FRAGMENT = /[?#]/g;
const ENCODED: Readonly<Record<string, string>> = { '?': '%3F', '#': '%23' };

/**
 * A decoded path as a URL path again (the inverse of {@link parseRequestTarget}'s decoding): what
 * `encodeURI` encodes, and `?` and `#` too, so a file named `what?.html` redirects to itself.
 *
 * @example
 * encodePath('/what?.html') // '/what%3F.html'
 */
export function encodePath(path: string): string {
  const encoded = encodeURI(path);
  return encoded.includes('?') || encoded.includes('#')
    ? encoded.replace(QUERY_OR_FRAGMENT, (char) => ENCODED[char] ?? char)
    : encoded;
}
