/**
 * Folder-private: the cache of `openid-config` documents and their key sets (spec/apim.md §2.1, §5.4).
 * A URL is fetched once, then refreshed hourly in the background; a token naming an unknown `kid` may
 * reload it, at most once per 5 minutes per URL. Concurrent callers share one in-flight fetch, and a
 * failed fetch keeps the last good keys (and is retried after a minute).
 */

import { errorMessage } from '../../shared/guards.js';
import { parseJwks, type VerificationKey } from './_keys.js';
import { isRecord } from './_token.js';

/** What one openid-config URL contributes: its issuer and its signature keys. */
export interface OpenIdKeys {
  readonly issuer: string | undefined;
  readonly keys: readonly VerificationKey[];
}

/** The cache the validator reads keys from. */
export interface OpenIdCache {
  /** The keys of `url`: waits for the first load; refreshes hourly without waiting. */
  keys(url: string): Promise<OpenIdKeys>;
  /**
   * What {@link keys} would answer when it has nothing to start (a load or a refresh is not due): the
   * keys at once, with no promise. Undefined when a load or refresh is due; then call {@link keys}.
   */
  peek(url: string): OpenIdKeys | undefined;
  /** Reloads `url` for a token whose `kid` no key has, unless it was fetched in the last 5 minutes. */
  reloadForUnknownKid(url: string): Promise<OpenIdKeys>;
}

/** What the cache needs from its host. */
export interface OpenIdCacheDeps {
  readonly fetchJson: (url: string) => Promise<unknown>;
  readonly now: () => number;
  readonly warn: (message: string) => void;
}

/** Successful key sets are kept this long before a refresh. */
export const REFRESH_INTERVAL_MS = 60 * 60 * 1000;
/** An unknown `kid` reloads a URL only when its last fetch is at least this old. */
export const KID_RELOAD_COOLDOWN_MS = 5 * 60 * 1000;
/** A failed fetch is retried after this long. */
export const RETRY_AFTER_FAILURE_MS = 60 * 1000;

const EMPTY: OpenIdKeys = { issuer: undefined, keys: [] };

interface Entry {
  current: OpenIdKeys | undefined;
  nextRefreshAt: number;
  lastFetchAt: number;
  failing: boolean;
  inflight: Promise<void> | undefined;
}

/** Creates an empty cache. */
export function createOpenIdCache(deps: OpenIdCacheDeps): OpenIdCache {
  const entries = new Map<string, Entry>();
  const entryOf = (url: string): Entry => {
    let entry = entries.get(url);
    if (entry === undefined) {
      entry = {
        current: undefined,
        nextRefreshAt: 0,
        lastFetchAt: -Infinity,
        failing: false,
        inflight: undefined,
      };
      entries.set(url, entry);
    }
    return entry;
  };
  const refresh = (url: string, entry: Entry): Promise<void> => {
    entry.inflight ??= runRefresh(url, entry, deps).finally(() => {
      entry.inflight = undefined;
    });
    return entry.inflight;
  };
  return {
    peek(url) {
      const entry = entries.get(url);
      return entry === undefined || deps.now() >= entry.nextRefreshAt ? undefined : (entry.current ?? EMPTY);
    },
    async keys(url) {
      const entry = entryOf(url);
      if (deps.now() >= entry.nextRefreshAt) {
        const running = refresh(url, entry);
        if (entry.current === undefined) {
          await running;
        }
      }
      return entry.current ?? EMPTY;
    },
    async reloadForUnknownKid(url) {
      const entry = entryOf(url);
      const cooled = deps.now() - entry.lastFetchAt >= KID_RELOAD_COOLDOWN_MS;
      // A fetch already under way (first load, hourly refresh) answers the question as well.
      await (entry.inflight ?? (cooled ? refresh(url, entry) : undefined));
      return entry.current ?? EMPTY;
    },
  };
}

/** Fetches `url` and its JWKS into `entry`; never rejects. */
async function runRefresh(url: string, entry: Entry, deps: OpenIdCacheDeps): Promise<void> {
  entry.lastFetchAt = deps.now();
  try {
    entry.current = await loadKeys(url, deps.fetchJson);
    entry.nextRefreshAt = deps.now() + REFRESH_INTERVAL_MS;
    entry.failing = false;
  } catch (error) {
    entry.nextRefreshAt = deps.now() + RETRY_AFTER_FAILURE_MS;
    if (!entry.failing) {
      entry.failing = true;
      const reason = errorMessage(error);
      const kept = entry.current === undefined ? 'no keys yet' : 'keeping the last keys';
      deps.warn(`validate-jwt: cannot load the openid-config ${describeUrl(url)} (${reason}); ${kept}.`);
    }
  }
}

/** The openid-configuration at `url`, then the JWKS it names. */
async function loadKeys(url: string, fetchJson: (url: string) => Promise<unknown>): Promise<OpenIdKeys> {
  const config = await fetchJson(url);
  if (!isRecord(config) || typeof config.jwks_uri !== 'string') {
    throw new Error('the document has no jwks_uri');
  }
  const keys = parseJwks(await fetchJson(new URL(config.jwks_uri, url).toString()));
  if (keys.length === 0) {
    throw new Error('the JWKS holds no usable signature key');
  }
  return { issuer: typeof config.issuer === 'string' ? config.issuer : undefined, keys };
}

/** A URL for a log line: origin and path, never a query that might hold secrets. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(an unparsable URL)';
  }
}
