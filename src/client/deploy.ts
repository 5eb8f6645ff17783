/**
 * The deployment client (`/deploy/v1/…`), authenticated with a site's deployment token as Azure's
 * content server is: create a deployment from a file list, upload the contents the server lacks, commit.
 */
import { type FileBody, request } from './http.js';
import type { CreatedDeployment, Deployment, DeploymentRequest } from './types.js';

/** Where the API is and the site's deployment token. */
export interface DeployClientOptions {
  /** Base URL of the admin listener, e.g. `http://127.0.0.1:4281`. */
  readonly url: string;
  /** The site's deployment token (it names the site). */
  readonly deploymentToken: string;
}

/** The three steps of a deploy, plus rollback; each rejects with a `PorticoError` on failure. */
export interface DeployClient {
  /** Step 1: checks the file list; answers the id and the SHA-256 of every content to upload. */
  createDeployment(body: DeploymentRequest): Promise<CreatedDeployment>;
  /** Step 2: uploads one content by its SHA-256, streamed from its file as it is sent. */
  uploadFile(id: string, sha256: string, file: FileBody): Promise<void>;
  /** A deployment with its log so far (poll it while a commit installs dependencies). */
  getDeployment(id: string): Promise<Deployment>;
  /** Step 3: checks the deployment and makes it live; `properties.url` is the environment's URL. */
  commit(id: string): Promise<Deployment>;
  /**
   * Makes an earlier successful deployment live again (default: the one before the active one).
   * `environment` is `production` or an environment name.
   */
  rollback(environment: string, deploymentId?: string, site?: string): Promise<Deployment>;
  /**
   * Closes a preview environment (Azure's deploy action with `action: close`); `closed` is false when
   * it was gone already. `site`, when given, must be the token's site.
   */
  close(environment: string, site?: string): Promise<ClosedEnvironment>;
}

/** The answer of `DELETE /deploy/v1/environments/{environment}`. */
export interface ClosedEnvironment {
  /** The token's site. */
  readonly site: string;
  readonly environment: string;
  /** False when the environment did not exist (closed before). */
  readonly closed: boolean;
}

const DEPLOYMENTS_PATH = '/deploy/v1/deployments';

/**
 * Creates a client of the deployment API.
 *
 * @example
 * const deploy = createDeployClient({ url: 'http://127.0.0.1:4281', deploymentToken });
 * const { id, missing } = await deploy.createDeployment({ environment: 'production', app: files });
 */
export function createDeployClient(options: DeployClientOptions): DeployClient {
  const target = { url: options.url, token: options.deploymentToken };
  const deploymentPath = (id: string) => `${DEPLOYMENTS_PATH}/${encodeURIComponent(id)}`;
  return {
    createDeployment: (body) =>
      request<CreatedDeployment>(target, { method: 'POST', path: DEPLOYMENTS_PATH, json: body }),
    uploadFile: async (id, sha256, file) => {
      await request<unknown>(target, {
        method: 'PUT',
        path: `${deploymentPath(id)}/files/${encodeURIComponent(sha256)}`,
        file,
      });
    },
    getDeployment: (id) => request<Deployment>(target, { method: 'GET', path: deploymentPath(id) }),
    commit: (id) => request<Deployment>(target, { method: 'POST', path: `${deploymentPath(id)}/commit` }),
    close: (environment, site) =>
      request<ClosedEnvironment>(target, {
        method: 'DELETE',
        path: `/deploy/v1/environments/${encodeURIComponent(environment)}${site === undefined ? '' : `?site=${encodeURIComponent(site)}`}`,
      }),
    rollback: (environment, deploymentId, site) =>
      request<Deployment>(target, {
        method: 'POST',
        path: '/deploy/v1/rollback',
        json: {
          environment,
          ...(deploymentId === undefined ? {} : { deploymentId }),
          ...(site === undefined ? {} : { site }),
        },
      }),
  };
}
