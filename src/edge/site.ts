/**
 * What the edge needs to serve one site environment, and the state-provider interface through which its
 * host (`portico start` now, `portico serve` later) hands it over. A site is an immutable snapshot: when
 * the config changes, the host builds a new one and swaps it in.
 */
import type { Diagnostic } from '../config/types.js';
import type { SessionCodec, SiteSignIn } from './auth/index.js';
import type { DevServerSource } from './devserver/index.js';
import type { ApiProxy } from './proxy/index.js';
import type { SiteRules } from './routing/index.js';
import type { StaticMissListener } from './static/index.js';
import type { ClientPrincipal, FileSource, StaticFile } from './types.js';

/** The rules of a site, or the diagnostics that make its config unusable (then nothing is served: fail closed). */
export type SiteRulesState =
  | { readonly ok: true; readonly rules: SiteRules }
  | {
      readonly ok: false;
      readonly diagnostics: readonly Diagnostic[];
      /**
       * What the 500 page tells a visitor instead of the diagnostics (`portico serve`, whose operator reads
       * them in the log); without it the page lists them (`portico start`: the developer is the visitor).
       */
      readonly publicText?: string;
    };

/** One servable site environment. */
export interface EdgeSite {
  readonly state: SiteRulesState;
  readonly files: FileSource;
  /**
   * The framework's dev server (`portico start <url>`): when set, content that is not `/.auth` or `/api`
   * comes from it instead of `files`, under the same rules.
   */
  readonly devServer?: DevServerSource;
  /**
   * Told of a request for static content that found no file in `files`, as it gets the navigation fallback
   * or a 404 (`portico start`'s hint on a name that differs only in case); it never changes the answer.
   */
  readonly onStaticMiss?: StaticMissListener;
  /**
   * The file at exactly `path` in a deployment this one replaced moments ago, with the source it belongs
   * to (`portico serve`, decision 0126): a page of the previous build still loads its own assets after a
   * deploy. Asked only for a static request that found no file in `files`, after the route rules of this
   * site's config, before the navigation fallback; answers undefined once the grace is over.
   */
  readonly matchRetiredFile?: (path: string) => RetiredFile | undefined;
  /**
   * Waits, briefly, until the host has caught up with the changes made before now (`portico serve` reads
   * its change log, and loads a deployment it finds), and answers the site that serves this host then,
   * or undefined when it is still this one (decision 0126). A node a moment behind another thereby answers
   * a page of the new build with the new build's assets, not a 404. Never rejects.
   */
  readonly awaitSuccessor?: () => Promise<EdgeSite | undefined>;
  /** Where `/api/*` goes; absent when the site has no API. */
  readonly api?: ApiProxy;
  /**
   * What `/api/*` answers when there is no API. Default: the `start` flags that give one (the developer is
   * the visitor). A public host answers a generic text and tells its operator through `report`.
   */
  readonly noApi?: NoApiAnswer;
  readonly sessions: SessionCodec;
  /** Whether `/.auth/login/<name>` is available for this site. */
  readonly isProviderEnabled: (name: string) => boolean;
  /** True when the listener is HTTPS (cookies get `Secure`). */
  readonly secure: boolean;
  /** Real sign-in with identity providers (`portico serve`); absent in the dev server, which emulates it. */
  readonly signIn?: SiteSignIn;
  /** Role management of the host (`portico serve`); absent in the dev server. */
  readonly identity?: SiteIdentity;
  /** The backend tokens the site issues (`portico serve`); absent in the dev server. */
  readonly tokens?: SiteTokens;
}

/** What `/api/*` answers a visitor of a site without an API, and how the host's operator hears of it. */
export interface NoApiAnswer {
  /** The 404's body: nothing a visitor should not read (no admin-side names or commands). */
  readonly text: string;
  /** Called on each such request; the host decides how often to log (once per environment). */
  readonly report?: () => void;
}

/** A file of a deployment that was replaced, and the source it is read from (its precompressed siblings). */
export interface RetiredFile {
  readonly file: StaticFile;
  readonly source: FileSource;
}

/** What a site publishes so that backends can validate the tokens it sends them (spec/apim.md §4). */
export interface SiteTokens {
  /** `/.auth/.well-known/openid-configuration` or `/.auth/.well-known/jwks.json`. */
  wellKnown(document: 'openid-configuration' | 'jwks.json'): Promise<unknown>;
}

/** What happened to an invitation link a signed-in user opened. */
export type InvitationOutcome = 'accepted' | 'invalid' | 'user-limit';

/** Invitations and user data of a site, kept by the host (spec §2.4). */
export interface SiteIdentity {
  /**
   * The provider a usable invitation names; undefined when the link is unknown, used, expired, or opened
   * on another host than its invitation's domain (`host`: the request's Host, a port allowed).
   */
  invitationProvider(code: string, host: string): Promise<string | undefined>;
  /** Gives the signed-in user the invitation's roles, when it is theirs, still usable and on its host. */
  acceptInvitation(code: string, principal: ClientPrincipal, host: string): Promise<InvitationOutcome>;
  /** Forgets what the site keeps of the user (`/.auth/purge/<provider>`). */
  purge(principal: ClientPrincipal): Promise<void>;
}

/** What a host answers for an environment it knows but does not serve. */
export interface MissingSite {
  readonly status: 404 | 503;
  readonly message: string;
}

/** Implemented by the edge's host: finds the site for a request's `Host` header. */
export interface EdgeStateProvider {
  resolveSite(host: string | undefined): EdgeSite | undefined;
  /**
   * Why a host without a site is not served, when the host knows it: an environment with nothing deployed
   * (404), or one whose deployment cannot be served right now (503).
   */
  describeMissing?(host: string | undefined): MissingSite | undefined;
}
