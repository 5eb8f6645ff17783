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
import { innerMap } from '../shared/inner-map.js';

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
  /**
   * The token {@link mint} would answer now without signing (one it signed before for the same call that
   * still has its reuse margin), or undefined when it would sign one. Synchronous: the hot path's check.
   */
  cached(hostname: string, audience: string, principalHeader: string | undefined): string | undefined;
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

/** A token signed before, with its expiry (seconds since the epoch). */
interface SignedToken {
  readonly token: string;
  readonly exp: number;
}

/**
 * Signed tokens by environment host, audience, then principal header (`''` for anonymous calls). One
 * level per part, so a lookup never joins strings into a new key: the edge hands the same host, audience
 * and header strings for the same call, whose hashes are computed once.
 */
class TokenCache {
  readonly #byHost = new Map<string, Map<string, Map<string, SignedToken>>>();
  #size = 0;

  get(hostname: string, audience: string, principalHeader: string | undefined): SignedToken | undefined {
    return this.#byHost
      .get(hostname)
      ?.get(audience)
      ?.get(principalHeader ?? '');
  }

  set(hostname: string, audience: string, principalHeader: string | undefined, token: SignedToken): void {
    if (this.#size >= MAX_CACHED_TOKENS) {
      this.clear();
    }
    const byPrincipal = innerMap(innerMap(this.#byHost, hostname), audience);
    const key = principalHeader ?? '';
    if (!byPrincipal.has(key)) {
      this.#size += 1;
    }
    byPrincipal.set(key, token);
  }

  clear(): void {
    this.#byHost.clear();
    this.#size = 0;
  }
}

/** The token of `cached` when it can still be handed out at `now` (seconds). */
function reusable(cached: SignedToken | undefined, now: number): string | undefined {
  return cached !== undefined && cached.exp - now > REUSE_MARGIN_SECONDS ? cached.token : undefined;
}

/** Creates the token service. */
export function createTokenService(control: ControlContext): TokenService {
  const keys = new Map<string, Promise<SiteKeys>>();
  const signers = new Map<string, KeyObject>();
  const tokens = new TokenCache();
  const nowSeconds = () => Math.floor(control.now().getTime() / 1000);
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
    cached(hostname, audience, principalHeader) {
      return reusable(tokens.get(hostname, audience, principalHeader), nowSeconds());
    },
    async mint(siteId, hostname, audience, principalHeader, userId) {
      const now = nowSeconds();
      const cached = reusable(tokens.get(hostname, audience, principalHeader), now);
      if (cached !== undefined) {
        return cached;
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
      tokens.set(hostname, audience, principalHeader, { token, exp });
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
