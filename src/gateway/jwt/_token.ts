/** Folder-private: splitting and decoding a compact JWS without trusting any of it yet. */

/** Tokens larger than this are refused unread (APIM's header limits make larger ones implausible). */
export const MAX_TOKEN_LENGTH = 16 * 1024;

const SEGMENT = /^[A-Za-z0-9_-]*$/;

/** A decoded, not yet verified, compact JWS. */
export interface ParsedToken {
  readonly alg: string;
  readonly kid: string | undefined;
  readonly claims: Readonly<Record<string, unknown>>;
  /** Whether the signature segment is empty (an unsecured `alg: none` token). */
  readonly unsigned: boolean;
  /**
   * Whether `alg` is `none` in any case, read once: a remembered token's decoded parts serve every later
   * call of it, which then lower-cases nothing.
   */
  readonly algNone: boolean;
}

/** Decodes `token`, or returns undefined when it is not a well-formed compact JWS with JSON objects. */
export function parseToken(token: string): ParsedToken | undefined {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    return undefined;
  }
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => SEGMENT.test(part))) {
    return undefined;
  }
  const [head = '', body = '', signature = ''] = parts;
  const header = decodeObject(head);
  const claims = decodeObject(body);
  if (header === undefined || claims === undefined || typeof header.alg !== 'string') {
    return undefined;
  }
  if (header.kid !== undefined && typeof header.kid !== 'string') {
    return undefined;
  }
  return {
    alg: header.alg,
    kid: header.kid,
    claims,
    unsigned: signature === '',
    algNone: header.alg.toLowerCase() === 'none',
  };
}

/** A base64url segment holding a JSON object, decoded; undefined otherwise. */
function decodeObject(segment: string): Record<string, unknown> | undefined {
  if (segment === '') {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `value` is a plain JSON object (not an array or null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
