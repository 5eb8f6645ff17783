/**
 * The tables of the control plane, as Kysely sees them. Times are ISO-8601 strings and flags are 0/1
 * integers in both dialects, so that one query layer serves SQLite and PostgreSQL unchanged.
 */
import type { Generated } from '../shared/kysely.js';

/** A static web app. */
export interface SitesTable {
  id: string;
  name: string;
  sku: 'Free' | 'Standard';
  /** `<adjective>-<noun>-<number>`: the first label of every host of the site. */
  host_label: string;
  /** SHA-256 (hex) of the deployment token: how a token is looked up. */
  deployment_token_hash: string;
  /** The token itself, sealed with the service key (so `listSecrets` can show it). */
  deployment_token_sealed: string;
  created_at: string;
  /** Azure tags as a JSON object of strings; null: none. */
  tags: string | null;
}

/** An environment of a site: `production` or a preview/named one. */
export interface EnvironmentsTable {
  id: string;
  site_id: string;
  name: string;
  /** Full host name the environment answers on (`label.domain` or `label-env.domain`). */
  hostname: string;
  active_deployment_id: string | null;
  created_at: string;
  updated_at: string;
}

/** One upload of content to an environment. */
export interface DeploymentsTable {
  id: string;
  site_id: string;
  environment_id: string;
  status: 'Uploading' | 'Succeeded' | 'Failed';
  /** JSON `{ app: ManifestFile[], api?: ManifestFile[] }`. */
  manifest: string;
  file_count: number;
  content_bytes: number;
  has_api: number;
  /** JSON array of the Standard-only features the deployed config uses (to check plan downgrades). */
  standard_features: string;
  error: string | null;
  /** Output of the dependency install, when one ran. */
  log: string | null;
  /**
   * Hash of the file list the deploy sent (plus the Node.js version with an API); equal keys mean the
   * same content (migration 0009; `null` on older rows).
   */
  content_key: string | null;
  created_at: string;
  completed_at: string | null;
}

/** How many times a site forgot an identity, part of its `userId` (migration 0012). */
export interface IdentityEpochsTable {
  site_id: string;
  /** `<provider>\n<userDetails>`, lower case. */
  identity: string;
  epoch: number;
}

/** The `userId` a provider account (by its hashed subject) holds on a site (migration 0014). */
export interface IdentitySubjectsTable {
  site_id: string;
  /** Lower case. */
  provider: string;
  /** SHA-256 (hex) of the provider's subject. */
  subject_hash: string;
  /** The account's `userDetails` at its last sign-in, lower case: forgetting an identity finds it by this. */
  user_details: string;
  user_id: string;
  created_at: string;
  /**
   * The identity's epoch (`identity_epochs`) when the account claimed `user_id`, or when its name last
   * changed (migration 0015): a claim older than the epoch of its `user_details` is forgotten. `null`: made
   * by a node of the version before 0015, taken to be of the identity's current epoch.
   */
  epoch: number | null;
}

/** A content an uploading deployment was sent (migration 0011). */
export interface DeploymentUploadsTable {
  deployment_id: string;
  sha256: string;
}

/** App settings of an environment; values sealed with the service key. */
export interface AppSettingsTable {
  environment_id: string;
  name: string;
  value_sealed: string;
}

/** Users holding custom roles in a site (from invitations). */
export interface UsersTable {
  site_id: string;
  /** 32 hex, stable per site and user (spec §2: `userId` is per app). */
  user_id: string;
  provider: string;
  /** Lower-cased user name or e-mail, as the provider reports it. */
  user_details: string;
  /** Comma-separated custom roles. */
  roles: string;
  created_at: string;
}

/** Invitations to take roles in a site. */
export interface InvitationsTable {
  /** SHA-256 (hex) of the invitation code that the URL carries. */
  code_hash: string;
  site_id: string;
  provider: string;
  user_details: string;
  roles: string;
  domain: string;
  expires_at: string;
  created_at: string;
  accepted_at: string | null;
}

/** Content-addressed file contents (used by the database blob store). */
export interface BlobsTable {
  sha256: string;
  size: number;
  data: Buffer;
  /** ISO time the content was last stored or asked for ('' before migration 0002). */
  used_at: string;
}

/** Service-wide values (such as the generated service key). */
export interface ServiceValuesTable {
  name: string;
  value: string;
}

/** A log of changes that nodes poll to drop what they cached. */
export interface ChangesTable {
  seq: Generated<number>;
  /** The hostname whose cached state must be dropped, or `*`. */
  hostname: string;
  at: string;
}

/** An API Management service (`Microsoft.ApiManagement/service`). */
export interface ApimServicesTable {
  id: string;
  name: string;
  /** Host the gateway answers on, on the data-plane listener. */
  gateway_hostname: string;
  /** Azure's `publicNetworkAccess`: `Enabled` or `Disabled`. */
  public_network_access: 'Enabled' | 'Disabled';
  /** Azure's `virtualNetworkType`: `None`, `External` or `Internal`. */
  virtual_network_type: 'None' | 'External' | 'Internal';
  created_at: string;
}

/**
 * One entity of an API Management service, stored as a JSON document: an API, an operation
 * (`<apiId>/<operationId>`), a product, a product's API (`<productId>/<apiId>`), a subscription, a named
 * value or a policy (scope key). Secrets (subscription keys, secret named values) are sealed apart.
 */
export interface ApimEntitiesTable {
  service_id: string;
  kind: 'api' | 'operation' | 'product' | 'product-api' | 'subscription' | 'named-value' | 'policy';
  entity_id: string;
  properties: string;
  secret_sealed: string | null;
  created_at: string;
  updated_at: string;
}

/** A "bring your own" backend app: a function app, a web app or a container app. */
export interface BackendAppsTable {
  id: string;
  /** Names are unique per namespace: `Microsoft.Web/sites` (function and web apps) or `Microsoft.App/containerApps`. */
  namespace: string;
  kind: 'functionapp' | 'webapp' | 'containerapp';
  name: string;
  /** Host a function app answers on, on the data-plane listener. */
  hostname: string | null;
  /** The existing service a web app or container app stands for. */
  backend_url: string | null;
  public_network_access: 'Enabled' | 'Disabled';
  /** Function app content: JSON `ManifestFile[]` of its API folder. */
  content: string | null;
  created_at: string;
  updated_at: string;
}

/** The backend an environment's `/api` is linked to. */
export interface LinkedBackendsTable {
  environment_id: string;
  site_id: string;
  /** The backend resource's name. */
  name: string;
  /** The name given at link time (Azure's `linkedBackendName`); null on rows linked before it was kept. */
  link_name: string | null;
  backend_type: 'apim' | 'functionapp' | 'webapp' | 'containerapp';
  /** `apim_services.id` or `backend_apps.id`. */
  resource_id: string;
  /** Sealed JSON of what the link set up (for a gateway: product, subscription and the key it sends). */
  details_sealed: string;
  created_at: string;
  updated_at: string;
}

/** RS256 keys a site signs its backend tokens with; retired keys stay published until their tokens expire. */
export interface SigningKeysTable {
  kid: string;
  site_id: string;
  private_sealed: string;
  public_jwk: string;
  created_at: string;
  retired_at: string | null;
}

/**
 * A `userId` a site forgot (user removed, or purged: migration 0017): a session holding it reads as
 * nobody on every node.
 */
export interface ForgottenUserIdsTable {
  site_id: string;
  user_id: string;
  /** ISO time by which every session sealed before the forget has expired; the row can go after it. */
  expires_at: string;
}

/** A session signed out before its expiry (`/.auth/logout`). */
export interface SignedOutSessionsTable {
  session_id: string;
  site_id: string;
  /** ISO time the session would have expired; the row can go after it. */
  expires_at: string;
}

/** The node_modules an install produced, by the hash of what decided it (package.json, lockfile, Node). */
export interface DependencyInstallsTable {
  key: string;
  /** JSON `ManifestFile[]` of `node_modules/…`, every content in the blob store. */
  files: string;
  /** npm's output of the install that produced them. */
  log: string;
  created_at: string;
}

/** The whole database. */
/** A custom domain of a site (Azure's `customDomains`). */
export interface CustomDomainsTable {
  /** Lower case, no trailing dot. */
  domain_name: string;
  site_id: string;
  validation_method: 'cname-delegation' | 'dns-txt-token';
  /** The value expected in the TXT record `_dnsauth.<domain>` (dns-txt-token). */
  validation_token: string;
  status: 'Validating' | 'Ready' | 'Failed';
  /** Why validation or the certificate failed, for the status. */
  error_message: string | null;
  /** 1 for the site's default domain (the others redirect to it). */
  is_default: number;
  created_at: string;
  checked_at: string | null;
  /** Why the last certificate order failed (the working certificate, if any, is kept). */
  certificate_error: string | null;
  /** When a certificate was last ordered (retries wait after it). */
  certificate_attempt_at: string | null;
}

/** The certificate served for a host name (a custom domain), ordered by ACME or uploaded. */
export interface CertificatesTable {
  hostname: string;
  source: 'acme' | 'uploaded';
  /** PEM chain, leaf first. */
  cert_pem: string;
  /** PEM private key, sealed with the service key. */
  key_sealed: string;
  not_after: string;
  updated_at: string;
}

/** An ACME HTTP-01 challenge being answered (any node may be asked). */
export interface AcmeChallengesTable {
  token: string;
  key_authorization: string;
  created_at: string;
}

/** A lock held by one node until it expires (`acme:<hostname>` while ordering). */
export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: string;
}

/** What one node counted for a site environment in (part of) a minute; rows add up (decision 0032). */
export interface TrafficMinutesTable {
  /** The site's name (labels are names, as in the metrics). */
  site: string;
  environment: string;
  /** Start of the minute, ISO-8601. */
  minute: string;
  /** The process that counted (random per process). */
  node: string;
  requests: number;
  status_4xx: number;
  status_5xx: number;
  /** JSON `{ "<upper bound ms>" | "inf": count }`, zeros left out. */
  latency_ms: string;
}

/** What one node counted for a gateway API in (part of) a minute; `api` empty when none matched. */
export interface GatewayTrafficMinutesTable {
  service: string;
  api: string;
  minute: string;
  node: string;
  calls: number;
  status_401: number;
  status_403: number;
  status_429: number;
  status_5xx: number;
}

export interface Database {
  sites: SitesTable;
  environments: EnvironmentsTable;
  deployments: DeploymentsTable;
  deployment_uploads: DeploymentUploadsTable;
  identity_epochs: IdentityEpochsTable;
  identity_subjects: IdentitySubjectsTable;
  app_settings: AppSettingsTable;
  users: UsersTable;
  invitations: InvitationsTable;
  blobs: BlobsTable;
  service_values: ServiceValuesTable;
  changes: ChangesTable;
  apim_services: ApimServicesTable;
  apim_entities: ApimEntitiesTable;
  backend_apps: BackendAppsTable;
  linked_backends: LinkedBackendsTable;
  signing_keys: SigningKeysTable;
  signed_out_sessions: SignedOutSessionsTable;
  forgotten_user_ids: ForgottenUserIdsTable;
  dependency_installs: DependencyInstallsTable;
  custom_domains: CustomDomainsTable;
  certificates: CertificatesTable;
  acme_challenges: AcmeChallengesTable;
  leases: LeasesTable;
  traffic_minutes: TrafficMinutesTable;
  gateway_traffic_minutes: GatewayTrafficMinutesTable;
}
