/**
 * The normalized, frozen form of `staticwebapp.config.json` that the edge consumes. The raw file is
 * validated by the zod schema in `schema.ts`; `normalize.ts` turns it into these shapes (leading slashes
 * added, string status codes turned into numbers, comma-joined roles split, header names kept as written).
 */

/** One problem found in a config file, with its JSON path (for example `routes[2].statusCode`). */
export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  /** JSON path inside the file: `routes[2].statusCode`, `responseOverrides.404.rewrite`, or `` for the root. */
  readonly path: string;
  /** What is wrong and how to fix it, in one sentence or two. */
  readonly message: string;
  /** Absolute path of the file the diagnostic is about, when known. */
  readonly file?: string;
}

export const HTTP_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** A `routes[]` entry after normalization. Exactly what the file said, in canonical form. */
export interface RouteRule {
  /** Position in the file's `routes` array (for logs and diagnostics). */
  readonly index: number;
  /** Always starts with `/`. May end with `*` or `*.ext` / `*.{a,b}`. */
  readonly route: string;
  /** Upper-case methods; absent means every method. */
  readonly methods?: readonly HttpMethod[];
  /** Always starts with `/` (or is an absolute URL, which the edge refuses at validation time). */
  readonly rewrite?: string;
  /** A path (starting with `/`) or an absolute `http(s)://` URL. */
  readonly redirect?: string;
  readonly statusCode?: number;
  /** Header name → value; an empty value removes the header. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Role names; absent means everyone (`anonymous`). */
  readonly allowedRoles?: readonly string[];
}

export interface NavigationFallback {
  /** Always starts with `/`. */
  readonly rewrite: string;
  /** Route patterns (same wildcard rules as `routes[].route`), each starting with `/`. */
  readonly exclude: readonly string[];
}

export type OverridableStatus = 400 | 401 | 403 | 404;

export interface ResponseOverride {
  readonly rewrite?: string;
  readonly redirect?: string;
  readonly statusCode?: number;
}

export type TrailingSlash = 'always' | 'never' | 'auto';

export type IdentityProviderKind =
  | 'azureActiveDirectory'
  | 'apple'
  | 'facebook'
  | 'github'
  | 'google'
  | 'twitter'
  | 'customOpenIdConnect';

/** A provider registered in `auth.identityProviders`, as the URL names it (`aad` for azureActiveDirectory). */
export interface IdentityProviderSummary {
  readonly name: string;
  readonly kind: IdentityProviderKind;
  readonly enabled: boolean;
}

export interface AuthConfig {
  /** API path of the roles function, e.g. `/api/GetRoles`. */
  readonly rolesSource?: string;
  /** Custom registrations; when non-empty, the preconfigured providers are disabled. */
  readonly providers: readonly IdentityProviderSummary[];
  /** The validated `auth.identityProviders` object as written, for the real sign-in implementation. */
  readonly identityProviders?: Readonly<Record<string, unknown>>;
}

export interface NormalizedConfig {
  readonly routes: readonly RouteRule[];
  readonly navigationFallback?: NavigationFallback;
  readonly responseOverrides: Readonly<Partial<Record<OverridableStatus, ResponseOverride>>>;
  readonly globalHeaders: Readonly<Record<string, string>>;
  /** Keys are lower-case extensions with the dot: `.json`. */
  readonly mimeTypes: Readonly<Record<string, string>>;
  /** Absent means Azure's default behaviour (the "default" column of the trailing-slash table). */
  readonly trailingSlash?: TrailingSlash;
  readonly networking?: { readonly allowedIpRanges: readonly string[] };
  readonly forwardingGateway?: {
    readonly allowedForwardedHosts: readonly string[];
    readonly requiredHeaders: Readonly<Record<string, string>>;
  };
  readonly auth: AuthConfig;
  readonly platform?: { readonly apiRuntime?: string };
  /** Features in use that need the Standard plan: `networking`, `forwardingGateway`, `auth.identityProviders`, `auth.rolesSource`. */
  readonly standardOnlyFeatures: readonly string[];
}

/** Result of parsing one config text: a frozen config when there is no error, and every diagnostic found. */
export type ConfigResult =
  | { readonly ok: true; readonly config: NormalizedConfig; readonly diagnostics: readonly Diagnostic[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** The config that applies when an app has no `staticwebapp.config.json`. */
export const EMPTY_CONFIG: NormalizedConfig = Object.freeze({
  routes: Object.freeze([]),
  responseOverrides: Object.freeze({}),
  globalHeaders: Object.freeze({}),
  mimeTypes: Object.freeze({}),
  auth: Object.freeze({ providers: Object.freeze([]) }),
  standardOnlyFeatures: Object.freeze([]),
});
