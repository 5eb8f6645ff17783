/**
 * Startup of the one app a worker hosts (spec §3): package.json → entry points → (registrations mean v4,
 * none mean v3 function folders) → appStart hooks → capabilities (which starts the v4 library's stream
 * proxy when the app enabled it) → checks → route table. Every user mistake surfaces as a
 * {@link WorkerLoadError} whose message says how to fix it.
 */

import { stat } from 'node:fs/promises';
import { hostJsonWarnings, type PackageJson, readPackageJson, resolveRoutePrefix } from './app-files.js';
import { type AppFunction, toAppFunctions } from './app-functions.js';
import { programmingModelOf, type WorkerApp } from './app-state.js';
import { loadScriptFile, resolveEntryPoints } from './entry-points.js';
import { errorDetail, WorkerLoadError } from './errors.js';
import { runHooks, withReadOnly } from './hooks.js';
import { describeLoadError, type LoadErrorAudience } from './load-errors.js';
import { createRouteTable, type RouteTable } from './routes.js';
import type { RegisteredFunction, WorkerCapabilities } from './types.js';
import { discoverV3Functions, listV3FunctionFolders, toRegisteredFunction } from './v3-functions.js';

/** The worker capabilities the real worker announces (worker `getWorkerCapabilities.ts`). */
export const DEFAULT_CAPABILITIES: Readonly<WorkerCapabilities> = {
  RawHttpBodyBytes: 'true',
  RpcHttpTriggerMetadataRemoved: 'true',
  RpcHttpBodyOnly: 'true',
  IgnoreEmptyValuedRpcHttpHeaders: 'true',
  UseNullableValueDictionaryForHttp: 'true',
  WorkerStatus: 'true',
  TypedDataCollection: 'true',
  HandlesWorkerTerminateMessage: 'true',
};

/** What to load and how. */
export interface LoadAppOptions {
  appDir: string;
  app: WorkerApp;
  env: NodeJS.ProcessEnv;
  requiredRoutePrefix: string;
  /** Who reads the load errors (default `dev`): what they can do about a missing package differs. */
  audience?: LoadErrorAudience;
}

/** A loaded app, ready to serve. */
export interface LoadedApp {
  model: 'v3' | 'v4';
  functions: AppFunction[];
  table: RouteTable;
  warnings: string[];
  capabilities: WorkerCapabilities;
  /** The v4 library's stream proxy (`HttpUri`), when the app enabled HTTP streaming. */
  streamUri: string | undefined;
}

/** Loads the app in `appDir` into `app`; throws {@link WorkerLoadError} for user mistakes. */
export async function loadApp(options: LoadAppOptions): Promise<LoadedApp> {
  const { appDir, app } = options;
  await assertDirectory(appDir);
  const packageJson = await readPackageJson(appDir);
  const routePrefix = await resolveRoutePrefix(appDir, options.requiredRoutePrefix);
  const warnings: string[] = await hostJsonWarnings(appDir);
  const audience = options.audience ?? 'dev';
  const entryFiles = packageJson.main
    ? await loadEntryPoints(app, { appDir, audience }, packageJson, packageJson.main)
    : [];
  await runAppStartHooks(app, appDir);
  const capabilities = await resolveCapabilities(app);
  const model = app.usingWorkerIndexing ? 'v4' : 'v3';
  const registered =
    model === 'v4'
      ? [...app.functions.values()]
      : await loadV3Functions({ appDir, audience }, packageJson, warnings);
  app.locked = true;
  const defaultAuthLevel = model === 'v4' ? 'anonymous' : 'function';
  const checked = toAppFunctions(registered, { defaultAuthLevel, env: options.env });
  warnings.push(...checked.warnings, ...noFunctionsWarning(registered, packageJson, entryFiles));
  if (model === 'v4') {
    warnings.push(...ignoredV3FoldersWarning(await listV3FunctionFolders(appDir)));
  }
  const { table, skipped } = buildRouteTable(checked.functions, routePrefix, warnings);
  return {
    model,
    functions: checked.functions.filter((fn) => !skipped.has(fn.name)),
    table,
    warnings,
    capabilities,
    streamUri: capabilities.HttpUri,
  };
}

async function assertDirectory(appDir: string): Promise<void> {
  const isDirectory = await stat(appDir).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
  if (!isDirectory) {
    throw new WorkerLoadError('FUNCTIONS_APP_DIR_MISSING', 'The API folder does not exist.');
  }
}

/** The API folder and who reads its load errors. */
interface AppPlace {
  readonly appDir: string;
  readonly audience: LoadErrorAudience;
}

async function loadEntryPoints(
  app: WorkerApp,
  { appDir, audience }: AppPlace,
  packageJson: PackageJson,
  pattern: string,
): Promise<string[]> {
  const files = await resolveEntryPoints(appDir, pattern);
  for (const file of files) {
    app.currentEntryPoint = file;
    try {
      await loadScriptFile(file, packageJson);
    } catch (error) {
      throw describeLoadError(error, file, appDir, audience);
    } finally {
      app.currentEntryPoint = undefined;
    }
  }
  return files;
}

async function runAppStartHooks(app: WorkerApp, appDir: string): Promise<void> {
  const context = withReadOnly(
    {},
    { hookData: app.appLevelOnlyHookData, appHookData: app.appHookData, functionAppDirectory: appDir },
  );
  try {
    await runHooks(app.hooks.appStart, context);
  } catch (error) {
    throw new WorkerLoadError(
      'FUNCTIONS_APP_START_FAILED',
      `An appStart hook failed: ${errorDetail(error)}`,
      {
        cause: error,
      },
    );
  }
}

async function resolveCapabilities(app: WorkerApp): Promise<WorkerCapabilities> {
  const model = programmingModelOf(app);
  const defaults = { ...DEFAULT_CAPABILITIES };
  return model?.getCapabilities ? await model.getCapabilities(defaults) : defaults;
}

/**
 * Loads every v3 function. One that cannot load (its function.json, its script) is left out with a
 * warning and the others run, as the Functions host runs them; when none can, the first error stops the
 * load, so an app that cannot serve anything says why.
 */
async function loadV3Functions(
  { appDir, audience }: AppPlace,
  packageJson: PackageJson,
  warnings: string[],
): Promise<RegisteredFunction[]> {
  const { found, failed } = await discoverV3Functions(appDir);
  const errors: Error[] = [...failed];
  const loaded: RegisteredFunction[] = [];
  for (const metadata of found) {
    try {
      const exported = await loadScriptFile(metadata.scriptFile, packageJson).catch((error: unknown) => {
        throw describeLoadError(error, metadata.scriptFile, appDir, audience);
      });
      loaded.push(toRegisteredFunction(metadata, exported));
    } catch (error) {
      if (!(error instanceof WorkerLoadError)) {
        throw error;
      }
      errors.push(error);
    }
  }
  if (loaded.length === 0 && errors[0] !== undefined) {
    throw errors[0];
  }
  for (const error of errors) {
    warnings.push(`${error.message} This function is not loaded; the others run.`);
  }
  return loaded;
}

/**
 * v3 function folders next to a v4 app: the worker indexes the functions the app registers, and the
 * Functions host then reads no function.json (worker `FunctionsMetadataHandler`), so they never run.
 */
function ignoredV3FoldersWarning(folders: readonly string[]): string[] {
  if (folders.length === 0) {
    return [];
  }
  const listed = folders.map((folder) => `${folder}/function.json`).join(', ');
  return [
    `This v4 app registers its functions with app.http(...), so its v3 function folders are ignored, as on Azure: ${listed}. Register them with app.http(...) or remove them.`,
  ];
}

function noFunctionsWarning(
  registered: readonly RegisteredFunction[],
  packageJson: PackageJson,
  entryFiles: readonly string[],
): string[] {
  if (registered.length > 0) {
    return [];
  }
  const loaded = packageJson.main
    ? `package.json "main" ("${packageJson.main}") loaded ${entryFiles.length} file(s) but none registered a function (app.http(...)), and `
    : 'package.json has no "main", and ';
  return [`No functions found in the API folder: ${loaded}no folder contains a function.json.`];
}

/**
 * The route table; a function Azure puts in error alone (a reserved or conflicting route) is left out with
 * a warning and its requests get 404, as on Azure; an invalid template stops the load.
 */
function buildRouteTable(
  functions: readonly AppFunction[],
  routePrefix: string,
  warnings: string[],
): { table: RouteTable; skipped: ReadonlySet<string> } {
  const routes = functions.map((fn) => ({
    name: fn.name,
    ...(fn.trigger.route === undefined ? {} : { route: fn.trigger.route }),
    ...(fn.trigger.methods === undefined ? {} : { methods: fn.trigger.methods }),
  }));
  const result = createRouteTable(routes, { routePrefix });
  if (result.errors.length > 0) {
    throw new WorkerLoadError(
      'FUNCTIONS_ROUTE_INVALID',
      `Invalid function routes:\n${result.errors.join('\n')}`,
    );
  }
  for (const { message } of result.skipped) {
    warnings.push(
      `${message} It is not served (its requests get 404, as on Azure); the other functions run.`,
    );
  }
  warnings.push(...result.warnings);
  return { table: result.table, skipped: new Set(result.skipped.map((fn) => fn.functionName)) };
}
