/**
 * Operations of Azure's management API that Portico does not have: a path of a resource provider Portico
 * implements (`Microsoft.Web`, `Microsoft.ApiManagement`, `Microsoft.App`) that no route matches, or a
 * `PATCH` (Azure's `Update`) of a resource whose other methods Portico has, is one it lacks: 501
 * `CONTROL_NOT_SUPPORTED` naming it, not a 404 like a missing resource nor a 405, so that a script tells
 * them apart (docs/rest-api.md, "Operations Portico does not have").
 */
import { PorticoError } from '../../shared/errors.js';
import { clip } from '../../shared/quote.js';
import { decodedPath } from './params.js';

/** A path of a provider Portico has, at subscription or resource-group level, with something after it. */
const PROVIDER_PATH =
  /^\/subscriptions\/[^/]+(?:\/resourceGroups\/[^/]+)?\/providers\/(?=(?:Microsoft\.Web|Microsoft\.ApiManagement|Microsoft\.App)\/[^/])/i;

/**
 * The 501 for `method` on `path` (as sent, still percent-encoded) when it is an operation of Azure's that
 * Portico lacks; undefined otherwise. `allowed` lists the methods the path has, if any.
 */
export function notSupportedError(
  method: string,
  path: string,
  allowed: readonly string[],
): PorticoError | undefined {
  const provider = PROVIDER_PATH.exec(path);
  if (provider === null || path.includes('//') || path.endsWith('/')) {
    return undefined;
  }
  if (allowed.length > 0 && method !== 'PATCH') {
    return undefined;
  }
  const operation = `${method} …/${clip(decodedPath(path.slice(provider[0].length)), 200)}`;
  const instead =
    allowed.length === 0
      ? 'if the path is mistyped, /openapi.json and docs/rest-api.md list the operations Portico has'
      : `this path answers ${allowed.join(', ')}${allowed.includes('PUT') ? ' (a PUT of the whole resource changes it)' : ''}`;
  return new PorticoError(
    'CONTROL_NOT_SUPPORTED',
    `Portico does not implement ${operation} of Azure's management API; ${instead}.`,
  );
}
