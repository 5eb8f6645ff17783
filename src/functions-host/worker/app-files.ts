/**
 * Reading the app's `package.json` and `host.json` (spec §3 step 1, §8.1). Only `main` and `type` matter
 * in package.json; non-string values are dropped, as the worker's `parsePackageJson` does.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRecord } from '../../shared/guards.js';
import { parseJsonText, parseJsonWithComments } from '../../shared/json-text.js';
import { WorkerLoadError } from './errors.js';
import { asString } from './guards.js';

/** The fields of package.json the worker uses. */
export interface PackageJson {
  main?: string;
  type?: string;
}

/** Reads `<appDir>/package.json`; a missing file is an empty object, invalid JSON an error. */
export async function readPackageJson(appDir: string): Promise<PackageJson> {
  const text = await readOptional(join(appDir, 'package.json'));
  if (text === undefined) {
    return {};
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    // Without it the app has no `main`: its functions would vanish behind a misleading "no main".
    throw new WorkerLoadError(
      'FUNCTIONS_INVALID_METADATA',
      `package.json is not valid JSON (${parsed.reason}); fix it.`,
    );
  }
  const record = isRecord(parsed.value) ? parsed.value : {};
  return dropUndefined({ main: asString(record.main), type: asString(record.type) });
}

function dropUndefined(packageJson: PackageJson): PackageJson {
  return Object.fromEntries(Object.entries(packageJson).filter(([, value]) => value !== undefined));
}

/** The default `extensions.http.routePrefix` of the Functions host. */
export const DEFAULT_ROUTE_PREFIX = 'api';

/**
 * Reads `extensions.http.routePrefix` from `<appDir>/host.json` and requires it to equal `required`
 * (Static Web Apps serves functions under `/api` only).
 */
export async function resolveRoutePrefix(appDir: string, required: string): Promise<string> {
  const prefix = await readRoutePrefix(appDir);
  if (prefix.toLowerCase() !== required.toLowerCase()) {
    throw new WorkerLoadError(
      'FUNCTIONS_ROUTE_PREFIX',
      `host.json sets extensions.http.routePrefix to "${prefix}", but Static Web Apps requires "${required}": ` +
        `remove the setting or set it to "${required}" in host.json.`,
    );
  }
  return prefix;
}

async function readRoutePrefix(appDir: string): Promise<string> {
  const prefix = httpSettingsOf(await readHostJson(appDir)).routePrefix;
  return typeof prefix === 'string' ? prefix.replace(/^\/+|\/+$/g, '') : DEFAULT_ROUTE_PREFIX;
}

/**
 * Warnings for host.json settings the Functions host applies and Portico does not: `functionTimeout`
 * (the API timeout, Static Web Apps' 45 s limit by default, ends every /api request instead) and
 * `extensions.http.customHeaders` (not added to responses). Said at load, as they would otherwise be
 * ignored without a word (decision 0100).
 */
export async function hostJsonWarnings(appDir: string): Promise<string[]> {
  const hostJson = await readHostJson(appDir);
  const warnings: string[] = [];
  if (isRecord(hostJson) && hostJson.functionTimeout !== undefined) {
    warnings.push(
      `host.json sets functionTimeout to ${JSON.stringify(hostJson.functionTimeout)}, which Portico does not apply: every /api request gets 500 "Backend call failure" once the API timeout has passed (45 s by default, as on Static Web Apps), whatever the function's own timeout. Remove the setting, or end long work within the API timeout.`,
    );
  }
  const headers = httpSettingsOf(hostJson).customHeaders;
  if (isRecord(headers) && Object.keys(headers).length > 0) {
    warnings.push(
      `host.json sets extensions.http.customHeaders (${Object.keys(headers).join(', ')}), which Portico does not add to responses: set these headers in the functions' responses instead.`,
    );
  }
  return warnings;
}

/** The parsed host.json, or `undefined` without one; invalid JSON is a load error. */
async function readHostJson(appDir: string): Promise<unknown> {
  const path = join(appDir, 'host.json');
  const text = await readOptional(path);
  if (text === undefined) {
    return undefined;
  }
  const result = parseJsonWithComments(text);
  if (!result.ok) {
    throw new WorkerLoadError(
      'FUNCTIONS_INVALID_METADATA',
      `host.json is not valid JSON (${result.reason}); fix it.`,
    );
  }
  return result.value;
}

function httpSettingsOf(hostJson: unknown): Record<string, unknown> {
  const extensions = isRecord(hostJson) ? hostJson.extensions : undefined;
  const http = isRecord(extensions) ? extensions.http : undefined;
  return isRecord(http) ? http : {};
}

/** Reads a UTF-8 file, or `undefined` when it does not exist. */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isRecord(error) && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) {
      return undefined;
    }
    throw error;
  }
}
