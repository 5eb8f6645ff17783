/**
 * Serves the web portal on the admin listener: `/` (the page) and `/portal/<file>` (its scripts and
 * styles). The files are read once, when the handler is created, into a map keyed by file name, so only
 * those exact names can ever be served (no path from a request reaches the file system). Everything is
 * sent with a strict Content-Security-Policy: the portal is plain ES modules with no inline script or
 * style and no external resources, so it works offline and API data can never run as code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PorticoError } from '../shared/errors.js';
import { errorMessage } from '../shared/guards.js';
import { sha256Hex } from '../shared/hash.js';
import type { Logger } from '../shared/logger.js';

/** Options of {@link createPortalHandler}. */
export interface PortalHandlerOptions {
  /** Told when the portal's files cannot be read (the API keeps working without them). */
  readonly logger?: Logger;
  /** The folder of the portal's files; default `src/portal/assets` of this installation (for tests). */
  readonly assetsDir?: string;
}

/** The security headers of every answer (docs/portal.md, "Security"). */
export const PORTAL_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Files of npm packages the portal uses, by the name they are served under: uPlot for the traffic
 * charts (decision 0032), as the package ships it (an ES module and its stylesheet, no build step).
 */
const PACKAGE_ASSETS: Readonly<Record<string, string>> = {
  'uplot.js': 'uplot/dist/uPlot.esm.js',
  'uplot.css': 'uplot/dist/uPlot.min.css',
};

/** URL prefix of the portal's files. */
const ASSET_PREFIX = '/portal/';

interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

/**
 * Creates the request listener of the portal, for `createManagementHandler({ fallback })`.
 *
 * @example
 * createManagementHandler({ ...options, fallback: createPortalHandler({ logger }) });
 */
export function createPortalHandler(
  options: PortalHandlerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const dir = options.assetsDir ?? fileURLToPath(new URL('../../src/portal/assets/', import.meta.url));
  const assets = readAssets(dir, options.logger);
  return (req, res) => {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://admin.invalid').pathname;
    const asset = matchAsset(assets, path);
    if (asset === undefined) {
      sendNotFound(res, method, path, assets.size === 0);
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      sendMethodNotAllowed(res, method);
      return;
    }
    sendAsset(req, res, asset, method === 'HEAD');
  };
}

/** Reads the portal's files (one folder, no subfolders) into memory; a missing folder is logged. */
function readAssets(dir: string, logger: Logger | undefined): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const contentType = CONTENT_TYPES[extname(entry.name)];
      if (entry.isFile() && contentType !== undefined) {
        const body = readFileSync(join(dir, entry.name));
        assets.set(entry.name, { body, contentType, etag: etagOf(body) });
      }
    }
  } catch (error) {
    logger?.warn(
      `the portal's files cannot be read from ${dir} (${errorMessage(error)}); the admin API works without them, reinstall Portico to get the portal back.`,
    );
    return assets;
  }
  readPackageAssets(assets, logger);
  return assets;
}

/** Adds {@link PACKAGE_ASSETS}; a missing package is logged (its screens say the chart is missing). */
function readPackageAssets(assets: Map<string, Asset>, logger: Logger | undefined): void {
  const require = createRequire(import.meta.url);
  for (const [name, specifier] of Object.entries(PACKAGE_ASSETS)) {
    const contentType = CONTENT_TYPES[extname(name)];
    try {
      const body = readFileSync(require.resolve(specifier));
      assets.set(name, { body, contentType: contentType ?? 'application/octet-stream', etag: etagOf(body) });
    } catch (error) {
      logger?.warn(
        `the portal cannot serve ${name} from the npm package ${specifier.split('/')[0]} (${errorMessage(error)}); charts stay empty until it is installed (npm install).`,
      );
    }
  }
}

function etagOf(body: Buffer): string {
  return `"${sha256Hex(body).slice(0, 32)}"`;
}

/** `/` is the page; `/portal/<name>` is one of the files, by exact (undecoded) name. */
function matchAsset(assets: ReadonlyMap<string, Asset>, path: string): Asset | undefined {
  if (path === '/') {
    return assets.get('index.html');
  }
  if (!path.startsWith(ASSET_PREFIX)) {
    return undefined;
  }
  const name = path.slice(ASSET_PREFIX.length);
  return name.includes('/') ? undefined : assets.get(name);
}

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset, head: boolean): void {
  const headers = {
    ...PORTAL_SECURITY_HEADERS,
    'content-type': asset.contentType,
    'cache-control': 'no-cache',
    etag: asset.etag,
  };
  if (isFresh(req.headers['if-none-match'], asset.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': asset.body.length });
  res.end(head ? undefined : asset.body);
}

/** RFC 9110 §13.1.2: If-None-Match matches on `*` or on any listed tag, compared weakly. */
function isFresh(header: string | undefined, etag: string): boolean {
  if (header === undefined) {
    return false;
  }
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}

function sendMethodNotAllowed(res: ServerResponse, method: string): void {
  res.setHeader('allow', 'GET, HEAD');
  sendError(
    res,
    method,
    new PorticoError(
      'CONTROL_METHOD_NOT_ALLOWED',
      `${method} is not supported here; the portal's pages answer GET and HEAD.`,
    ),
  );
}

function sendNotFound(res: ServerResponse, method: string, path: string, missing: boolean): void {
  const message =
    missing && (path === '/' || path.startsWith(ASSET_PREFIX))
      ? "The portal's files are missing from this installation; reinstall Portico. The API is described by /openapi.json."
      : `No page or API route ${method} ${path}; the portal is at / and the API is described by /openapi.json.`;
  sendError(res, method, new PorticoError('CONTROL_NOT_FOUND', message));
}

/** The management API's one error shape, `{ error: { code, message } }`. */
function sendError(res: ServerResponse, method: string, error: PorticoError): void {
  const text = JSON.stringify({ error: { code: error.code, message: error.message } });
  res.writeHead(error.status, {
    ...PORTAL_SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(method === 'HEAD' ? undefined : text);
}
