/**
 * The list of files a deploy sends (`{ environment, app: [file], api?: [file] }`), checked before anything
 * is stored: safe relative paths, no duplicates, hashes, and the limits of spec §5.
 */

import { PorticoError } from '../shared/errors.js';
import { sha256Hex } from '../shared/hash.js';
import { clip } from '../shared/quote.js';
import * as z from '../shared/zod.js';
import type { Sku } from './sites.js';

/** One file of a deployment. */
export interface ManifestFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/** The files of a deployment: static content and, optionally, the API. */
export interface Manifest {
  readonly app: readonly ManifestFile[];
  readonly api?: readonly ManifestFile[];
}

/** App content limits of the plans, in bytes (spec §5: 250 MB and 500 MB, Azure counts MiB). */
export const APP_SIZE_LIMITS: Readonly<Record<Sku, number>> = { Free: 262_144_000, Standard: 524_288_000 };
/** Files an app may have (spec §5). */
export const MAX_APP_FILES = 15_000;
/** Size limit of the API content (spec §3: 30 MiB). */
export const MAX_FUNCTION_BYTES = 31_457_280;

/** One file as a request lists it (a deploy's, a function app's content): path, size and SHA-256. */
export const manifestFileSchema = z
  .object({
    path: z
      .string('expected a relative path such as "css/site.css"')
      .min(1, 'expected a relative path such as "css/site.css", not an empty one')
      .max(1024, 'expected a path of at most 1024 characters'),
    size: z
      .number('expected the size in bytes, a whole number')
      .int('expected the size in bytes, a whole number')
      .min(0, 'expected the size in bytes, a whole number ≥ 0')
      .max(Number.MAX_SAFE_INTEGER),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits'),
  })
  .strict();

const requestSchema = z
  .object({
    environment: z.string().default('production'),
    /** The site the caller means; the token's site must be it (`checkTokenSite`). */
    site: z.string().max(256).optional(),
    app: z.array(manifestFileSchema).max(1_000_000),
    api: z.array(manifestFileSchema).max(1_000_000).optional(),
  })
  .strict();

/** The problems of a request body that failed its schema, as the error's `details` (`(body)` for the whole). */
export function manifestIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message }));
}

/** A checked deployment request. */
export interface DeploymentRequest {
  readonly environment: string;
  readonly site?: string;
  readonly manifest: Manifest;
}

/** Parses and checks the body of `POST /deploy/v1/deployments` against the site's plan. */
export function parseDeploymentRequest(body: unknown, sku: Sku): DeploymentRequest {
  const parsed = requestSchema.safeParse(body);
  if (!parsed.success) {
    const details = manifestIssues(parsed.error);
    throw new PorticoError(
      'DEPLOY_MANIFEST_INVALID',
      `The deployment request is invalid:\n${details.map((d) => `  ${d.path}: ${d.message}`).join('\n')}`,
      { details },
    );
  }
  const { environment, site, app, api } = parsed.data;
  if (app.length === 0) {
    // Azure deploys no site without content, and a commit would find no app folder to check.
    const message =
      'lists no file; a deployment needs at least one file of the built front end (e.g. index.html)';
    throw new PorticoError('DEPLOY_MANIFEST_INVALID', `The deployment request is invalid: app ${message}.`, {
      details: [{ path: 'app', message }],
    });
  }
  checkManifestPaths('app', app);
  if (api !== undefined) {
    checkManifestPaths('api', api);
  }
  checkLimits(app, api ?? [], sku);
  return {
    environment,
    ...(site === undefined ? {} : { site }),
    manifest: api === undefined ? { app } : { app, api },
  };
}

/**
 * Checks the paths of one part of a manifest (`app`, `api`): each a safe relative path, none listed
 * twice, and none both a file and a folder (`a` and `a/b`), which no file system can hold. Paths are
 * compared exactly: Portico's file sources are case-sensitive like Azure's, so `A` and `a/b` may both be
 * deployed. Throws a 400 naming the paths.
 */
export function checkManifestPaths(part: string, files: readonly ManifestFile[]): void {
  const index = new Map<string, number>();
  for (const [i, file] of files.entries()) {
    const problem = describeBadPath(file.path) ?? (index.has(file.path) ? 'is listed twice' : undefined);
    if (problem !== undefined) {
      throw badPath(`${part}[${i}].path`, `'${clip(file.path)}' ${problem}`);
    }
    index.set(file.path, i);
  }
  for (const [i, file] of files.entries()) {
    const folder = foldersOf(file.path).find((candidate) => index.has(candidate));
    if (folder !== undefined) {
      throw badPath(
        `${part}[${i}].path`,
        `'${clip(file.path)}' is inside '${clip(folder)}', which ${part}[${index.get(folder)}] lists as a file; a path cannot be both a file and a folder. Rename one of them`,
      );
    }
  }
}

/** `a/b/c` → `a`, `a/b`. */
function foldersOf(path: string): string[] {
  const segments = path.split('/');
  return segments.slice(1).map((_, i) => segments.slice(0, i + 1).join('/'));
}

function badPath(path: string, message: string): PorticoError {
  return new PorticoError('DEPLOY_MANIFEST_INVALID', `${path} ${message}.`, { details: [{ path, message }] });
}

/** Why a manifest path is unsafe, or undefined when it is a plain relative `/`-separated path. */
export function describeBadPath(path: string): string | undefined {
  if (path.includes('\\') || path.includes('\0')) {
    return "must use '/' separators and no NUL characters";
  }
  const segments = path.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    return "must be relative, without empty, '.' or '..' segments";
  }
  const long = segments.find((s) => Buffer.byteLength(s) > MAX_NAME_BYTES);
  if (long !== undefined) {
    return `has a name of ${Buffer.byteLength(long)} bytes ('${clip(long, 40)}'); file and folder names may have at most ${MAX_NAME_BYTES} bytes (UTF-8), as on the server's disk`;
  }
  return undefined;
}

/** The longest file or folder name most file systems take (ext4, XFS, APFS: 255 bytes). */
const MAX_NAME_BYTES = 255;

function checkLimits(app: readonly ManifestFile[], api: readonly ManifestFile[], sku: Sku): void {
  const appBytes = sum(app);
  if (appBytes > APP_SIZE_LIMITS[sku]) {
    throw new PorticoError(
      'DEPLOY_TOO_LARGE',
      `The content server has rejected the request with: BadRequest Reason: The size of the app content was too large. The limit for this Static Web App is ${APP_SIZE_LIMITS[sku]} bytes. (This deploy has ${appBytes} bytes${sku === 'Free' ? '; the Standard plan allows 524288000' : ''}.)`,
    );
  }
  if (app.length > MAX_APP_FILES) {
    throw new PorticoError(
      'DEPLOY_TOO_MANY_FILES',
      `The content server has rejected the request with: BadRequest Reason: The number of static files was too large. The limit for this Static Web App is ${MAX_APP_FILES} files. (This deploy has ${app.length}.)`,
    );
  }
  const apiBytes = sum(api);
  if (apiBytes > MAX_FUNCTION_BYTES) {
    throw new PorticoError(
      'DEPLOY_TOO_LARGE',
      `The content server has rejected the request with: BadRequest Reason: The size of the function content was too large. The limit for this static site is ${MAX_FUNCTION_BYTES} bytes. (This deploy has ${apiBytes} bytes${howToShrinkApi(api)})`,
    );
  }
}

/**
 * How to bring an API under the limit: node_modules (often with devDependencies installed for local
 * work) left out, so the server installs package.json's dependencies, said the way that never sends the
 * user back here from a failed install (install.ts says the same in reverse).
 */
function howToShrinkApi(api: readonly ManifestFile[]): string {
  const modules = sum(api.filter((file) => file.path.startsWith('node_modules/')));
  const funcignore = "the API's .funcignore (gitignore syntax; portico deploy honours it)";
  if (modules === 0) {
    return `; leave out what the API does not need at run time by naming it in ${funcignore}.)`;
  }
  return `, ${modules} of them in node_modules; add node_modules/ to ${funcignore} and the server installs package.json's dependencies (npm install --omit=dev), or ship only the production dependencies: npm install --omit=dev in the API folder.)`;
}

function sum(files: readonly ManifestFile[]): number {
  return files.reduce((total, file) => total + file.size, 0);
}

/** Every distinct hash of a manifest. */
export function manifestHashes(manifest: Manifest): string[] {
  return [...new Set([...manifest.app, ...(manifest.api ?? [])].map((f) => f.sha256))];
}

/**
 * The content key of a manifest as a deploy sent it: equal keys mean the same files at the same paths
 * (and, with an API, the same Node.js, which decides its installed dependencies), whatever the order.
 * An unchanged deploy is recognised by it (docs/decisions/0030-unchanged-deploys.md).
 */
export function contentKeyOf(manifest: Manifest): string {
  const canonical = (files: readonly ManifestFile[]) =>
    files.map((f) => `${f.sha256} ${f.size} ${f.path}`).sort();
  const api = manifest.api === undefined ? null : canonical(manifest.api);
  const runtime = api === null ? null : `${process.version} ${process.platform} ${process.arch}`;
  return sha256Hex(JSON.stringify([canonical(manifest.app), api, runtime]));
}
