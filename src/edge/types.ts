/**
 * Types shared by the edge's subfolders (static, routing, auth, proxy) and the state provider interface
 * the edge declares for whoever hosts it (`portico start` today, `portico serve` later).
 */
import type { Readable } from 'node:stream';

/** One claim of a principal, as its provider named it (`typ`) and its value. */
export interface Claim {
  readonly typ: string;
  readonly val: string;
}

/** The signed-in user, as `/.auth/me` shows it and `x-ms-client-principal` carries it (without claims). */
export interface ClientPrincipal {
  readonly identityProvider: string;
  /** Unique per app; 32 lower-case hex characters unless a hand-made dev cookie says otherwise. */
  readonly userId: string;
  readonly userDetails: string;
  /** Always contains `anonymous` and `authenticated`, then custom roles. */
  readonly userRoles: readonly string[];
  readonly claims: readonly Claim[];
}

/** One file the edge can serve, looked up by its URL path. */
export interface StaticFile {
  /** URL path, decoded, starting with `/`: `/css/site.css`. */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** Strong ETag including quotes: `"1a2b-18c3f"`. */
  readonly etag: string;
  /** Reads the whole content (cached for small files); rejects with `ENOENT` like {@link stream}. */
  read(): Promise<Buffer>;
  /**
   * Opens the file and streams bytes `start..end` inclusive (the whole file when omitted). Resolves
   * once the file is open, so a file that is gone (or no longer the indexed one) rejects with `ENOENT`
   * before anything is sent.
   */
  stream(range?: { start: number; end: number }): Promise<Readable>;
}

/**
 * A read-only view of an app's files by URL path. Lookups are exact: the source only knows files that
 * were listed inside its root, so no request path can ever reach outside it.
 */
export interface FileSource {
  /** The file at exactly this decoded URL path (`/a/b.html`), or undefined. */
  get(path: string): StaticFile | undefined;
  /**
   * The path of a file whose path differs from `path` only in letter case (`/logo.png` for `/Logo.png`,
   * `/images/a.png` for `/Images/a.png`), or undefined; for a hint to the developer, never to serve it.
   * Only sources that keep a case index have it (`portico start`'s app folder).
   */
  matchCase?(path: string): string | undefined;
  /** Stops watching, frees caches. */
  close(): Promise<void>;
}
