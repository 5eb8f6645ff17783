/**
 * Sign-in for one site of a host that signs in for real (`portico serve`): which providers exist, the
 * flow with each, and the principal a finished sign-in makes, with roles from `auth.rolesSource` when
 * the site names one (spec/swa-behaviour.md §2.3–2.4).
 */

import type { Claim, ClientPrincipal } from '../../types.js';
import { parsePrincipal } from '../principal.js';
import { rolesFromSource } from '../roles-source.js';
import type { ProviderUser, SignInFlows } from './flows.js';
import { isRegistration, type ProviderRegistration, type SiteProviders } from './registrations.js';

/** What the roles function receives (spec §2.4). */
export interface RolesSourceInput {
  readonly identityProvider: string;
  readonly userId: string;
  readonly userDetails: string;
  readonly claims: readonly Claim[];
  readonly accessToken: string;
}

/** Options of {@link createSiteSignIn}. */
export interface SiteSignInOptions {
  readonly providers: SiteProviders;
  readonly flows: SignInFlows;
  /**
   * The site's `userId` of a signed-in provider account (stable per site and account, spec §2.3): `subject`
   * is the provider's own id of the account.
   */
  userIdOf(identityProvider: string, userDetails: string, subject: string): Promise<string>;
  /**
   * The service's identity host origin, e.g. `http://identity.example.com`: the preconfigured providers
   * return there (one callback URL for every site), and it sends the browser on to the site's callback.
   */
  readonly identityOrigin?: () => string;
  /** The roles the site's `auth.rolesSource` function gives; absent when the site names none. */
  readonly rolesSource?: (input: RolesSourceInput) => Promise<readonly string[]>;
}

/** An answer of the sign-in endpoints. */
export type SignInAnswer =
  | { readonly kind: 'redirect'; readonly location: string; readonly cookies: readonly string[] }
  | {
      readonly kind: 'signed-in';
      readonly principal: ClientPrincipal;
      readonly returnTo: string;
      readonly cookies: readonly string[];
    }
  | {
      readonly kind: 'error';
      readonly status: number;
      /** What the visitor reads. */
      readonly message: string;
      readonly cookies: readonly string[];
      /**
       * What the operator reads in the log instead of `message`, when the two differ (the visitor is not
       * told how the service is set up); `null` when it was logged already and is not logged again.
       */
      readonly log?: string | null;
    };

/** Real sign-in of a site. */
export interface SiteSignIn {
  /** Whether `/.auth/login/<name>` exists for the site (one that cannot be used still exists, and says why). */
  has(provider: string): boolean;
  /** Starts a sign-in; `returnTo` is the safe absolute URL to land on afterwards. */
  start(
    provider: string,
    request: {
      readonly origin: string;
      readonly returnTo: string;
      readonly query: URLSearchParams;
      readonly secure: boolean;
      /** The browser's cookies: its other unfinished sign-ins. */
      readonly cookieHeader: string | undefined;
    },
  ): Promise<SignInAnswer>;
  /** Finishes a sign-in at `/.auth/login/<name>/callback`. */
  finish(
    provider: string,
    request: { readonly url: URL; readonly cookieHeader: string | undefined; readonly secure: boolean },
  ): Promise<SignInAnswer>;
}

/** The callback URL of a provider, registered with it as the redirect URI. */
function callbackUrlOf(origin: string, provider: string): string {
  return `${origin}/.auth/login/${provider}/callback`;
}

/** Creates the sign-in of a site. */
export function createSiteSignIn(options: SiteSignInOptions): SiteSignIn {
  const { providers, flows } = options;
  /** The providers whose problem is in the log already: once per provider and site build, not per visit. */
  const reported = new Set<string>();
  return {
    has: (provider) => providers.has(provider),
    async start(provider, request) {
      const entry = providers.get(provider);
      if (entry === undefined) {
        return notFound(provider, []);
      }
      if (!isRegistration(entry)) {
        const log = reported.has(provider) ? null : entry.problem;
        reported.add(provider);
        return { kind: 'error', status: 503, message: unavailable(entry.displayName), cookies: [], log };
      }
      const relayed = relayOrigin(entry, options);
      const started = await flows.start(entry, {
        origin: request.origin,
        callbackUrl: callbackUrlOf(relayed ?? request.origin, provider),
        returnTo: request.returnTo,
        query: request.query,
        secure: request.secure,
        cookieHeader: request.cookieHeader,
        ...(relayed === undefined ? {} : { relayTo: request.origin }),
      });
      return 'error' in started
        ? { kind: 'error', status: 502, message: started.error, cookies: [] }
        : { kind: 'redirect', location: started.location, cookies: started.cookies };
    },
    async finish(provider, request) {
      const entry = providers.get(provider);
      const clear = flows.clearCookies(request.url, request.cookieHeader, request.secure);
      if (entry === undefined || !isRegistration(entry)) {
        return notFound(provider, clear);
      }
      // A relayed sign-in is redeemed with the redirect URI the provider saw: the identity host's.
      const relayed = relayOrigin(entry, options);
      const callbackUrl =
        relayed === undefined
          ? request.url
          : new URL(`${callbackUrlOf(relayed, provider)}${request.url.search}`);
      const outcome = await flows.finish(entry, {
        origin: request.url.origin,
        callbackUrl,
        cookieHeader: request.cookieHeader,
      });
      if (!outcome.ok) {
        return { kind: 'error', status: outcome.status, message: outcome.message, cookies: clear };
      }
      const principal = await basePrincipal(entry.identityProvider, outcome.user, entry.custom, options);
      const roles = await rolesOf(principal, outcome.user, options);
      if (typeof roles === 'string') {
        return { kind: 'error', status: 500, message: roles, cookies: clear };
      }
      // What the session will read back, checked now: a user it would read as nobody must not seem signed in.
      const kept = parsePrincipal({ ...principal, userRoles: [...principal.userRoles, ...roles] });
      if (!kept.ok) {
        const message = `Sign-in cannot finish: ${provider} gave a user a session cannot hold (${kept.error}).`;
        return { kind: 'error', status: 502, message, cookies: clear };
      }
      return { kind: 'signed-in', principal: kept.principal, returnTo: outcome.returnTo, cookies: clear };
    },
  };
}

/** The identity host's origin when the provider returns there (preconfigured providers only). */
function relayOrigin(entry: ProviderRegistration, options: SiteSignInOptions): string | undefined {
  return entry.custom ? undefined : options.identityOrigin?.();
}

/**
 * What a visitor reads of a provider the site names but cannot use: the problem (app setting names, the
 * operator's variables) is the operator's, in the log.
 */
function unavailable(displayName: string): string {
  return `Sign-in with ${displayName} is not available on this site.`;
}

function notFound(provider: string, cookies: readonly string[]): SignInAnswer {
  return {
    kind: 'error',
    status: 404,
    message: `There is no usable sign-in provider ${provider} on this site.`,
    cookies,
  };
}

async function basePrincipal(
  identityProvider: string,
  user: ProviderUser,
  custom: boolean,
  options: SiteSignInOptions,
): Promise<ClientPrincipal> {
  return {
    identityProvider,
    userId: await options.userIdOf(identityProvider, user.userDetails, user.subject),
    userDetails: user.userDetails,
    userRoles: ['anonymous', 'authenticated'],
    // Claims are shown on /.auth/me for custom providers only (spec §2.3).
    claims: custom ? user.claims : [],
  };
}

/** The roles function's roles, nothing without one, or the message of why sign-in cannot finish. */
async function rolesOf(
  principal: ClientPrincipal,
  user: ProviderUser,
  options: SiteSignInOptions,
): Promise<readonly string[] | string> {
  if (options.rolesSource === undefined) {
    return [];
  }
  return rolesFromSource(options.rolesSource, {
    identityProvider: principal.identityProvider,
    userId: principal.userId,
    userDetails: principal.userDetails,
    claims: user.allClaims,
    accessToken: user.accessToken,
  });
}
