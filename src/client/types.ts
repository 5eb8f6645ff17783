/**
 * The JSON shapes of the management REST API (docs/rest-api.md), as the server sends them. They mirror
 * Azure's `Microsoft.Web/staticSites` resources; fields Portico adds are marked.
 */

/** A plan as the CLI spells it. */
export type Plan = 'free' | 'standard';

/** A plan as Azure's `sku.name` spells it. */
export type SkuName = 'Free' | 'Standard';

/** `properties` of a static site. */
export interface SiteProperties {
  readonly defaultHostname: string;
  readonly customDomains: readonly string[];
  readonly provider: string;
  readonly stagingEnvironmentPolicy: string;
  readonly createdTimeUtc: string;
  readonly allowConfigFileUpdates?: boolean;
  /** The deployment token; only in the answer that created the site. */
  readonly apiKey?: string;
}

/** A static site resource. */
export interface Site {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly location: string;
  readonly sku: { readonly name: SkuName; readonly tier: string };
  readonly properties: SiteProperties;
}

/** `properties` of a build (an environment; production is the build `default`). */
export interface BuildProperties {
  readonly buildId: string;
  /** Portico extension: `production` or the environment name. */
  readonly environmentName?: string;
  readonly hostname: string;
  /** Portico extension: the public URL of the environment. */
  readonly url?: string;
  readonly createdTimeUtc: string;
  readonly lastUpdatedOn: string;
  readonly status: 'WaitingForDeployment' | 'Uploading' | 'Failed' | 'Ready';
  readonly activeDeploymentId: string | null;
}

/** A build (environment) resource. */
export interface Build {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly properties: BuildProperties;
}

/** `properties` of a deployment (Portico extension). */
export interface DeploymentProperties {
  /** `production` or the environment name. */
  readonly environment: string;
  readonly status: 'Uploading' | 'Succeeded' | 'Failed';
  readonly active: boolean;
  readonly createdTimeUtc: string;
  readonly completedTimeUtc: string | null;
  readonly fileCount: number;
  readonly contentBytes: number;
  readonly hasApi: boolean;
  readonly error: string | null;
  readonly log: string | null;
  /** The public URL of the environment (commit and rollback answers). */
  readonly url?: string;
  /** The host name of the environment (commit answer). */
  readonly hostname?: string;
  /** Why the deployed API does not load (commit answer, `portico serve`): `/api` answers 502 until fixed. */
  readonly apiProblem?: string;
  /**
   * What the deployed API's worker warned about when it loaded (commit answer, `portico serve`): functions
   * and bindings Static Web Apps does not run, functions Azure puts in error; the rest of the API runs.
   */
  readonly apiWarnings?: readonly string[];
}

/** A deployment resource (Portico extension). */
export interface Deployment {
  readonly id: string;
  readonly name?: string;
  readonly type?: string;
  readonly properties: DeploymentProperties;
}

/** A user holding custom roles on a site. */
export interface User {
  readonly id: string;
  /** The user id. */
  readonly name: string;
  readonly type?: string;
  readonly properties: {
    readonly provider: string;
    readonly userId: string;
    readonly displayName: string;
    /** Comma-separated role names. */
    readonly roles: string;
  };
}

/** The answer to an invitation. */
export interface Invitation {
  readonly properties: {
    readonly invitationUrl: string;
    readonly expiresOn: string;
    /** Why the invitation will not do all it says (its roles ignored by a roles function); absent when none. */
    readonly warnings?: readonly string[];
  };
}

/** A session minted by the admin API for testing (Portico only). */
export interface TestSession {
  readonly properties: {
    readonly cookieName: string;
    readonly cookieValue: string;
    readonly expiresOn: string;
    readonly clientPrincipal: {
      readonly identityProvider: string;
      readonly userId: string;
      readonly userDetails: string;
      readonly userRoles: readonly string[];
    };
    /** The identity's invitations not accepted yet (their roles are not in this session). */
    readonly pendingInvitations?: readonly {
      readonly roles: readonly string[];
      readonly domain: string;
      readonly expiresOn: string;
    }[];
  };
}

/** What an invitation needs. */
export interface InvitationInput {
  /** Identity provider, e.g. `github` or `aad`. */
  readonly provider: string;
  /** The user's name at the provider (GitHub user name, or e-mail for `aad`). */
  readonly userDetails: string;
  readonly roles: readonly string[];
  /** Validity in hours (1 to 168). */
  readonly hours: number;
  /** The host the link points at (default: the site's default host name). */
  readonly domain?: string;
}

/** The answer of `listSecrets` and `resetapikey`. */
export interface SiteSecrets {
  readonly properties: { readonly apiKey: string };
}

/** A REST list. */
export interface ResourceList<T> {
  readonly value: readonly T[];
}

/** App settings, as `listAppSettings` answers and `config/appsettings` takes them. */
export interface AppSettingsDocument {
  readonly properties: Readonly<Record<string, string>>;
  /** Their version, for `If-Match` on the next replace. */
  readonly etag?: string;
  /**
   * Portico only, in the answer of a replace: each app setting a sign-in registration of the live
   * deployment names that the environment now lacks (sign-in with it answers 503 until it is added).
   */
  readonly warnings?: readonly string[];
}

/** One itemised problem of an error answer. */
export interface ErrorBodyDetail {
  readonly path: string;
  readonly message: string;
}

/** The one error shape of the API. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details?: readonly ErrorBodyDetail[];
  };
}

/** One file of a deployment: a relative `/`-separated path, its size and SHA-256 (lower-case hex). */
export interface DeployFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/** The body of `POST /deploy/v1/deployments`. */
export interface DeploymentRequest {
  /** `production` or an environment name. */
  readonly environment: string;
  /** The site meant: a token of another site is refused (409) before anything changes. */
  readonly site?: string;
  readonly app: readonly DeployFile[];
  readonly api?: readonly DeployFile[];
}

/** The answer of `POST /deploy/v1/deployments`: the id and the contents the server lacks. */
export interface CreatedDeployment {
  readonly id: string;
  /** The site the deployment token belongs to (absent from servers before it was added). */
  readonly site?: string;
  readonly missing: readonly string[];
  /** Set when this deploy created its environment. */
  readonly environmentCreated?: boolean;
  /** The names of production's app settings a new environment was given (with `environmentCreated`). */
  readonly copiedAppSettings?: readonly string[];
}
