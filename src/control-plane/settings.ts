/**
 * App settings of an environment (spec §8): environment variables of the API only, per environment,
 * encrypted at rest, names of letters, digits, `.` and `_`, reserved prefixes refused.
 */
import { createHash } from 'node:crypto';
import { PorticoError } from '../shared/errors.js';
import { ifMatchAccepts } from '../shared/if-match.js';
import { clip } from '../shared/quote.js';
import { type ControlContext, recordChange } from './context.js';
import { getEnvironment } from './environments.js';
import type { Site } from './sites.js';

/** Largest value accepted, as Azure's limit for one app setting. */
const MAX_VALUE_LENGTH = 64 * 1024;
/** Longest name accepted (decision 0063). */
const MAX_NAME_LENGTH = 256;
/**
 * Largest total of names and values (decision 0063): the settings become the worker's environment, and
 * the system refuses to start a process whose environment passes its limit (E2BIG): the API would go down.
 */
const MAX_TOTAL_LENGTH = 512 * 1024;

/** The settings of an environment, decrypted. */
export async function listAppSettings(
  ctx: ControlContext,
  site: Site,
  environmentName: string,
): Promise<Record<string, string>> {
  const environment = await getEnvironment(ctx, site, environmentName);
  return readSettings(ctx, environment.id);
}

/** The settings of an environment by id, decrypted (for the functions host); `db`: a transaction's. */
export async function readSettings(
  ctx: ControlContext,
  environmentId: string,
  db: ControlContext['db'] = ctx.db,
): Promise<Record<string, string>> {
  const rows = await db
    .selectFrom('app_settings')
    .selectAll()
    .where('environment_id', '=', environmentId)
    .orderBy('name')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.name, ctx.sealer.unseal(row.value_sealed)]));
}

/**
 * The version of a set of settings, as an `ETag` (a hash of names and values): a `PUT` with `If-Match`
 * replaces them only while they are still that version, so that a read-modify-write (the CLI's `settings
 * set`, the portal's Save) never drops a setting someone else saved in between.
 */
export function settingsVersion(settings: Readonly<Record<string, string>>): string {
  const entries = Object.entries(settings).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `"${createHash('sha256').update(JSON.stringify(entries)).digest('base64url').slice(0, 22)}"`;
}

/**
 * Replaces every setting of an environment (Azure's `PUT …/config/appsettings`), atomically; with
 * `ifMatch` (an `If-Match` header), only while the stored settings are that version.
 */
export async function replaceAppSettings(
  ctx: ControlContext,
  site: Site,
  environmentName: string,
  settings: Readonly<Record<string, unknown>>,
  ifMatch?: string,
): Promise<Record<string, string>> {
  const values = checkSettings(ctx, settings);
  const environment = await getEnvironment(ctx, site, environmentName);
  await ctx.db.transaction().execute(async (trx) => {
    if (ifMatch !== undefined) {
      const stored = await readSettings(ctx, environment.id, trx);
      if (!ifMatchAccepts(ifMatch, settingsVersion(stored))) {
        throw new PorticoError(
          'CONTROL_PRECONDITION_FAILED',
          `The app settings of ${environmentName} changed since they were read (someone saved them in between); nothing was saved. Read them again, then make the change again.`,
        );
      }
    }
    await trx.deleteFrom('app_settings').where('environment_id', '=', environment.id).execute();
    for (const [name, value] of Object.entries(values)) {
      await trx
        .insertInto('app_settings')
        .values({ environment_id: environment.id, name, value_sealed: ctx.sealer.seal(value) })
        .execute();
    }
  });
  await recordChange(ctx, environment.hostname);
  return values;
}

function checkSettings(
  ctx: ControlContext,
  settings: Readonly<Record<string, unknown>>,
): Record<string, string> {
  const problems: { path: string; message: string }[] = [];
  // Built with Object.fromEntries (own properties), never `values[name] = …`: a name such as __proto__
  // would set the prototype and vanish instead of reaching the name check below.
  const entries: [string, string][] = [];
  for (const [name, value] of Object.entries(settings)) {
    const path = `properties.${clip(name)}`;
    if (name.length > MAX_NAME_LENGTH) {
      problems.push({
        path,
        message: `${clip(name)}: the name is longer than ${MAX_NAME_LENGTH} characters`,
      });
    } else if (typeof value !== 'string') {
      problems.push({ path, message: `${clip(name)}: the value must be a string` });
    } else if (value.length > MAX_VALUE_LENGTH) {
      problems.push({ path, message: `${clip(name)}: the value is longer than 64 KB` });
    } else {
      entries.push([name, value]);
    }
  }
  const total = entries.reduce((sum, [name, value]) => sum + name.length + value.length, 0);
  if (total > MAX_TOTAL_LENGTH) {
    problems.push({
      path: 'properties',
      message: `the names and values add up to ${Math.ceil(total / 1024)} KB, more than the 512 KB all the settings of an environment may hold (they become the API's environment variables); keep large data in a file or a store the API reads`,
    });
  }
  const values: Record<string, string> = Object.fromEntries(entries);
  for (const message of ctx.validateSettings(values)) {
    problems.push({ path: 'properties', message });
  }
  if (problems.length > 0) {
    throw new PorticoError(
      'CONTROL_SETTING_INVALID',
      // Each problem says its own rule; nothing generic is appended to a problem about a value.
      `The app settings were not saved:\n${problems.map((p) => `  ${p.message}`).join('\n')}`,
      { details: problems },
    );
  }
  return values;
}
