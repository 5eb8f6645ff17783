/**
 * The authorization-code flow with a provider (openid-client): state, nonce and PKCE for every sign-in,
 * kept in a short-lived sealed cookie so that any node can finish what another started. Each sign-in has
 * a cookie of its own, named after its state, so that two tabs signing in at once both finish. OpenID Connect
 * providers are read from their discovery document (cached); GitHub speaks OAuth 2 and is asked for the
 * user through its API. Errors become answers that say what went wrong, never an exception.
 * openid-client (and jose with it) is imported on the first sign-in, not when the edge loads, so that
 * `portico start` and sites without providers never load it (docs/decisions/0024-lazy-cli.md).
 * Every request to a provider goes through `_provider-fetch.ts`: public addresses only, unless the
 * operator allows others (decision 0092). A visitor learns only that the provider cannot be reached,
 * whatever the reason (refused address, closed port, failing server); the log says which.
 */
import { createHash } from 'node:crypto';
import type * as OpenIdClient from 'openid-client';
import type { Agent } from 'undici';
import { createAddressMatcher } from '../../../shared/address-blocks.js';
import { errorChain, errorMessage } from '../../../shared/guards.js';
import type { Logger } from '../../../shared/logger.js';
import { createPublicAgent, RefusedAddressError } from '../../../shared/public-agent.js';
import { openJson, sealJson } from '../../../shared/seal.js';
import type { Claim } from '../../types.js';
import { MAX_CLAIMS, MAX_USER_DETAILS_LENGTH } from '../constants.js';
import { parseCookieHeader } from '../cookie-header.js';
import { createProviderFetch, isLoopbackUrl, type ProviderFetch } from './_provider-fetch.js';
import type { ProviderRegistration } from './registrations.js';

/**
 * The cookies holding unfinished sign-ins (state, nonce, PKCE verifier, where to return): one per
 * sign-in, `PorticoSignIn.<tag of its state>` (a cookie `PorticoSignIn` is one from before).
 */
export const FLOW_COOKIE = 'PorticoSignIn';
/** Unfinished sign-ins a browser keeps on one host: starting another drops the oldest. */
export const MAX_FLOWS = 4;
/** How long a sign-in may take at the provider. */
export const FLOW_MAX_AGE_SECONDS = 600;
/** How long a provider's discovery document is reused. */
const DISCOVERY_TTL_MS = 3_600_000;
/** Provider configurations kept at most (each site's registrations, by client id and secret). */
const MAX_CONFIGURATIONS = 1000;
/** A provider that does not answer within this is reported as unreachable. */
const PROVIDER_TIMEOUT_MS = 10_000;

/** Options of {@link createSignInFlows}. */
export interface SignInFlowOptions {
  /** 32-byte key sealing the flow cookie; the same on every node. */
  readonly key: Buffer;
  /** The clock in ms (tests pin it). */
  readonly now?: () => number;
  /**
   * Addresses and CIDR blocks outside the public internet where providers may be reached (a provider the
   * operator runs on the host or a private network); every other such address is refused.
   */
  readonly allowedAddresses?: readonly string[];
  /** How the operator allows a refused address, for the log (`<address>` is replaced by it). */
  readonly allowHint?: string;
  /** Where a provider that cannot be reached is reported, with why (default: nowhere). */
  readonly logger?: Logger;
}

/** A user as the provider describes them. */
export interface ProviderUser {
  readonly subject: string;
  readonly userDetails: string;
  /** What the session keeps: cut to fit its cookie ({@link SESSION_CLAIMS}). */
  readonly claims: readonly Claim[];
  /** Every claim the provider gave, for the roles function (which maps groups to roles). */
  readonly allClaims: readonly Claim[];
  readonly accessToken: string;
}

/** What finishing a sign-in gives. */
export type FinishOutcome =
  | { readonly ok: true; readonly user: ProviderUser; readonly returnTo: string }
  | { readonly ok: false; readonly status: 400 | 401 | 502; readonly message: string };

/** Starts and finishes sign-ins; one per service, so discovery documents are shared. */
export interface SignInFlows {
  /**
   * Where to send the browser, and the cookies to set: the new flow's, and the expiry of the flows
   * `request.cookieHeader` holds beyond {@link MAX_FLOWS} or no longer good.
   */
  start(
    provider: ProviderRegistration,
    request: {
      /**
       * The origin of the site environment the sign-in starts on: only a callback on that origin can
       * finish it, so a flow started on one site is never redeemed on another.
       */
      readonly origin: string;
      readonly callbackUrl: string;
      readonly returnTo: string;
      readonly query: URLSearchParams;
      readonly secure: boolean;
      readonly cookieHeader: string | undefined;
      /**
       * When the provider returns to a shared callback (the service's identity host) instead of the
       * site's: the site's origin, sealed into the state so that the identity host can send the browser on.
       */
      readonly relayTo?: string;
    },
  ): Promise<{ readonly location: string; readonly cookies: readonly string[] } | { readonly error: string }>;
  /** Checks the callback against the flow cookie, redeems the code and reads the user. */
  finish(
    provider: ProviderRegistration,
    request: {
      /** The origin the callback arrived on; it must be the one the sign-in started on. */
      readonly origin: string;
      readonly callbackUrl: URL;
      readonly cookieHeader: string | undefined;
    },
  ): Promise<FinishOutcome>;
  /** The Set-Cookie values that remove the flow cookie of the sign-in a callback URL finishes. */
  clearCookies(callbackUrl: URL, cookieHeader: string | undefined, secure: boolean): string[];
  /** The site origin a relayed sign-in's state names, or undefined for any other state. */
  relayTarget(state: string): string | undefined;
}

interface FlowState {
  readonly p: string;
  /** The origin the sign-in started on. */
  readonly o: string;
  readonly s: string;
  readonly n: string;
  readonly v: string;
  readonly r: string;
  readonly exp: number;
}

type Client = typeof OpenIdClient;

let loading: Promise<Client> | undefined;

/** openid-client, imported once on first use. */
function openIdClient(): Promise<Client> {
  loading ??= import('openid-client');
  return loading;
}

/** Creates the flows of a service. */
export function createSignInFlows(options: SignInFlowOptions): SignInFlows {
  const now = options.now ?? Date.now;
  const fetchProvider = providerFetchOf(options);
  const unreachable = (provider: ProviderRegistration, origin: string, failure: unknown) => {
    options.logger?.warn(
      `sign-in with ${provider.name} on ${originOf(origin)}: the provider cannot be reached: ${explainFailure(failure)}`,
    );
    return `The provider ${provider.name} cannot be reached; try again later.`;
  };
  const configurations = new Map<string, { at: number; config: Promise<OpenIdClient.Configuration> }>();
  const configurationOf = (provider: ProviderRegistration): Promise<OpenIdClient.Configuration> => {
    // A configuration holds the client's secret: it is reused only for the same secret, so a site naming
    // another tenant's client id can neither borrow that tenant's secret nor lend it a wrong one, and a
    // rotated secret applies at the next sign-in.
    const key = [
      provider.name,
      provider.clientId,
      createHash('sha256').update(provider.clientSecret).digest('base64url'),
      JSON.stringify(provider.protocol),
    ].join('\u0000');
    const cached = configurations.get(key);
    if (cached !== undefined && now() - cached.at < DISCOVERY_TTL_MS) {
      return cached.config;
    }
    const config = openIdClient().then((client) => configure(client, provider, fetchProvider));
    configurations.delete(key);
    configurations.set(key, { at: now(), config });
    if (configurations.size > MAX_CONFIGURATIONS) {
      // The oldest entry goes first (a Map keeps insertion order): settings changed often cannot grow it.
      configurations.delete(configurations.keys().next().value ?? key);
    }
    config.catch(() => configurations.delete(key));
    return config;
  };
  return {
    async start(provider, request) {
      let config: OpenIdClient.Configuration;
      try {
        config = await configurationOf(provider);
      } catch (error) {
        return { error: unreachable(provider, request.origin, error) };
      }
      const client = await openIdClient();
      const state: FlowState = {
        p: provider.name,
        o: originOf(request.origin),
        s:
          request.relayTo === undefined
            ? client.randomState()
            : `${RELAY_PREFIX}${sealJson(options.key, { o: request.relayTo, n: client.randomState() })}`,
        n: client.randomNonce(),
        v: client.randomPKCECodeVerifier(),
        r: request.returnTo,
        exp: Math.floor(now() / 1000) + FLOW_MAX_AGE_SECONDS,
      };
      const parameters: Record<string, string> = {
        redirect_uri: request.callbackUrl,
        scope: provider.scopes.join(' '),
        state: state.s,
        code_challenge: await client.calculatePKCECodeChallenge(state.v),
        code_challenge_method: 'S256',
      };
      if (provider.protocol.kind === 'oidc') {
        parameters.nonce = state.n;
      }
      for (const name of provider.loginParameterNames) {
        const value = request.query.get(name);
        if (value !== null && !(name in parameters)) {
          parameters[name] = value;
        }
      }
      const location = client.buildAuthorizationUrl(config, parameters).href;
      const cookie = `${flowCookieName(state.s)}=${sealJson(options.key, state)}`;
      return {
        location,
        cookies: [
          ...staleFlows(options.key, request.cookieHeader, now()).map((name) =>
            expiredCookie(name, request.secure),
          ),
          flowCookie(cookie, FLOW_MAX_AGE_SECONDS, request.secure),
        ],
      };
    },
    async finish(provider, request) {
      const state = readFlow(options.key, request.cookieHeader, request.callbackUrl, now());
      if (state === undefined || state.p !== provider.name || state.o !== originOf(request.origin)) {
        return refuse(
          400,
          `This sign-in was not started here, or took longer than ${FLOW_MAX_AGE_SECONDS / 60} minutes; start again at /.auth/login/${provider.name}.`,
        );
      }
      const error = request.callbackUrl.searchParams.get('error');
      if (error !== null) {
        const description = request.callbackUrl.searchParams.get('error_description');
        return refuse(
          401,
          `${provider.name} did not sign you in: ${printable(error)}${description === null ? '' : ` (${printable(description)})`}.`,
        );
      }
      const client = await openIdClient();
      let config: OpenIdClient.Configuration;
      try {
        config = await configurationOf(provider);
      } catch (failure) {
        return refuse(502, unreachable(provider, request.origin, failure));
      }
      try {
        const user = await redeem(client, provider, config, request.callbackUrl, state, fetchProvider);
        return { ok: true, user, returnTo: state.r };
      } catch (failure) {
        return (
          explain(client, provider, failure) ?? refuse(502, unreachable(provider, request.origin, failure))
        );
      }
    },
    clearCookies(callbackUrl, cookieHeader, secure) {
      const present = parseCookieHeader(cookieHeader);
      const names = flowCookieNames(callbackUrl, present);
      return names.filter((name) => present.has(name)).map((name) => expiredCookie(name, secure));
    },
    relayTarget(state) {
      if (!state.startsWith(RELAY_PREFIX)) {
        return undefined;
      }
      const relay = openJson(options.key, state.slice(RELAY_PREFIX.length)) as { o?: unknown } | undefined;
      return typeof relay?.o === 'string' ? relay.o : undefined;
    },
  };
}

/** `origin` as a URL writes it (`http://host:80` and `http://host` are one origin). */
function originOf(origin: string): string {
  return URL.canParse(origin) ? new URL(origin).origin : origin;
}

/** Marks the state of a sign-in that returns through the identity host. */
const RELAY_PREFIX = 'r.';

/** `name=value` as a flow cookie lasting `maxAge` seconds. */
function flowCookie(nameAndValue: string, maxAge: number, secure: boolean): string {
  return `${nameAndValue}; Path=/.auth; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

function expiredCookie(name: string, secure: boolean): string {
  return flowCookie(`${name}=`, 0, secure);
}

/** The cookie of the sign-in whose state is `state`: a short tag of it, which any state fits in. */
function flowCookieName(state: string): string {
  return `${FLOW_COOKIE}.${createHash('sha256').update(state).digest('base64url').slice(0, 22)}`;
}

/**
 * The cookies that may hold the sign-in a callback finishes: its state's, then one from before. A
 * callback without a state (a provider's error answer may have none) finishes the browser's only
 * unfinished sign-in, if it has one only.
 */
function flowCookieNames(callbackUrl: URL, cookies: ReadonlyMap<string, string>): string[] {
  const state = callbackUrl.searchParams.get('state');
  if (state !== null) {
    return [flowCookieName(state), FLOW_COOKIE];
  }
  const flows = [...cookies.keys()].filter(isFlowCookie);
  return flows.length === 1 ? flows : [];
}

function isFlowCookie(name: string): boolean {
  return name === FLOW_COOKIE || name.startsWith(`${FLOW_COOKIE}.`);
}

/**
 * The flow cookies of `cookieHeader` to drop as another sign-in starts: those no longer good, and the
 * oldest beyond {@link MAX_FLOWS} - 1, so a browser holds at most {@link MAX_FLOWS}.
 */
function staleFlows(key: Buffer, cookieHeader: string | undefined, nowMs: number): string[] {
  const flows = [...parseCookieHeader(cookieHeader)]
    .filter(([name]) => isFlowCookie(name))
    .map(([name, value]) => ({ name, state: openFlow(key, value, nowMs) }));
  const live = flows
    .filter((flow) => flow.state !== undefined)
    .sort((a, b) => (a.state?.exp ?? 0) - (b.state?.exp ?? 0));
  const dropped = live.slice(0, Math.max(0, live.length - (MAX_FLOWS - 1)));
  return [...flows.filter((flow) => flow.state === undefined), ...dropped].map((flow) => flow.name);
}

/** The unfinished sign-in the callback URL's state names, from its cookie. */
function readFlow(
  key: Buffer,
  cookieHeader: string | undefined,
  callbackUrl: URL,
  nowMs: number,
): FlowState | undefined {
  const cookies = parseCookieHeader(cookieHeader);
  for (const name of flowCookieNames(callbackUrl, cookies)) {
    const state = openFlow(key, cookies.get(name), nowMs);
    if (state !== undefined) {
      return state;
    }
  }
  return undefined;
}

function openFlow(key: Buffer, value: string | undefined, nowMs: number): FlowState | undefined {
  const state =
    value === undefined || value === '' ? undefined : (openJson(key, value) as FlowState | undefined);
  if (state === undefined || typeof state.exp !== 'number' || state.exp * 1000 <= nowMs) {
    return undefined;
  }
  return typeof state.s === 'string' &&
    typeof state.v === 'string' &&
    typeof state.r === 'string' &&
    typeof state.o === 'string'
    ? state
    : undefined;
}

/** The provider fetch of a service: one public-only agent, made on the first sign-in. */
function providerFetchOf(options: SignInFlowOptions): ProviderFetch {
  const isAllowed = createAddressMatcher(options.allowedAddresses ?? []);
  const hint = options.allowHint ?? 'the operator may allow <address>';
  let agent: Agent | undefined;
  return createProviderFetch(() => {
    agent ??= createPublicAgent({ isAllowed, hint });
    return agent;
  }, PROVIDER_TIMEOUT_MS);
}

/**
 * The operator's account of a failure: the refused address and how to allow it, else every cause
 * (`something went wrong: fetch failed: connect ECONNREFUSED 127.0.0.1:9`).
 */
function explainFailure(failure: unknown): string {
  const chain = errorChain(failure);
  const refused = chain.find((error) => error instanceof RefusedAddressError);
  return refused?.message ?? chain.map((error) => error.message).join(': ');
}

async function configure(
  client: Client,
  provider: ProviderRegistration,
  fetchProvider: ProviderFetch,
): Promise<OpenIdClient.Configuration> {
  const protocol = provider.protocol;
  const auth = client.ClientSecretPost(provider.clientSecret);
  const customFetch = fetchProvider as OpenIdClient.CustomFetch;
  if (protocol.kind === 'oidc' && protocol.discoveryUrl !== undefined) {
    // openid-client allows HTTP for a whole configuration or not at all; the provider fetch then refuses
    // HTTP to every host not named as this machine, so a discovery document cannot widen it.
    const insecure = isLoopbackUrl(protocol.discoveryUrl);
    return client.discovery(new URL(protocol.discoveryUrl), provider.clientId, undefined, auth, {
      ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
      [client.customFetch]: customFetch,
      timeout: PROVIDER_TIMEOUT_MS / 1000,
    });
  }
  const metadata =
    protocol.kind === 'oidc'
      ? {
          issuer: protocol.endpoints?.issuer ?? '',
          authorization_endpoint: protocol.endpoints?.authorization,
          token_endpoint: protocol.endpoints?.token,
          jwks_uri: protocol.endpoints?.jwks,
        }
      : {
          issuer: new URL(protocol.authorizeUrl).origin,
          authorization_endpoint: protocol.authorizeUrl,
          token_endpoint: protocol.tokenUrl,
        };
  const tokenAuth =
    protocol.kind === 'oauth2' && protocol.clientAuth === 'basic'
      ? client.ClientSecretBasic(provider.clientSecret)
      : auth;
  const config = new client.Configuration(metadata, provider.clientId, undefined, tokenAuth);
  config[client.customFetch] = customFetch;
  if (isLoopbackUrl(metadata.token_endpoint ?? metadata.issuer)) {
    client.allowInsecureRequests(config);
  }
  return config;
}

async function redeem(
  client: Client,
  provider: ProviderRegistration,
  config: OpenIdClient.Configuration,
  callbackUrl: URL,
  state: FlowState,
  fetchProvider: ProviderFetch,
): Promise<ProviderUser> {
  if (provider.protocol.kind === 'oauth2') {
    const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: state.v,
      expectedState: state.s,
    });
    return apiUser(provider.protocol, tokens.access_token, provider, fetchProvider);
  }
  const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: state.v,
    expectedState: state.s,
    expectedNonce: state.n,
    idTokenExpected: true,
  });
  const idClaims: Record<string, unknown> = { ...tokens.claims() };
  const subject = String(idClaims.sub ?? '');
  let claims: Record<string, unknown> = { ...idClaims };
  if (config.serverMetadata().userinfo_endpoint !== undefined) {
    const info = await client.fetchUserInfo(config, tokens.access_token, subject).catch(() => undefined);
    claims = { ...info, ...claims };
  }
  return {
    subject,
    userDetails: userDetailsOf(claims, provider.userDetailsClaims),
    claims: claimList(claims, SESSION_CLAIMS),
    allClaims: claimList(claims, ROLES_SOURCE_CLAIMS),
    accessToken: tokens.access_token,
  };
}

/** The user from an OAuth 2 provider's API (GitHub's `/user`, Facebook's `/me`, X's `/2/users/me`). */
async function apiUser(
  protocol: Extract<ProviderRegistration['protocol'], { kind: 'oauth2' }>,
  accessToken: string,
  provider: ProviderRegistration,
  fetchProvider: ProviderFetch,
): Promise<ProviderUser> {
  const response = await fetchProvider(protocol.userUrl, {
    headers: {
      authorization: `Bearer ${accessToken}`,
      accept: 'application/json',
      'user-agent': 'Portico',
    },
  });
  if (!response.ok) {
    throw new ProviderAnswerError(`its user API answered ${response.status}`);
  }
  const answer = (await response.json()) as Record<string, unknown>;
  const user = (protocol.userMember === undefined ? answer : answer[protocol.userMember]) as
    | Record<string, unknown>
    | undefined;
  const subject = user?.[protocol.subjectField];
  if (user === undefined || (typeof subject !== 'string' && typeof subject !== 'number')) {
    throw new ProviderAnswerError(`its user API did not name the user (${protocol.subjectField})`);
  }
  const claims = { ...user, sub: String(subject) };
  return {
    subject: String(subject),
    userDetails: userDetailsOf(claims, provider.userDetailsClaims),
    claims: claimList(claims, SESSION_CLAIMS),
    allClaims: claimList(claims, ROLES_SOURCE_CLAIMS),
    accessToken,
  };
}

class ProviderAnswerError extends Error {}

/** Claims that only describe the token itself, left out of the principal. */
const TOKEN_CLAIMS = new Set(['nonce', 'at_hash', 'c_hash', 'sid', 'auth_time', 'iat', 'exp', 'nbf', 'azp']);
/** How much of the provider's claims a list keeps, in the provider's order. */
interface ClaimLimits {
  /** Each name and value is cut at this length. */
  readonly valueLength: number;
  /** Claims are kept while their JSON stays within this many characters. */
  readonly budget: number;
  readonly count: number;
}

/**
 * The session is a cookie: short values, a 4 KB budget (so the sealed cookie stays well under browser
 * limits) and no more claims than a session may hold when it is read back.
 */
const SESSION_CLAIMS: ClaimLimits = { valueLength: 256, budget: 4096, count: MAX_CLAIMS };
/** The roles function gets the claims as the provider gave them, within a request body's reason. */
const ROLES_SOURCE_CLAIMS: ClaimLimits = { valueLength: 4096, budget: 1024 * 1024, count: 10_000 };

function claimList(claims: Record<string, unknown>, limits: ClaimLimits): Claim[] {
  const out: Claim[] = [];
  let size = 0;
  for (const [typ, value] of Object.entries(claims)) {
    if (TOKEN_CLAIMS.has(typ)) {
      continue;
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') {
        const claim = {
          typ: typ.slice(0, limits.valueLength),
          val: String(item).slice(0, limits.valueLength),
        };
        size += JSON.stringify(claim).length + 1;
        if (size > limits.budget || out.length >= limits.count) {
          return out;
        }
        out.push(claim);
      }
    }
  }
  return out;
}

/** The first of `names` the provider gave, else its subject; cut to what a session keeps. */
function userDetailsOf(claims: Record<string, unknown>, names: readonly string[]): string {
  for (const name of names) {
    const value = claims[name];
    if ((typeof value === 'string' && value.trim() !== '') || typeof value === 'number') {
      return String(value).trim().slice(0, MAX_USER_DETAILS_LENGTH);
    }
  }
  return String(claims.sub ?? '').slice(0, MAX_USER_DETAILS_LENGTH);
}

/**
 * OAuth errors that say the site's own registration was refused (RFC 6749 §5.2), which signing in again
 * cannot mend: the site's owner must fix its client id or secret.
 */
const REGISTRATION_ERRORS = new Set(['invalid_client', 'unauthorized_client']);

function refusedCodeMessage(provider: string, error: string): string {
  return REGISTRATION_ERRORS.has(error)
    ? `${provider} refused this site's registration (${error}); signing in again will not help: the site's owner must check the client ID and client secret app settings its configuration names.`
    : `${provider} refused the sign-in code (${error}); sign in again.`;
}

function refuse(status: 400 | 401 | 502, message: string): FinishOutcome {
  return { ok: false, status, message };
}

/**
 * OAuth error codes of a provider that answered something other than an answer (an error status, not
 * JSON) or nothing in time: unreachable, like one that cannot be connected to, so that a visitor cannot
 * tell an open port from a closed one.
 */
const UNREACHABLE_CODES = new Set([
  'OAUTH_RESPONSE_IS_NOT_CONFORM',
  'OAUTH_RESPONSE_IS_NOT_JSON',
  'OAUTH_TIMEOUT',
  'OAUTH_ABORT',
]);

/**
 * A failed redemption as an answer: the caller's fault (400), the provider's refusal (401), an answer
 * without the user (502); undefined when the provider cannot be reached (the caller answers that).
 */
function explain(
  client: Client,
  provider: ProviderRegistration,
  failure: unknown,
): FinishOutcome | undefined {
  // GitHub answers a refused code with 200 and an OAuth error body, which the client reports as a cause.
  const oauthError = failure instanceof client.ResponseBodyError ? failure.error : errorInCauses(failure);
  if (oauthError !== undefined) {
    return refuse(401, refusedCodeMessage(provider.name, printable(oauthError)));
  }
  if (failure instanceof ProviderAnswerError) {
    return refuse(502, `${provider.name} could not tell who signed in: ${failure.message}.`);
  }
  const code = (failure as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('OAUTH_') && !UNREACHABLE_CODES.has(code)) {
    return refuse(
      400,
      `The answer of ${provider.name} failed a check (${printable(errorMessage(failure))}); sign in again.`,
    );
  }
  return undefined;
}

/** The OAuth `error` of a response body somewhere in a failure's causes. */
function errorInCauses(failure: unknown): string | undefined {
  let current: unknown = failure;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth += 1) {
    const { cause, body } = current as { cause?: unknown; body?: { error?: unknown } };
    if (typeof body?.error === 'string') {
      return body.error;
    }
    current = cause;
  }
  return undefined;
}

/** A provider's text, cut short and without control characters, for a message. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 160);
}
