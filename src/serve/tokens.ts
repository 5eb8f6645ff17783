/**
 * The backend tokens of every site (spec/apim.md §4): RS256 JWTs with `iss` = `<environment origin>/.auth`,
 * `aud` = the backend's base URL, `sub`, `prn` (the client principal), a five-minute life; and the
 * openid-configuration and JWKS each environment publishes. A token is reused for a minute for the same
 * principal and audience, so signing stays off the hot path.
 */
import { createPrivateKey, type KeyObject, sign } from 'node:crypto';
import {
  type ControlContext,
  loadSiteKeys,
  type SiteKeys,
  TOKEN_LIFETIME_SECONDS,
  tokenIssuer,
} from '../control-plane/index.js';

/** Tokens and documents of all sites, keys loaded on first use and reloaded on `keys:<site id>`. */
export interface TokenService {
  /** A token for a call of an environment (`hostname`) to a backend (`audience`). */
  mint(
    siteId: string,
    hostname: string,
    audience: string,
    principalHeader: string | undefined,
    userId: string | undefined,
  ): Promise<string>;
  /** The openid-configuration or JWKS of an environment. */
  wellKnown(
    siteId: string,
    hostname: string,
    document: 'openid-configuration' | 'jwks.json',
  ): Promise<unknown>;
  /** Keys of a site, for validating its tokens in this process. */
  keys(siteId: string): Promise<SiteKeys>;
  /** Drops cached keys of a site (after a rotation). */
  forget(siteId: string): void;
}

/** Reused tokens keep at least this many seconds of life. */
const REUSE_MARGIN_SECONDS = TOKEN_LIFETIME_SECONDS - 60;
const MAX_CACHED_TOKENS = 10_000;

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Creates the token service. */
export function createTokenService(control: ControlContext): TokenService {
  const keys = new Map<string, Promise<SiteKeys>>();
  const signers = new Map<string, KeyObject>();
  const tokens = new Map<string, { token: string; exp: number }>();
  const keysOf = (siteId: string) => {
    let loaded = keys.get(siteId);
    if (loaded === undefined) {
      loaded = loadSiteKeys(control, siteId);
      loaded.catch(() => keys.delete(siteId));
      keys.set(siteId, loaded);
    }
    return loaded;
  };
  const signerOf = (kid: string, jwk: object) => {
    let key = signers.get(kid);
    if (key === undefined) {
      key = createPrivateKey({ key: jwk as never, format: 'jwk' });
      signers.set(kid, key);
    }
    return key;
  };
  return {
    async mint(siteId, hostname, audience, principalHeader, userId) {
      const now = Math.floor(control.now().getTime() / 1000);
      const cacheKey = `${hostname}\n${audience}\n${principalHeader ?? ''}`;
      const cached = tokens.get(cacheKey);
      if (cached !== undefined && cached.exp - now > REUSE_MARGIN_SECONDS) {
        return cached.token;
      }
      const { signing } = await keysOf(siteId);
      const header = base64url({ alg: 'RS256', typ: 'JWT', kid: signing.kid });
      const exp = now + TOKEN_LIFETIME_SECONDS;
      const claims = {
        iss: tokenIssuer(control, hostname),
        aud: audience,
        sub: userId ?? 'anonymous',
        ...(principalHeader === undefined ? {} : { prn: principalHeader }),
        iat: now,
        nbf: now,
        exp,
      };
      const input = `${header}.${base64url(claims)}`;
      const token = `${input}.${sign('sha256', Buffer.from(input), signerOf(signing.kid, signing.privateJwk)).toString('base64url')}`;
      if (tokens.size >= MAX_CACHED_TOKENS) {
        tokens.clear();
      }
      tokens.set(cacheKey, { token, exp });
      return token;
    },
    async wellKnown(siteId, hostname, document) {
      const issuer = tokenIssuer(control, hostname);
      if (document === 'openid-configuration') {
        return {
          issuer,
          jwks_uri: `${issuer}/.well-known/jwks.json`,
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: [],
          response_types_supported: [],
          subject_types_supported: ['public'],
          claims_supported: ['iss', 'aud', 'sub', 'prn', 'iat', 'nbf', 'exp'],
        };
      }
      const { published } = await keysOf(siteId);
      return { keys: published.map((key) => key.publicJwk) };
    },
    keys: keysOf,
    forget(siteId) {
      keys.delete(siteId);
      tokens.clear();
    },
  };
}
