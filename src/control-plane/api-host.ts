/**
 * Checks of a deployed Functions app's `host.json` that Azure makes at deploy time: Static Web Apps
 * serves functions only under `/api`, so `extensions.http.routePrefix` must be `api` (or absent).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PorticoError } from '../shared/errors.js';
import { isRecord } from '../shared/guards.js';
import { parseJsonWithComments } from '../shared/json-text.js';

/** The route prefix Static Web Apps requires of managed and linked functions. */
export const REQUIRED_ROUTE_PREFIX = 'api';

/**
 * Refuses an API folder whose `host.json` sets another route prefix (400 naming the file and the value);
 * `label` names the folder in messages, e.g. `api/host.json`.
 */
export async function checkApiHostJson(apiDir: string, label: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(join(apiDir, 'host.json'), 'utf8');
  } catch {
    return; // a missing host.json is reported when the app is loaded, with its own message
  }
  const result = parseJsonWithComments(text);
  if (!result.ok) {
    throw new PorticoError(
      'DEPLOY_API_INVALID',
      `${label} is not valid JSON (${result.reason}); fix it and deploy again.`,
    );
  }
  const parsed = result.value;
  const extensions = isRecord(parsed) ? parsed.extensions : undefined;
  const http = isRecord(extensions) ? extensions.http : undefined;
  const prefix = isRecord(http) ? http.routePrefix : undefined;
  if (prefix === undefined) {
    return;
  }
  const normalized = typeof prefix === 'string' ? prefix.replace(/^\/+|\/+$/g, '') : prefix;
  if (typeof normalized !== 'string' || normalized.toLowerCase() !== REQUIRED_ROUTE_PREFIX) {
    throw new PorticoError(
      'DEPLOY_API_INVALID',
      `${label} sets extensions.http.routePrefix to ${JSON.stringify(prefix)}, but Static Web Apps serves functions only under /api: remove the setting or set it to "api", then deploy again.`,
      { details: [{ path: `${label}: extensions.http.routePrefix`, message: 'must be "api" or absent' }] },
    );
  }
}
