/**
 * The API folder a function app runs, uploaded like a deploy's API part: list the files, upload the
 * contents the server lacks, then set the list. Dependencies are installed once, when the list is set,
 * and the installed modules become part of the stored content (so every node runs the same files).
 */

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PorticoError } from '../../shared/errors.js';
import { sha256Hex } from '../../shared/hash.js';
import * as z from '../../shared/zod.js';
import { checkApiHostJson } from '../api-host.js';
import { resolveApiModules } from '../api-modules.js';
import { stageDeployment } from '../content.js';
import { type ControlContext, recordChange } from '../context.js';
import {
  checkManifestPaths,
  MAX_FUNCTION_BYTES,
  type ManifestFile,
  manifestFileSchema,
  manifestIssues,
} from '../manifest.js';
import { APP_CHANGE_PREFIX, type BackendApp } from './apps.js';

const bodySchema = z.object({ api: z.array(manifestFileSchema).min(1).max(100_000) }).strict();

/** Parses `{ api: ManifestFile[] }` with the deploy's path and size rules. */
export function parseFunctionContent(body: unknown): ManifestFile[] {
  const parsed = bodySchema.safeParse(body);
  if (!parsed.success) {
    const details = manifestIssues(parsed.error);
    throw new PorticoError(
      'DEPLOY_MANIFEST_INVALID',
      `The function app content list is invalid: ${details[0]?.path}: ${details[0]?.message}`,
      { details },
    );
  }
  const files = parsed.data.api;
  checkManifestPaths('api', files);
  const total = files.reduce((sum, file) => sum + file.size, 0);
  if (total > MAX_FUNCTION_BYTES) {
    throw new PorticoError(
      'DEPLOY_TOO_LARGE',
      `The size of the function content was too large. The limit is ${MAX_FUNCTION_BYTES} bytes.`,
    );
  }
  return files;
}

function requireFunctionApp(app: BackendApp): void {
  if (app.kind !== 'functionapp') {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      `'${app.name}' is a ${app.kind}; only function apps have content.`,
    );
  }
}

/** The SHA-256 of the listed contents the server does not have yet. */
export async function missingFunctionContent(
  ctx: ControlContext,
  app: BackendApp,
  files: readonly ManifestFile[],
): Promise<string[]> {
  requireFunctionApp(app);
  return ctx.blobs.missing([...new Set(files.map((file) => file.sha256))]);
}

/** Stores one uploaded content after checking its hash. */
export async function uploadFunctionContent(
  ctx: ControlContext,
  app: BackendApp,
  sha256: string,
  data: Buffer,
): Promise<void> {
  requireFunctionApp(app);
  const actual = sha256Hex(data);
  if (actual !== sha256) {
    throw new PorticoError(
      'DEPLOY_FILE_MISMATCH',
      `The upload does not match its SHA-256 (expected ${sha256}, got ${actual}); upload the file again.`,
    );
  }
  await ctx.blobs.put(sha256, data);
}

/** Makes the listed files the function app's content (after installing its dependencies); every node reloads it. */
export async function setFunctionContent(
  ctx: ControlContext,
  app: BackendApp,
  files: readonly ManifestFile[],
): Promise<void> {
  requireFunctionApp(app);
  const missing = await ctx.blobs.missing(files.map((file) => file.sha256));
  if (missing.length > 0) {
    throw new PorticoError(
      'DEPLOY_INCOMPLETE',
      `${missing.length} file(s) have not been uploaded yet; upload them, then set the content again.`,
    );
  }
  const staging = await stageDeployment(ctx, `functionapp-${app.id}`, { app: [], api: [...files] });
  try {
    await checkApiHostJson(join(staging, 'api'), 'host.json');
    const modules = await resolveApiModules(ctx, join(staging, 'api'));
    const content = JSON.stringify([...files, ...(modules?.files ?? [])]);
    await ctx.db
      .updateTable('backend_apps')
      .set({ content, updated_at: ctx.now().toISOString() })
      .where('id', '=', app.id)
      .execute();
    await recordChange(ctx, `${APP_CHANGE_PREFIX}${app.id}`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The stored content list of a function app (empty when none was set). */
export async function readFunctionContent(ctx: ControlContext, appId: string): Promise<ManifestFile[]> {
  const row = await ctx.db
    .selectFrom('backend_apps')
    .select('content')
    .where('id', '=', appId)
    .executeTakeFirst();
  return row?.content == null ? [] : (JSON.parse(row.content) as ManifestFile[]);
}
