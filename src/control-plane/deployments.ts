/**
 * Deployments (spec §5–6): created from a checked file list, filled with the files the store lacks,
 * then committed: checked (config with JSON paths, plan rules, API dependencies) and made live in one
 * transaction. A deployment that fails or never completes changes nothing that serves.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import {
  type AuthConfig,
  type Diagnostic,
  formatDiagnostics,
  loadConfig,
  missingProviderSettings,
  PROVIDER_URL_ERROR,
  PROVIDER_URL_ERROR_SERVE,
  providerSettings,
} from '../config/index.js';
import { isUserError, PorticoError } from '../shared/errors.js';
import { publishEvent } from '../shared/events.js';
import { errorMessage } from '../shared/guards.js';
import { type DeploymentsTable, isForeignKeyViolation } from '../storage/index.js';
import { checkApiHostJson } from './api-host.js';
import { resolveApiModules } from './api-modules.js';
import {
  checkContentForLinkedEnvironment,
  checkListingForLinkedEnvironment,
} from './backends/constraints.js';
import { whileCommitting } from './commit-markers.js';
import {
  deploymentFolder,
  materializeDeployment,
  publishFolder,
  stageDeployment,
  sweepUnusedContents,
} from './content.js';
import { type ControlContext, recordChange } from './context.js';
import { PREVIOUS_KEEPS_SERVING, restateFailure, restateFailureMessage } from './deploy-failure.js';
import { createDeployLog, type DeployLog } from './deploy-log.js';
import { type Environment, ensureEnvironment, getEnvironment } from './environments.js';
import {
  forgetListedContents,
  keepListedContents,
  keptListedContents,
  type ListedContents,
} from './listed-contents.js';
import { contentKeyOf, type Manifest, manifestHashes, parseDeploymentRequest } from './manifest.js';
import { type ContentBody, receiveContent } from './receive-content.js';
import { readSettings } from './settings.js';
import type { Site } from './sites.js';
import { expiredUploadMessage, isUploadExpired, uploadExpiryOf } from './uploads.js';

/**
 * Successful deployments kept per environment: the newest this many, and the newest deployment of each
 * of the newest this many distinct contents (for rollback); older ones are removed.
 */
export const KEPT_DEPLOYMENTS = 5;

/** A deployment as the services hand it around. */
export interface Deployment {
  readonly id: string;
  readonly environmentId: string;
  readonly status: DeploymentsTable['status'];
  readonly manifest: Manifest;
  readonly fileCount: number;
  readonly contentBytes: number;
  readonly hasApi: boolean;
  readonly standardFeatures: readonly string[];
  readonly error: string | null;
  readonly log: string | null;
  /** Equal keys mean the same content as sent ({@link contentKeyOf}); `null` on deployments older than it. */
  readonly contentKey: string | null;
  readonly createdAt: string;
  readonly completedAt: string | null;
}

function toDeployment(row: DeploymentsTable): Deployment {
  return {
    id: row.id,
    environmentId: row.environment_id,
    status: row.status,
    manifest: JSON.parse(row.manifest) as Manifest,
    fileCount: row.file_count,
    contentBytes: row.content_bytes,
    hasApi: row.has_api === 1,
    standardFeatures: JSON.parse(row.standard_features) as string[],
    error: row.error,
    log: row.log,
    contentKey: row.content_key,
    createdAt: row.created_at,
    completedAt: row.completed_at,
  };
}

/** Starts a deployment: checks the request, creates the environment when needed, lists missing files. */
export async function createDeployment(
  ctx: ControlContext,
  site: Site,
  body: unknown,
): Promise<{
  deployment: Deployment;
  environment: Environment;
  missing: string[];
  copiedAppSettings?: readonly string[];
}> {
  const request = parseDeploymentRequest(body, site.sku);
  checkTokenSite(site, request.site);
  const { environment, copiedAppSettings } = await refusingDeletedSite(ctx, site, () =>
    ensureEnvironment(ctx, site, request.environment),
  );
  await checkListingForLinkedEnvironment(ctx, environment.id, request.manifest);
  const files = [...request.manifest.app, ...(request.manifest.api ?? [])];
  const row: DeploymentsTable = {
    id: randomUUID(),
    site_id: site.id,
    environment_id: environment.id,
    status: 'Uploading',
    manifest: JSON.stringify(request.manifest),
    file_count: files.length,
    content_bytes: files.reduce((total, f) => total + f.size, 0),
    has_api: request.manifest.api === undefined ? 0 : 1,
    standard_features: '[]',
    error: null,
    log: null,
    content_key: contentKeyOf(request.manifest),
    created_at: ctx.now().toISOString(),
    completed_at: null,
  };
  await refusingDeletedSite(ctx, site, () => ctx.db.insertInto('deployments').values(row).execute());
  const missing = await missingFor(ctx, site.id, manifestHashes(request.manifest));
  return {
    deployment: toDeployment(row),
    environment,
    missing,
    ...(copiedAppSettings === undefined ? {} : { copiedAppSettings }),
  };
}

/**
 * Runs a write that starts a deployment. When it refers to a row another request deleted meanwhile (a
 * node deleted the site, or the environment, after this one read it), the deploy is refused as it would
 * have been a moment later: 401 `DEPLOY_TOKEN_INVALID` for a deleted site (its token deploys nowhere),
 * 409 `STORAGE_CONFLICT` for a deleted environment (sending the deploy again creates it).
 */
async function refusingDeletedSite<T>(ctx: ControlContext, site: Site, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isForeignKeyViolation(error)) {
      throw error;
    }
    const found = await ctx.db.selectFrom('sites').select('id').where('id', '=', site.id).executeTakeFirst();
    throw found === undefined
      ? new PorticoError(
          'DEPLOY_TOKEN_INVALID',
          `The site '${site.name}' was deleted while this deployment started, so its deployment token deploys nowhere any more. Create the site again (portico site create ${site.name}) and deploy with its new token.`,
          { cause: error },
        )
      : new PorticoError(
          'STORAGE_CONFLICT',
          'The environment of this deployment was deleted while it started; send the deploy again (it creates the environment).',
          { cause: error },
        );
  }
}

/** The deployment `id` of a site; 404 otherwise. */
export async function getDeployment(ctx: ControlContext, site: Site, id: string): Promise<Deployment> {
  const row = await ctx.db
    .selectFrom('deployments')
    .selectAll()
    .where('id', '=', id)
    .where('site_id', '=', site.id)
    .executeTakeFirst();
  if (row === undefined) {
    throw notFound(site, id);
  }
  return toDeployment(row);
}

/** The prefix of an API warning's line in a deployment's log (config warnings have `warning: ` alone). */
export const API_WARNING_PREFIX = 'warning: API: ';

/**
 * Adds what the first load of a committed deployment's API found that Static Web Apps would not run (a
 * function name Azure does not register, …) to the end of its stored log, as `warning: API: …` lines,
 * so that `GET …/deployments` and the portal show it after the deploy, not only its commit answer (the
 * CLI's `warning: API:` lines). Answers the deployment with its log as stored.
 */
export async function appendApiWarnings(
  ctx: ControlContext,
  deployment: Deployment,
  warnings: readonly string[],
): Promise<Deployment> {
  if (warnings.length === 0) {
    return deployment;
  }
  const lines = warnings.map((w) => `${API_WARNING_PREFIX}${w.split('\n').join('\n  ')}\n`).join('');
  const row = await ctx.db
    .selectFrom('deployments')
    .select('log')
    .where('id', '=', deployment.id)
    .executeTakeFirst();
  const log = `${row?.log ?? deployment.log ?? ''}${lines}`;
  await ctx.db.updateTable('deployments').set({ log }).where('id', '=', deployment.id).execute();
  return { ...deployment, log };
}

function notFound(site: Site, id: string): PorticoError {
  return new PorticoError(
    'DEPLOY_NOT_FOUND',
    `The site '${site.name}' has no deployment ${id}; start a new deploy.`,
  );
}

/**
 * Stores one content of an uploading deployment after checking it is listed and matches its size and
 * hash; `body` is received as it arrives ({@link receiveContent}), `length` is the size its request
 * declares. One upload reads one row and looks its content up in a map ({@link listedContentsOf}).
 */
export async function uploadDeploymentFile(
  ctx: ControlContext,
  site: Site,
  id: string,
  sha256: string,
  body: ContentBody,
  length?: number,
): Promise<void> {
  const listed = (await listedContentsOf(ctx, site, id)).get(sha256);
  if (listed === undefined) {
    throw new PorticoError('DEPLOY_FILE_MISMATCH', `The content ${sha256} is not part of deployment ${id}.`);
  }
  await receiveContent(ctx, site.id, listed, body, length);
  await ctx.db
    .insertInto('deployment_uploads')
    .values({ deployment_id: id, sha256 })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/**
 * The contents an uploading deployment lists, by SHA-256: its state is read on every call, its file
 * list only when this context keeps no map of it (the list never changes while it uploads).
 */
async function listedContentsOf(ctx: ControlContext, site: Site, id: string): Promise<ListedContents> {
  const kept = keptListedContents(ctx, id);
  const state = await whileUploading(ctx, id, () => readUploadState(ctx, site, id, kept === undefined));
  if (kept !== undefined || state.manifest === undefined) {
    return kept ?? new Map();
  }
  return keepListedContents(ctx, id, JSON.parse(state.manifest) as Manifest);
}

/** What says whether a deployment still takes uploads. */
interface UploadState {
  readonly status: DeploymentsTable['status'];
  readonly error: string | null;
  readonly createdAt: string;
  readonly environmentId: string;
}

/** The state of deployment `id` of a site, with its file list when `withManifest`; 404 otherwise. */
async function readUploadState(
  ctx: ControlContext,
  site: Site,
  id: string,
  withManifest: boolean,
): Promise<UploadState & { readonly manifest?: string }> {
  const row = await ctx.db
    .selectFrom('deployments')
    .select(['status', 'error', 'created_at', 'environment_id'])
    .$if(withManifest, (qb) => qb.select('manifest'))
    .where('id', '=', id)
    .where('site_id', '=', site.id)
    .executeTakeFirst();
  if (row === undefined) {
    throw notFound(site, id);
  }
  const { status, error, created_at: createdAt, environment_id: environmentId, manifest } = row;
  return { status, error, createdAt, environmentId, ...(manifest === undefined ? {} : { manifest }) };
}

/** How many of a site's newest successful deployments count as what it has deployed. */
const KNOWN_DEPLOYMENTS = 20;

/**
 * The contents of a site's newest successful deployments: what the site is known to have, so a deploy is
 * not asked to send them again. Any other content is asked for even when the store holds it for another
 * site: answering "not missing" would tell one tenant what another stores (a file whose content it can
 * guess), and a commit without the upload would copy it.
 */
async function knownContents(ctx: ControlContext, siteId: string): Promise<Set<string>> {
  const rows = await ctx.db
    .selectFrom('deployments')
    .select('manifest')
    .where('site_id', '=', siteId)
    .where('status', '=', 'Succeeded')
    .orderBy('created_at', 'desc')
    .limit(KNOWN_DEPLOYMENTS)
    .execute();
  return new Set(rows.flatMap((row) => manifestHashes(JSON.parse(row.manifest) as Manifest)));
}

/**
 * The contents a deploy of the site must send: those the store lacks, and those the site never deployed
 * unless they are among `uploaded` (sent to this deployment already).
 */
async function missingFor(
  ctx: ControlContext,
  siteId: string,
  hashes: readonly string[],
  uploaded: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  const [known, absent] = await Promise.all([knownContents(ctx, siteId), ctx.blobs.missing(hashes)]);
  const lacking = new Set(absent);
  return hashes.filter((hash) => lacking.has(hash) || (!known.has(hash) && !uploaded.has(hash)));
}

/** The contents of `hashes` a deployment still has to send before its commit. */
async function notSent(
  ctx: ControlContext,
  site: Site,
  deployment: Deployment,
  hashes: readonly string[],
): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom('deployment_uploads')
    .select('sha256')
    .where('deployment_id', '=', deployment.id)
    .execute();
  return missingFor(ctx, site.id, hashes, new Set(rows.map((row) => row.sha256)));
}

async function requireUploading(ctx: ControlContext, site: Site, id: string): Promise<Deployment> {
  return whileUploading(ctx, id, () => getDeployment(ctx, site, id));
}

/**
 * The state `read` gives while the deployment is `Uploading`, after expiring it when its hour is up
 * (read again then); `DEPLOY_STATE` otherwise.
 */
async function whileUploading<T extends UploadState>(
  ctx: ControlContext,
  id: string,
  read: () => Promise<T>,
): Promise<T> {
  let state = await read();
  if (state.status === 'Uploading' && isUploadExpired(ctx, state.createdAt)) {
    await expireUploads(ctx, state.environmentId);
    state = await read();
  }
  if (state.status !== 'Uploading') {
    const reason = state.error === null ? '' : ` (${state.error.split('\n')[0]})`;
    throw new PorticoError(
      'DEPLOY_STATE',
      `Deployment ${id} is ${state.status}${reason}; start a new deploy.`,
    );
  }
  return state;
}

/**
 * Checks a fully uploaded deployment and makes it live; on a problem marks it Failed and throws. The
 * content the environment already serves is not staged or installed again, and what serves it is kept
 * ({@link commitUnchanged}).
 */
export async function commitDeployment(ctx: ControlContext, site: Site, id: string): Promise<Deployment> {
  const deployment = await requireUploading(ctx, site, id);
  return whileCommitting(ctx, id, () => commitUploaded(ctx, site, deployment));
}

async function commitUploaded(ctx: ControlContext, site: Site, deployment: Deployment): Promise<Deployment> {
  const id = deployment.id;
  const missing = await notSent(ctx, site, deployment, manifestHashes(deployment.manifest));
  if (missing.length > 0) {
    throw new PorticoError(
      'DEPLOY_INCOMPLETE',
      `${missing.length} file(s) of deployment ${id} have not been uploaded yet; upload them, then commit again.`,
    );
  }
  await checkLinkOrDiscard(ctx, deployment);
  const live = await findLiveTwin(ctx, deployment);
  if (live !== undefined) {
    return settle(ctx, deployment, () => commitUnchanged(ctx, site, deployment, live));
  }
  const staging = await stageDeployment(ctx, id, deployment.manifest);
  const log = createDeployLog(ctx, id);
  return settle(ctx, deployment, async () => {
    try {
      const where = await describeDeploymentPlace(ctx, site, deployment);
      const checked = await checkStaged(ctx, site, staging, deployment, log, where);
      await publishFolder(staging, deploymentFolder(ctx, id));
      return await activate(ctx, deployment, checked, { restart: true });
    } catch (error) {
      await Promise.all([rm(staging, { recursive: true, force: true }), log.flush()]);
      throw error;
    }
  });
}

/** Runs the end of a commit: a failure marks the deployment Failed; either way the outcome is published. */
async function settle(
  ctx: ControlContext,
  deployment: Deployment,
  commit: () => Promise<Deployment>,
): Promise<Deployment> {
  const id = deployment.id;
  try {
    const live = await commit();
    publishEvent('deploy', () => ({ outcome: 'succeeded' }));
    return live;
  } catch (caught) {
    // "The previous deployment keeps serving" only where one does (a first deploy that fails has none).
    const live = await hasLiveDeployment(ctx, deployment.environmentId);
    await markFailed(ctx, id, caught, live);
    publishEvent('deploy', () => ({ outcome: 'failed' }));
    throw restateFailure(caught, live);
  } finally {
    forgetListedContents(ctx, id);
    await ctx.db.deleteFrom('deployment_uploads').where('deployment_id', '=', id).execute();
  }
}

/** `site 'x', environment 'y', deployment <id>`, for the operator's log. */
async function describeDeploymentPlace(
  ctx: ControlContext,
  site: Site,
  deployment: Deployment,
): Promise<string> {
  const env = await ctx.db
    .selectFrom('environments')
    .select('name')
    .where('id', '=', deployment.environmentId)
    .executeTakeFirst();
  return `site '${site.name}', environment '${env?.name ?? deployment.environmentId}', deployment ${deployment.id}`;
}

/** The environment's live deployment when it was sent the same content as `deployment`. */
async function findLiveTwin(ctx: ControlContext, deployment: Deployment): Promise<Deployment | undefined> {
  if (deployment.contentKey === null) {
    return undefined;
  }
  const env = await ctx.db
    .selectFrom('environments')
    .select('active_deployment_id')
    .where('id', '=', deployment.environmentId)
    .executeTakeFirst();
  const live = env?.active_deployment_id ? await readDeployment(ctx, env.active_deployment_id) : undefined;
  return live?.status === 'Succeeded' && live.contentKey === deployment.contentKey ? live : undefined;
}

/**
 * A deploy of the content that is live already: the new deployment becomes the live one (history and
 * rollback see it) with the live one's files and installed dependencies, after the config is checked
 * against the site's plan again (it may have changed). Nothing is staged, installed or restarted: the
 * nodes keep serving the same files with the same running API (decision 0030).
 */
async function commitUnchanged(
  ctx: ControlContext,
  site: Site,
  deployment: Deployment,
  live: Deployment,
): Promise<Deployment> {
  const folders = await materializeDeployment(ctx, live.id, live.manifest);
  const { standardFeatures, warnings } = await checkConfig(
    ctx,
    folders.appDir,
    site,
    deployment.environmentId,
  );
  const log =
    warnings +
    `Unchanged: the same content as deployment ${live.id} (live since ${live.completedAt ?? live.createdAt}). ` +
    'Its files, installed API dependencies and running API were kept: nothing was staged, installed (no npm) or restarted.\n';
  return activate(ctx, deployment, { manifest: live.manifest, standardFeatures, log }, { restart: false });
}

/**
 * Content a linked backend does not allow is refused before it is staged or installed, and the
 * deployment is discarded, not left Failed: nothing was attempted.
 */
async function checkLinkOrDiscard(ctx: ControlContext, deployment: Deployment): Promise<void> {
  try {
    await checkContentForLinkedEnvironment(ctx, deployment.environmentId, deployment);
  } catch (error) {
    await ctx.db.deleteFrom('deployments').where('id', '=', deployment.id).execute();
    throw error;
  }
}

interface CheckedContent {
  readonly manifest: Manifest;
  readonly standardFeatures: readonly string[];
  readonly log: string | null;
}

async function checkStaged(
  ctx: ControlContext,
  site: Site,
  staging: string,
  deployment: Deployment,
  log: DeployLog,
  where: string,
): Promise<CheckedContent> {
  const manifest = deployment.manifest;
  const { standardFeatures, warnings } = await checkConfig(
    ctx,
    join(staging, 'app'),
    site,
    deployment.environmentId,
  );
  // The config's warnings open the log, as portico start prints them: shown while the deploy runs.
  for (const line of warnings.split('\n').filter((l) => l !== '')) {
    log.line(line);
  }
  const logOf = (rest: string | null) => (warnings === '' ? rest : warnings + (rest ?? ''));
  if (manifest.api === undefined) {
    await log.flush();
    return { manifest, standardFeatures, log: logOf(null) };
  }
  await checkApiHostJson(join(staging, 'api'), 'api/host.json');
  const modules = await resolveApiModules(ctx, join(staging, 'api'), (line) => log.line(line), where);
  await log.flush();
  if (modules === undefined) {
    return { manifest, standardFeatures, log: logOf(null) };
  }
  return {
    manifest: { app: manifest.app, api: [...manifest.api, ...modules.files] },
    standardFeatures,
    log: logOf(modules.log),
  };
}

/**
 * Validates the deployed config like `portico start` does, plus the plan rules and the app settings its
 * sign-in registrations name (the site owner reads no server log); returns its Standard features and its
 * warnings (lines, each ending with a newline; '' without any).
 */
async function checkConfig(
  ctx: ControlContext,
  appDir: string,
  site: Site,
  environmentId: string,
): Promise<{ standardFeatures: readonly string[]; warnings: string }> {
  const loaded = await loadConfig({ appDir });
  if (!loaded.ok) {
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error').map(inServeWords);
    throw new PorticoError(
      'DEPLOY_CONFIG_INVALID',
      `The deploy was rejected because staticwebapp.config.json is invalid; ${PREVIOUS_KEEPS_SERVING}:\n${formatDiagnostics(inUpload(errors, appDir))}`,
      { details: errors.map((d) => ({ path: d.path, message: d.message })) },
    );
  }
  const features = loaded.config.standardOnlyFeatures;
  if (site.sku === 'Free' && features.length > 0) {
    throw new PorticoError(
      'DEPLOY_CONFIG_INVALID',
      `The deploy was rejected: ${features.join(', ')} need${features.length === 1 ? 's' : ''} the Standard plan and '${site.name}' is on Free. Run portico site plan ${site.name} standard, or remove ${features.length === 1 ? 'it' : 'them'}.`,
      { details: features.map((path) => ({ path, message: 'needs the Standard plan' })) },
    );
  }
  const warnings = [
    ...loaded.diagnostics.filter((d) => d.severity === 'warning'),
    ...(await missingSettingsOf(ctx, site, environmentId, loaded.config.auth, loaded.file)),
  ];
  return {
    standardFeatures: features,
    warnings: warnings.length === 0 ? '' : `${formatDiagnostics(inUpload(warnings, appDir))}\n`,
  };
}

/** A warning for each app setting the config's sign-in registrations name that the environment lacks. */
async function missingSettingsOf(
  ctx: ControlContext,
  site: Site,
  environmentId: string,
  auth: AuthConfig,
  file: string | undefined,
): Promise<Diagnostic[]> {
  if (providerSettings(auth).length === 0) {
    return [];
  }
  const [settings, env] = await Promise.all([
    readSettings(ctx, environmentId),
    ctx.db.selectFrom('environments').select('name').where('id', '=', environmentId).executeTakeFirst(),
  ]);
  const command = `portico settings set --site ${site.name} --env ${env?.name ?? 'production'}`;
  return missingProviderSettings(auth, settings, command).map((d) =>
    file === undefined ? d : { ...d, file },
  );
}

/**
 * Diagnostics with their files named as in the upload (`app/staticwebapp.config.json`, `app` for the
 * folder itself), never by where the server stages them: nobody learns the data folder's paths
 * (docs/security.md).
 */
/** A diagnostic worded for `portico start` (the developer's machine), in words for the service. */
function inServeWords(diagnostic: Diagnostic): Diagnostic {
  return diagnostic.message === PROVIDER_URL_ERROR
    ? { ...diagnostic, message: PROVIDER_URL_ERROR_SERVE }
    : diagnostic;
}

function inUpload(diagnostics: readonly Diagnostic[], appDir: string): Diagnostic[] {
  return diagnostics.map((diagnostic) => {
    if (diagnostic.file === undefined) {
      return diagnostic;
    }
    const path = relative(appDir, diagnostic.file);
    const inside = !path.startsWith('..') && !isAbsolute(path);
    return { ...diagnostic, file: inside ? posix.join('app', ...path.split(sep)) : 'app' };
  });
}

/**
 * Makes the checked deployment the environment's live one. With `restart`, the nodes rebuild what serves
 * the environment (a change is recorded); without it they keep it, which only content identical to what
 * they serve allows.
 */
async function activate(
  ctx: ControlContext,
  deployment: Deployment,
  checked: CheckedContent,
  options: { readonly restart: boolean },
): Promise<Deployment> {
  const now = ctx.now().toISOString();
  const hostname = await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('deployments')
      .set({
        status: 'Succeeded',
        // A commit that began within the hour succeeds even if the upload expired meanwhile.
        error: null,
        manifest: JSON.stringify(checked.manifest),
        standard_features: JSON.stringify(checked.standardFeatures),
        log: checked.log,
        completed_at: now,
      })
      .where('id', '=', deployment.id)
      .execute();
    const env = await trx
      .updateTable('environments')
      .set({ active_deployment_id: deployment.id, updated_at: now })
      .where('id', '=', deployment.environmentId)
      .returning('hostname')
      .executeTakeFirst();
    if (env === undefined) {
      // Its environment (or site) was deleted while this commit ran: nothing of it stays.
      throw new PorticoError(
        'DEPLOY_NOT_FOUND',
        `The environment of deployment ${deployment.id} was deleted while it was being committed; nothing was deployed.`,
      );
    }
    return env.hostname;
  });
  if (options.restart) {
    await recordChange(ctx, hostname);
  }
  await pruneDeployments(ctx, deployment.environmentId);
  return {
    ...deployment,
    status: 'Succeeded',
    manifest: checked.manifest,
    standardFeatures: checked.standardFeatures,
    log: checked.log,
    completedAt: now,
  };
}

/** True when the environment has a live deployment (true when that cannot be read: the usual case). */
async function hasLiveDeployment(ctx: ControlContext, environmentId: string): Promise<boolean> {
  const env = await ctx.db
    .selectFrom('environments')
    .select('active_deployment_id')
    .where('id', '=', environmentId)
    .executeTakeFirst()
    .catch(() => undefined);
  return env === undefined || env.active_deployment_id !== null;
}

async function markFailed(ctx: ControlContext, id: string, error: unknown, live: boolean): Promise<void> {
  // A system error's message may name the server's files (ENOSPC, '/…/cache/…'): the deployment, which
  // the site's owner reads, keeps only that it failed; the server's log has the rest (docs/security.md).
  const message = isUserError(error)
    ? errorMessage(error)
    : `The deploy failed on the server (an internal error; its log has the details); ${PREVIOUS_KEEPS_SERVING}. Deploy again.`;
  await ctx.db
    .updateTable('deployments')
    .set({
      status: 'Failed',
      error: restateFailureMessage(message, live),
      completed_at: ctx.now().toISOString(),
    })
    .where('id', '=', id)
    .execute()
    .catch((cause: unknown) => ctx.logger.error(`cannot mark deployment ${id} failed: ${String(cause)}`));
}

/**
 * Keeps of an environment's deployments: the live one; the newest {@link KEPT_DEPLOYMENTS} successful
 * ones; the newest deployment of each of the newest {@link KEPT_DEPLOYMENTS} distinct contents (so
 * repeated unchanged deploys never push out the versions rollback goes back to, decision 0081); and the
 * newest {@link KEPT_DEPLOYMENTS} failed ones. At most 2 × 5 + 1 successful deployments stay.
 */
async function pruneDeployments(ctx: ControlContext, environmentId: string): Promise<void> {
  const rows = await ctx.db
    .selectFrom('deployments')
    .select(['id', 'status', 'content_key'])
    .where('environment_id', '=', environmentId)
    .orderBy('created_at', 'desc')
    .execute();
  const env = await ctx.db
    .selectFrom('environments')
    .select('active_deployment_id')
    .where('id', '=', environmentId)
    .executeTakeFirst();
  const succeeded = rows.filter((r) => r.status === 'Succeeded');
  const kept = new Set([
    ...succeeded.slice(0, KEPT_DEPLOYMENTS).map((r) => r.id),
    ...newestOfEachContent(succeeded).slice(0, KEPT_DEPLOYMENTS),
    ...rows
      .filter((r) => r.status === 'Failed')
      .slice(0, KEPT_DEPLOYMENTS)
      .map((r) => r.id),
    ...(env?.active_deployment_id ? [env.active_deployment_id] : []),
  ]);
  const gone = rows.filter((r) => r.status !== 'Uploading' && !kept.has(r.id)).map((r) => r.id);
  if (gone.length > 0) {
    await ctx.db.deleteFrom('deployments').where('id', 'in', gone).execute();
  }
}

/** The ids of the newest deployment of each content, newest first (rows without a key count as distinct). */
function newestOfEachContent(
  newestFirst: readonly { readonly id: string; readonly content_key: string | null }[],
): string[] {
  const seen = new Set<string>();
  return newestFirst
    .filter((row) => {
      const key = row.content_key ?? row.id;
      const first = !seen.has(key);
      seen.add(key);
      return first;
    })
    .map((row) => row.id);
}

/** The deployments of an environment, newest first. */
export async function listDeployments(
  ctx: ControlContext,
  site: Site,
  environmentName: string,
): Promise<Deployment[]> {
  const environment = await getEnvironment(ctx, site, environmentName);
  await expireUploads(ctx, environment.id);
  const rows = await ctx.db
    .selectFrom('deployments')
    .selectAll()
    .where('environment_id', '=', environment.id)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map(toDeployment);
}

/**
 * The status of the newest deployment of each environment (after expiring stale uploads), for the
 * build status of environments that serve nothing yet.
 */
export async function latestDeploymentStatuses(
  ctx: ControlContext,
  environmentIds: readonly string[],
): Promise<Map<string, DeploymentsTable['status']>> {
  if (environmentIds.length === 0) {
    return new Map();
  }
  await expireUploads(ctx);
  const rows = await ctx.db
    .selectFrom('deployments')
    .select(['environment_id', 'status'])
    .where('environment_id', 'in', environmentIds)
    .orderBy('created_at', 'asc')
    .execute();
  return new Map(rows.map((row) => [row.environment_id, row.status]));
}

/**
 * Makes an earlier successful deployment live again (default: the newest one before the live one with
 * other content, so an unchanged redeploy does not hide the change it repeats).
 */
/**
 * Refuses a request that names a site other than its deployment token's: a stale token left in a CI
 * shell (`SWA_CLI_DEPLOYMENT_TOKEN`) would otherwise deploy to, or roll back, another site than the one
 * the command names. Nothing is changed before this check. An empty name (`?site=`, a workflow input
 * left empty) names no site, as if it were absent.
 */
export function checkTokenSite(site: Site, named: unknown): void {
  if (typeof named === 'string' && named.trim() !== '' && named.toLowerCase() !== site.name.toLowerCase()) {
    throw new PorticoError(
      'DEPLOY_SITE_MISMATCH',
      `The deployment token belongs to the site '${site.name}', not '${named.slice(0, 80)}'; nothing was changed. Use the deployment token of '${named.slice(0, 80)}'.`,
    );
  }
}

export async function rollbackDeployment(
  ctx: ControlContext,
  site: Site,
  environmentName: string,
  deploymentId?: string,
): Promise<Deployment> {
  const environment = await getEnvironment(ctx, site, environmentName);
  const succeeded = (await listDeployments(ctx, site, environmentName)).filter(
    (d) => d.status === 'Succeeded',
  );
  const active = succeeded.find((d) => d.id === environment.activeDeploymentId);
  const candidates = succeeded.filter((d) => d !== active);
  const target =
    deploymentId !== undefined
      ? candidates.find((d) => d.id === deploymentId)
      : active === undefined
        ? candidates[0]
        : wentLiveBefore(candidates, active);
  if (target === undefined) {
    throw new PorticoError(
      'DEPLOY_NOTHING_TO_ROLL_BACK',
      deploymentId === undefined
        ? `The ${environmentName} environment of '${site.name}' has no earlier successful deployment to restore.`
        : `Deployment ${deploymentId} is not an earlier successful deployment of ${environmentName}; see portico deploy list --site ${site.name}.`,
    );
  }
  await checkContentForLinkedEnvironment(ctx, environment.id, target);
  await ctx.db
    .updateTable('environments')
    .set({ active_deployment_id: target.id, updated_at: ctx.now().toISOString() })
    .where('id', '=', environment.id)
    .execute();
  await recordChange(ctx, environment.hostname);
  return target;
}

/**
 * The deployment that went live last before `active` with other content: by commit time, not creation
 * (of two deploys that overlapped, the one started first may have gone live last).
 */
function wentLiveBefore(candidates: readonly Deployment[], active: Deployment): Deployment | undefined {
  const liveSince = (d: Deployment) => d.completedAt ?? d.createdAt;
  return candidates
    .filter((d) => liveSince(d) < liveSince(active) && !isSameContent(d, active))
    .sort((a, b) => liveSince(b).localeCompare(liveSince(a)))[0];
}

function isSameContent(a: Deployment, b: Deployment): boolean {
  return a.contentKey !== null && a.contentKey === b.contentKey;
}

/** The deployment with this id (any site), for the data plane. */
export async function readDeployment(ctx: ControlContext, id: string): Promise<Deployment | undefined> {
  const row = await ctx.db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toDeployment(row);
}

/**
 * Marks the expired uploads (of one environment, or all) `Failed` with the reason; when any expired,
 * sweeps the contents nothing else uses any more. Returns how many expired.
 */
export async function expireUploads(ctx: ControlContext, environmentId?: string): Promise<number> {
  const cutoff = new Date(ctx.now().getTime() - uploadExpiryOf(ctx)).toISOString();
  let query = ctx.db
    .updateTable('deployments')
    .set({ status: 'Failed', error: expiredUploadMessage(ctx), completed_at: ctx.now().toISOString() })
    .where('status', '=', 'Uploading')
    .where('created_at', '<', cutoff);
  if (environmentId !== undefined) {
    query = query.where('environment_id', '=', environmentId);
  }
  const expired = Number((await query.executeTakeFirst()).numUpdatedRows);
  if (expired > 0) {
    ctx.logger.info(`${expired} upload(s) expired without a commit; their files were released`);
    // An expiry of E is a safe grace here: whoever last used a content more than E ago was an upload
    // that has expired by now (or a deployment that went live and holds it).
    await sweepUnusedContents(ctx, uploadExpiryOf(ctx));
  }
  return expired;
}
