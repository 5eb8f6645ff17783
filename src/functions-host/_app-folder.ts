/** Start-up checks that turn common mistakes into one clear message before any process is spawned. */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PorticoError } from '../shared/errors.js';
import { assertNodeFunctionsApp } from './app-language.js';
import { validateAppSettings } from './settings.js';

/** Files of which at least one marks an Azure Functions app folder. */
const APP_MARKERS = ['host.json', 'package.json'] as const;

/** Rejects with a user error unless `apiDir` is a folder holding host.json or package.json. */
export async function assertApiFolder(apiDir: string): Promise<void> {
  const folder = await stat(apiDir).catch(() => undefined);
  if (folder === undefined) {
    throw new PorticoError('FUNCTIONS_APP_NOT_FOUND', `the API folder ${apiDir} does not exist`);
  }
  if (!folder.isDirectory()) {
    throw new PorticoError(
      'FUNCTIONS_APP_NOT_FOUND',
      `${apiDir} is a file, not a folder; point to the folder of your Azure Functions app (the one holding host.json)`,
    );
  }
  const found = await Promise.all(APP_MARKERS.map((name) => isFile(join(apiDir, name))));
  if (!found.includes(true)) {
    throw new PorticoError(
      'FUNCTIONS_APP_NOT_FOUND',
      `${apiDir} has neither host.json nor package.json; point to the folder of your Azure Functions app (the one holding host.json)`,
    );
  }
  assertNodeFunctionsApp(
    apiDir,
    'Run it with Azure Functions Core Tools instead (`func start` in that folder); `portico start` reaches it with --api-devserver-url http://localhost:7071.',
  );
}

/** Throws a user error listing every problem of the app settings. */
export function assertAppSettings(settings: Readonly<Record<string, string>> | undefined): void {
  const problems = validateAppSettings(settings ?? {});
  if (problems.length > 0) {
    throw new PorticoError('FUNCTIONS_INVALID_SETTINGS', `invalid app settings:\n  ${problems.join('\n  ')}`);
  }
}

async function isFile(path: string): Promise<boolean> {
  const entry = await stat(path).catch(() => undefined);
  return entry?.isFile() === true;
}
