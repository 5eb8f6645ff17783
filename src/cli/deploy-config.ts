/**
 * The staticwebapp.config.json of a deploy when the built folder may not hold it: Azure takes the config
 * from anywhere under `app_location`, and `swa deploy` from `--swa-config-location`, while many projects
 * (create-react-app's samples) keep it beside package.json and build into `build/`. The config found is
 * deployed at the root of the app; one left behind is a warning, never silence.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type PackedFolder, SITE_CONFIG_FILE, withFile } from '../client/index.js';
import { PorticoError } from '../shared/errors.js';
import { quoteShellWord } from '../shared/shell-quote.js';
import { writeNote } from './output.js';

/** Where a deploy looks for the app's config besides the built folder. */
export interface ConfigPlace {
  /** The folder searched: `swaConfigLocation`, else `appLocation` (the built folder itself without one). */
  readonly dir: string;
  /** True when `swaConfigLocation` named {@link dir}: its config replaces the built folder's. */
  readonly named: boolean;
  /** Folders where a config left behind is worth a warning: the working folder, swa-cli.config.json's. */
  readonly leftBehindIn: readonly string[];
}

/** `app` with the config of `place` at its root when that is the one to deploy; warns of one left behind. */
export async function withSiteConfig(
  app: PackedFolder,
  appDir: string,
  place: ConfigPlace | undefined,
): Promise<PackedFolder> {
  const holdsConfig = app.files.some(isSiteConfig);
  if (place === undefined || (holdsConfig && !place.named)) {
    return app;
  }
  const file = resolve(place.dir) === resolve(appDir) ? undefined : await findConfig(place);
  if (file !== undefined && !isInside(appDir, file)) {
    writeNote(
      `Deploying ${file} as the app's ${SITE_CONFIG_FILE}${holdsConfig ? ` (instead of the one in ${appDir})` : ''}.`,
    );
    return withFile(app, SITE_CONFIG_FILE, file);
  }
  if (!holdsConfig && file === undefined) {
    warnLeftBehind(appDir, place.leftBehindIn);
  }
  return app;
}

/** A config file the server reads (it searches below the root, as `portico start` does, but not node_modules). */
function isSiteConfig(file: { readonly path: string }): boolean {
  const segments = file.path.split('/');
  return segments.at(-1) === SITE_CONFIG_FILE && !segments.includes('node_modules');
}

/** The config in `place.dir` (at its top, else the shallowest below), found as `portico start` finds it. */
async function findConfig(place: ConfigPlace): Promise<string | undefined> {
  // Loaded only here: a deploy of a folder that holds its config never needs the config plane.
  const { loadConfig } = await import('../config/index.js');
  const loaded = await loadConfig({ appDir: place.dir });
  if (loaded.file === undefined && place.named) {
    throw new PorticoError(
      'CLI_USAGE',
      `--swa-config-location ${place.dir} holds no ${SITE_CONFIG_FILE} (or is not a folder); nothing was sent. Give the folder that holds it.`,
    );
  }
  return loaded.file;
}

function warnLeftBehind(appDir: string, folders: readonly string[]): void {
  const left = [...new Set(folders.map((dir) => join(resolve(dir), SITE_CONFIG_FILE)))].find(
    (file) => existsSync(file) && !isInside(appDir, file),
  );
  if (left !== undefined) {
    writeNote(
      `Warning: ${appDir} holds no ${SITE_CONFIG_FILE}, so the site is deployed without its rules (no navigationFallback: deep links answer 404), while ${left} is left out. Pass --swa-config-location ${quoteShellWord(relative(process.cwd(), resolve(left, '..')) || '.')} to deploy it (as with swa deploy), or copy it into ${appDir}.`,
    );
  }
}

function isInside(dir: string, file: string): boolean {
  const rel = relative(resolve(dir), resolve(file));
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith('/');
}
