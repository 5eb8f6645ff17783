/**
 * The tables of the control plane, as Kysely sees them. Times are ISO-8601 strings and flags are 0/1
 * integers in both dialects, so that one query layer serves SQLite and PostgreSQL unchanged.
 */
import type { Generated } from 'kysely';

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
  created_at: string;
  completed_at: string | null;
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

/** The whole database. */
export interface Database {
  sites: SitesTable;
  environments: EnvironmentsTable;
  deployments: DeploymentsTable;
  app_settings: AppSettingsTable;
  users: UsersTable;
  invitations: InvitationsTable;
  blobs: BlobsTable;
  service_values: ServiceValuesTable;
  changes: ChangesTable;
}
