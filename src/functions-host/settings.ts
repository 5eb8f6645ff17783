/**
 * The worker's environment (spec §11): `local.settings.json` `Values` in dev, app settings from the
 * control plane later, both on top of the real environment. Local settings never override a variable
 * that is already set, as Core Tools does; app settings always apply, as they do on Azure.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PorticoError } from '../shared/errors.js';
import { errorMessage, isRecord, SPECIAL_OBJECT_KEYS } from '../shared/guards.js';
import { parseJsonWithComments } from '../shared/json-text.js';
import type { Logger } from '../shared/logger.js';
import { clip } from '../shared/quote.js';
import { problemOfNodeSetting } from './node-settings.js';
import { problemOfProcessCount, WORKER_PROCESS_COUNT_SETTING } from './process-count.js';

/** The file Core Tools reads in dev; never used once deployed. */
export const LOCAL_SETTINGS_FILE = 'local.settings.json';

/** App-setting prefixes Azure reserves for managed functions (spec §11); compared case-insensitively. */
export const RESERVED_SETTING_PREFIXES: readonly string[] = [
  'APPSETTING_',
  'AZUREBLOBSTORAGE_',
  'AZUREFILESSTORAGE_',
  'AZURE_FUNCTION_',
  'CONTAINER_',
  'DIAGNOSTICS_',
  'DOCKER_',
  'FUNCTIONS_',
  'IDENTITY_',
  'MACHINEKEY_',
  'MAINSITE_',
  'MSDEPLOY_',
  'SCMSITE_',
  'SCM_',
  'WEBSITE_',
  'WEBSITES_',
  'WEBSOCKET_',
  'AzureWeb',
];

/**
 * The characters of an app setting name. The portal's setting form checks names with the same pattern
 * before Save (`src/portal/assets/configuration.js`; `src/portal/handler.test.ts` keeps them equal).
 */
export const SETTING_NAME = /^[A-Za-z0-9._]+$/;

/** `local.settings.json` `Values` as strings, with a warning for each value that was not a string. */
export interface LocalSettings {
  readonly values: Record<string, string>;
  readonly warnings: string[];
}

/**
 * Reads `Values` of `<apiDir>/local.settings.json`. A missing file means no values; invalid JSON is a
 * user error naming the line and column.
 */
export async function readLocalSettings(apiDir: string): Promise<LocalSettings> {
  const path = join(apiDir, LOCAL_SETTINGS_FILE);
  const text = await readOptionalFile(path);
  if (text === undefined) {
    return { values: {}, warnings: [] };
  }
  const settings = parseSettingsJson(text, path);
  const values = valuesOf(settings, path);
  const warnings: string[] = [];
  if (isRecord(settings) && settings.IsEncrypted === true) {
    warnings.push(
      `${LOCAL_SETTINGS_FILE}: IsEncrypted is true, but Portico cannot decrypt values encrypted for Core Tools; they are used as written. Run \`func settings decrypt\` (or set IsEncrypted to false with plain values).`,
    );
  }
  const runtime = values.FUNCTIONS_WORKER_RUNTIME;
  if (typeof runtime === 'string' && runtime.toLowerCase() !== 'node') {
    warnings.push(
      `${LOCAL_SETTINGS_FILE}: FUNCTIONS_WORKER_RUNTIME is "${clip(runtime)}", but Portico runs Node.js function apps only; it runs this one as Node.js.`,
    );
  }
  const strings = Object.fromEntries(
    Object.entries(values).flatMap(([name, value]) => {
      if (value === null) {
        // As Core Tools: a null value sets no variable.
        warnings.push(`${LOCAL_SETTINGS_FILE}: Values.${name} is null, so it is not set`);
        return [];
      }
      return [[name, stringifySetting(name, value, warnings)]];
    }),
  );
  return { values: strings, warnings };
}

/** Reserved-prefix settings that users may still set, because Portico honours them as Azure does. */
const USER_SETTINGS_WITH_RESERVED_PREFIX: ReadonlySet<string> = new Set([WORKER_PROCESS_COUNT_SETTING]);

/**
 * Problems with app settings (empty when they are valid): names may contain only letters, digits, '.'
 * and '_', and may not start with a reserved prefix (except the settings Portico honours, whose values
 * are checked instead); `NODE_OPTIONS` holds only options that tune the worker, and the variables with
 * which Node.js writes files are refused (`node-settings.ts`). Local settings are not checked here: Core Tools projects routinely hold
 * `FUNCTIONS_WORKER_RUNTIME` and `AzureWebJobsStorage` there.
 */
export function validateAppSettings(settings: Readonly<Record<string, string>>): string[] {
  return Object.entries(settings).flatMap(([name, value]) => {
    if (USER_SETTINGS_WITH_RESERVED_PREFIX.has(name)) {
      const problem = problemOfProcessCount(value);
      return problem === undefined ? [] : [`app setting "${name}": ${problem}`];
    }
    if (!SETTING_NAME.test(name)) {
      return [`app setting "${clip(name)}": names may contain only letters, digits, '.' and '_'`];
    }
    if (SPECIAL_OBJECT_KEYS.has(name)) {
      return [
        `app setting "${name}": this name is reserved (__proto__, constructor and prototype are special in JavaScript, where Functions read settings from process.env); choose another name`,
      ];
    }
    const reserved = matchReservedPrefix(name);
    if (reserved !== undefined) {
      return [`app setting "${name}": the prefix ${reserved} is reserved by Azure Functions`];
    }
    const node = problemOfNodeSetting(name, value);
    return node === undefined ? [] : [`app setting "${name}": ${node}`];
  });
}

/** The reserved prefix `name` starts with (case-insensitive), if any. */
export function matchReservedPrefix(name: string): string | undefined {
  const upper = name.toUpperCase();
  return RESERVED_SETTING_PREFIXES.find((prefix) => upper.startsWith(prefix.toUpperCase()));
}

/** Inputs of {@link buildWorkerEnv}. */
export interface WorkerEnvSources {
  /** The real environment (`process.env`). */
  readonly base: Readonly<Record<string, string | undefined>>;
  readonly appSettings?: Readonly<Record<string, string>>;
  readonly localSettings?: Readonly<Record<string, string>>;
  /** Told about each local setting skipped because the real environment already has it. */
  readonly logger?: Logger;
}

/** Variables of Portico itself (admin token, service key, provider secrets): never given to a function. */
export const PORTICO_PREFIX = 'PORTICO_';

/**
 * The worker's environment: the real one without Portico's own `PORTICO_*` variables, plus local settings
 * that it does not already define, plus app settings (which win over both).
 */
export function buildWorkerEnv(sources: WorkerEnvSources): Record<string, string> {
  // A Map, not a plain object: names come from users, and `__proto__` or `constructor` must not misbehave.
  const env = new Map<string, string>();
  for (const [name, value] of Object.entries(sources.base)) {
    if (value !== undefined && !name.toUpperCase().startsWith(PORTICO_PREFIX)) {
      env.set(name, value);
    }
  }
  for (const [name, value] of Object.entries(sources.localSettings ?? {})) {
    if (!env.has(name)) {
      env.set(name, value);
    } else {
      sources.logger?.info(
        `Skipping '${name}' from local settings as it's already defined in the environment.`,
      );
    }
  }
  for (const [name, value] of Object.entries(sources.appSettings ?? {})) {
    env.set(name, value);
  }
  return Object.fromEntries(env);
}

async function readOptionalFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw new PorticoError('FUNCTIONS_INVALID_SETTINGS', `cannot read ${path}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

function parseSettingsJson(text: string, path: string): unknown {
  const parsed = parseJsonWithComments(text);
  if (parsed.ok) {
    return parsed.value;
  }
  const { syntax, error } = parsed;
  const where = syntax === undefined ? '' : `:${syntax.line}:${syntax.column}`;
  throw new PorticoError(
    'FUNCTIONS_INVALID_SETTINGS',
    `${path}${where} is not valid JSON: ${syntax?.message ?? errorMessage(error)}`,
    { cause: error },
  );
}

function valuesOf(settings: unknown, path: string): Record<string, unknown> {
  if (!isRecord(settings)) {
    throw new PorticoError('FUNCTIONS_INVALID_SETTINGS', `${path} must hold a JSON object`);
  }
  const values = settings.Values;
  if (values === undefined || values === null) {
    return {};
  }
  if (!isRecord(values)) {
    throw new PorticoError(
      'FUNCTIONS_INVALID_SETTINGS',
      `${path}: "Values" must be an object of names and string values`,
    );
  }
  return values;
}

function stringifySetting(name: string, value: unknown, warnings: string[]): string {
  if (typeof value === 'string') {
    return value;
  }
  const text = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
  warnings.push(`${LOCAL_SETTINGS_FILE}: Values.${name} is not a string; using "${text}"`);
  return text;
}
