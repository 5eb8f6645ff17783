/**
 * Which providers a site signs in with, and with what credentials (spec/swa-behaviour.md §2.1): the
 * preconfigured `github` and `aad`, whose client credentials the operator gives the whole service, or,
 * as soon as `auth.identityProviders` registers any provider, only those registrations, their secrets
 * read from the environment's app settings named in the config. A registration Portico cannot use
 * resolves to a problem that names the JSON path and what to do, shown when someone tries to sign in.
 */
import { type AuthConfig, registrationSettings } from '../../../config/index.js';
import { ownValue } from '../../../shared/guards.js';

/** Credentials of the preconfigured providers, set by the operator for the whole service. */
export interface PreconfiguredProviders {
  readonly github?: { readonly clientId: string; readonly clientSecret: string };
  /**
   * Where GitHub is, for the preconfigured provider and custom `github` registrations alike (GitHub
   * Enterprise): defaults https://github.com and https://api.github.com.
   */
  readonly githubUrl?: string;
  readonly githubApiUrl?: string;
  /** Microsoft Entra ID: `issuer` defaults to https://login.microsoftonline.com/common/v2.0. */
  readonly aad?: { readonly clientId: string; readonly clientSecret: string; readonly issuer?: string };
}

/** How a provider is spoken to. */
export type ProviderProtocol =
  | {
      readonly kind: 'oidc';
      /** An issuer (its `/.well-known/openid-configuration` is read) or the document's own URL. */
      readonly discoveryUrl?: string;
      /** Endpoints given one by one instead of a discovery document. */
      readonly endpoints?: {
        readonly issuer: string;
        readonly authorization: string;
        readonly token: string;
        readonly jwks: string;
      };
    }
  | {
      /** OAuth 2 without OpenID Connect: the user comes from the provider's API (GitHub, Facebook, X). */
      readonly kind: 'oauth2';
      readonly authorizeUrl: string;
      readonly tokenUrl: string;
      /** GET with the access token; answers the user as JSON. */
      readonly userUrl: string;
      /** The member holding the user (X wraps it in `data`), if not the answer itself. */
      readonly userMember?: string;
      /** How the client authenticates at the token endpoint. */
      readonly clientAuth: 'post' | 'basic';
      /** The user field that identifies them. */
      readonly subjectField: string;
    };

/** A provider a site can sign in with. */
export interface ProviderRegistration {
  /** The URL name: `/.auth/login/<name>`. */
  readonly name: string;
  /** The principal's `identityProvider`. */
  readonly identityProvider: string;
  /** Custom registrations show their claims on `/.auth/me` (spec §2.3). */
  readonly custom: boolean;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly protocol: ProviderProtocol;
  readonly scopes: readonly string[];
  /** Query parameters of `/.auth/login/<name>` passed on to the provider. */
  readonly loginParameterNames: readonly string[];
  /** The claims user details are read from, in order. */
  readonly userDetailsClaims: readonly string[];
}

/** A provider that exists for the site but cannot be used, and why. */
export interface ProviderProblem {
  readonly name: string;
  /** What a visitor reads it as: `GitHub`, `Microsoft Entra ID`; a custom OpenID Connect provider's name. */
  readonly displayName: string;
  readonly problem: string;
}

/** The providers of a site by URL name (a disabled one is absent). */
export type SiteProviders = ReadonlyMap<string, ProviderRegistration | ProviderProblem>;

/** What a visitor reads the built-in providers as (a custom OpenID Connect provider: its name). */
const DISPLAY_NAMES: Readonly<Record<string, string>> = {
  aad: 'Microsoft Entra ID',
  github: 'GitHub',
  google: 'Google',
  facebook: 'Facebook',
  twitter: 'X (Twitter)',
  apple: 'Apple',
};

const OIDC_SCOPES = ['openid', 'profile', 'email'];
const DEFAULT_USER_CLAIMS = ['preferred_username', 'email', 'name', 'sub'];

interface RawProvider {
  readonly enabled?: boolean;
  readonly registration?: Readonly<Record<string, unknown>>;
  readonly login?: {
    readonly scopes?: readonly string[];
    readonly loginParameterNames?: readonly string[];
    readonly nameClaimType?: string;
  };
  readonly userDetailsClaim?: string;
}

type Settings = Readonly<Record<string, string>>;

/** Resolves a site's providers from its config, its app settings and the operator's credentials. */
export function resolveProviders(
  auth: AuthConfig,
  settings: Settings,
  preconfigured: PreconfiguredProviders,
): SiteProviders {
  const raw = auth.identityProviders as Readonly<Record<string, unknown>> | undefined;
  if (raw === undefined || auth.providers.length === 0) {
    return new Map([
      ['github', preconfiguredGithub(preconfigured)],
      ['aad', preconfiguredAad(preconfigured)],
    ]);
  }
  const out = new Map<string, ProviderRegistration | ProviderProblem>();
  const add = (entry: ProviderRegistration | ProviderProblem | undefined) => {
    if (entry !== undefined) {
      out.set(entry.name, entry);
    }
  };
  const path = 'auth.identityProviders';
  const builtIn = (key: string, name: string, protocolOf: ProtocolOf) =>
    custom(
      raw[key],
      `${path}.${key}`,
      { name, displayName: DISPLAY_NAMES[name] ?? name },
      settings,
      protocolOf,
    );
  add(builtIn('azureActiveDirectory', 'aad', entraProtocol));
  add(builtIn('google', 'google', googleProtocol));
  add(builtIn('github', 'github', () => githubEndpoints(preconfigured)));
  add(builtIn('facebook', 'facebook', () => FACEBOOK));
  add(builtIn('twitter', 'twitter', () => TWITTER));
  add(builtIn('apple', 'apple', () => APPLE));
  const oidc = (raw.customOpenIdConnectProviders ?? {}) as Readonly<Record<string, RawProvider>>;
  for (const [name, block] of Object.entries(oidc)) {
    const named = { name, displayName: name };
    add(custom(block, `${path}.customOpenIdConnectProviders.${name}`, named, settings, customOidcProtocol));
  }
  return out;
}

function preconfiguredGithub(preconfigured: PreconfiguredProviders): ProviderRegistration | ProviderProblem {
  const github = preconfigured.github;
  if (github === undefined) {
    return {
      name: 'github',
      displayName: 'GitHub',
      problem:
        'Sign-in with GitHub is not set up on this Portico service: its operator sets PORTICO_GITHUB_CLIENT_ID and PORTICO_GITHUB_CLIENT_SECRET (docs/sign-in.md).',
    };
  }
  return {
    name: 'github',
    identityProvider: 'github',
    custom: false,
    clientId: github.clientId,
    clientSecret: github.clientSecret,
    protocol: githubEndpoints(preconfigured),
    scopes: ['read:user', 'user:email'],
    loginParameterNames: [],
    userDetailsClaims: ['login'],
  };
}

function preconfiguredAad(preconfigured: PreconfiguredProviders): ProviderRegistration | ProviderProblem {
  const aad = preconfigured.aad;
  if (aad === undefined) {
    return {
      name: 'aad',
      displayName: 'Microsoft Entra ID',
      problem:
        'Sign-in with Microsoft Entra ID is not set up on this Portico service: its operator sets PORTICO_AAD_CLIENT_ID and PORTICO_AAD_CLIENT_SECRET (docs/sign-in.md).',
    };
  }
  return {
    name: 'aad',
    identityProvider: 'aad',
    custom: false,
    clientId: aad.clientId,
    clientSecret: aad.clientSecret,
    protocol: {
      kind: 'oidc',
      discoveryUrl: aad.issuer ?? 'https://login.microsoftonline.com/common/v2.0',
    },
    scopes: OIDC_SCOPES,
    loginParameterNames: [],
    userDetailsClaims: ['preferred_username', 'email', 'upn', 'sub'],
  };
}

function githubEndpoints(preconfigured: PreconfiguredProviders): ProviderProtocol {
  const base = (preconfigured.githubUrl ?? 'https://github.com').replace(/\/+$/, '');
  const apiUrl = (preconfigured.githubApiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  return {
    kind: 'oauth2',
    authorizeUrl: `${base}/login/oauth/authorize`,
    tokenUrl: `${base}/login/oauth/access_token`,
    userUrl: `${apiUrl}/user`,
    clientAuth: 'post',
    subjectField: 'id',
  };
}

const FACEBOOK: ProviderProtocol = {
  kind: 'oauth2',
  authorizeUrl: 'https://www.facebook.com/v19.0/dialog/oauth',
  tokenUrl: 'https://graph.facebook.com/v19.0/oauth/access_token',
  userUrl: 'https://graph.facebook.com/v19.0/me?fields=id,name,email',
  clientAuth: 'post',
  subjectField: 'id',
};

/** X (Twitter) over OAuth 2.0 with PKCE: the registration's consumer key and secret are its client id and secret. */
const TWITTER: ProviderProtocol = {
  kind: 'oauth2',
  authorizeUrl: 'https://twitter.com/i/oauth2/authorize',
  tokenUrl: 'https://api.twitter.com/2/oauth2/token',
  userUrl: 'https://api.twitter.com/2/users/me',
  userMember: 'data',
  clientAuth: 'basic',
  subjectField: 'id',
};

/**
 * Sign in with Apple, in query response mode: Apple answers scopes such as `email` and `name` only with a
 * cross-site form POST, which Portico does not take, so the default scope is `openid` (user details: the
 * Apple user id). The client secret setting holds the JWT Apple's developer portal tells you to sign.
 */
const APPLE: ProviderProtocol = { kind: 'oidc', discoveryUrl: 'https://appleid.apple.com' };

/** Per protocol and provider: default scopes and the user fields user details come from. */
const OAUTH2_DEFAULTS: Readonly<
  Record<string, { scopes: readonly string[]; userDetails: readonly string[] }>
> = {
  github: { scopes: ['read:user', 'user:email'], userDetails: ['login'] },
  facebook: { scopes: ['public_profile', 'email'], userDetails: ['email', 'name', 'id'] },
  twitter: { scopes: ['users.read', 'tweet.read'], userDetails: ['username'] },
  apple: { scopes: ['openid'], userDetails: ['email', 'sub'] },
};

/** What a registration's protocol is, or a problem naming the JSON path. */
type ProtocolOf = (
  registration: Readonly<Record<string, unknown>>,
  path: string,
) => ProviderProtocol | string;

function entraProtocol(registration: Readonly<Record<string, unknown>>): ProviderProtocol {
  return { kind: 'oidc', discoveryUrl: String(registration.openIdIssuer) };
}

function googleProtocol(): ProviderProtocol {
  return { kind: 'oidc', discoveryUrl: 'https://accounts.google.com' };
}

function customOidcProtocol(
  registration: Readonly<Record<string, unknown>>,
  path: string,
): ProviderProtocol | string {
  const config = (registration.openIdConnectConfiguration ?? {}) as Readonly<
    Record<string, string | undefined>
  >;
  if (config.wellKnownOpenIdConfiguration !== undefined) {
    return { kind: 'oidc', discoveryUrl: config.wellKnownOpenIdConfiguration };
  }
  const { issuer, authorizationEndpoint, tokenEndpoint, certificationUri } = config;
  if (
    issuer === undefined ||
    authorizationEndpoint === undefined ||
    tokenEndpoint === undefined ||
    certificationUri === undefined
  ) {
    return `${path}.registration.openIdConnectConfiguration needs wellKnownOpenIdConfiguration, or issuer, authorizationEndpoint, tokenEndpoint and certificationUri.`;
  }
  return {
    kind: 'oidc',
    endpoints: { issuer, authorization: authorizationEndpoint, token: tokenEndpoint, jwks: certificationUri },
  };
}

/** The setting names a registration uses for its client id and secret (the deploy's check reads the same). */
function credentialNames(registration: Readonly<Record<string, unknown>>): { id?: string; secret?: string } {
  const { id, secret } = registrationSettings(registration);
  return {
    ...(id === undefined ? {} : { id: id.setting }),
    ...(secret === undefined ? {} : { secret: secret.setting }),
  };
}

function custom(
  value: unknown,
  path: string,
  { name, displayName }: { readonly name: string; readonly displayName: string },
  settings: Settings,
  protocolOf: ProtocolOf,
): ProviderRegistration | ProviderProblem | undefined {
  const block = value as RawProvider | undefined;
  if (block === undefined || block.enabled === false) {
    return undefined;
  }
  const registration = block.registration ?? {};
  const names = credentialNames(registration);
  const missing = (field: string, setting: string | undefined) =>
    setting === undefined
      ? `${path}.registration.${field} is required: name the app setting that holds it.`
      : `${path}.registration.${field} names the app setting ${setting}, which this environment does not have; add it with portico settings set.`;
  const clientId = names.id === undefined ? undefined : ownValue(settings, names.id);
  if (!clientId) {
    return { name, displayName, problem: missing(idField(registration), names.id) };
  }
  const clientSecret = names.secret === undefined ? undefined : ownValue(settings, names.secret);
  if (!clientSecret) {
    return { name, displayName, problem: missing(secretField(registration), names.secret) };
  }
  const protocol = protocolOf(registration, path);
  if (typeof protocol === 'string') {
    return { name, displayName, problem: protocol };
  }
  const claim = block.userDetailsClaim ?? block.login?.nameClaimType;
  const oauth2 = protocol.kind === 'oauth2' || name === 'apple' ? OAUTH2_DEFAULTS[name] : undefined;
  const defaults = oauth2?.userDetails ?? DEFAULT_USER_CLAIMS;
  return {
    name,
    identityProvider: name,
    custom: true,
    clientId,
    clientSecret,
    protocol,
    scopes: block.login?.scopes ?? oauth2?.scopes ?? OIDC_SCOPES,
    loginParameterNames: block.login?.loginParameterNames ?? [],
    userDetailsClaims: claim === undefined ? defaults : [claim, ...defaults],
  };
}

/** Where a registration names its client id's app setting. */
function idField(registration: Readonly<Record<string, unknown>>): string {
  if (registration.appSecretSettingName !== undefined) {
    return 'appIdSettingName';
  }
  return registration.consumerSecretSettingName !== undefined
    ? 'consumerKeySettingName'
    : 'clientIdSettingName';
}

/** Where a registration names its secret's app setting. */
function secretField(registration: Readonly<Record<string, unknown>>): string {
  if (registration.clientCredential !== undefined) {
    return 'clientCredential.clientSecretSettingName';
  }
  if (registration.appSecretSettingName !== undefined) {
    return 'appSecretSettingName';
  }
  return registration.consumerSecretSettingName !== undefined
    ? 'consumerSecretSettingName'
    : 'clientSecretSettingName';
}

/** True for a usable registration. */
export function isRegistration(entry: ProviderRegistration | ProviderProblem): entry is ProviderRegistration {
  return 'protocol' in entry;
}
