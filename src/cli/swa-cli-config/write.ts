/**
 * Adds a named configuration to `swa-cli.config.json` (creating the file as the SWA CLI does, with its
 * `$schema`), keeping every other configuration and key as they are. An existing configuration of the same
 * name is replaced only when the caller says so.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { PorticoError } from '../../shared/errors.js';
import { errorMessage } from '../../shared/guards.js';
import type { SwaCliOptions } from './keys.js';
import { parseSwaCliConfigText } from './read.js';

/** The schema URL the SWA CLI writes into new files. */
export const SWA_CLI_SCHEMA_URL = 'https://aka.ms/azure/static-web-apps-cli/schema';

/** True when `file` exists and already has a configuration named `name`. */
export async function hasConfiguration(file: string, name: string): Promise<boolean> {
  const text = await readExisting(file);
  return text !== undefined && Object.hasOwn(parseSwaCliConfigText(text, file).configurations, name);
}

/** Writes `configurations.<name>`; throws a user error if it exists and `overwrite` is not set. */
export async function writeConfiguration(
  file: string,
  name: string,
  options: SwaCliOptions,
  overwrite: boolean,
): Promise<void> {
  const text = await readExisting(file);
  const configurations = text === undefined ? {} : parseSwaCliConfigText(text, file).configurations;
  const existing =
    text === undefined
      ? { $schema: SWA_CLI_SCHEMA_URL }
      : (JSON.parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown>);
  if (Object.hasOwn(configurations, name) && !overwrite) {
    throw new PorticoError(
      'CLI_INIT_CONFLICT',
      `${file} already has a configuration named "${name}"; it was left as it is. Run \`portico init <other-name>\`, or remove it first.`,
    );
  }
  const next = { ...existing, configurations: { ...configurations, [name]: withoutUndefined(options) } };
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(next, null, 2)}\n`);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new PorticoError(
      'CLI_SWA_CONFIG_INVALID',
      `Cannot write ${file} (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}): check that its folder exists and may be written, or pass another --config <path>.`,
      { cause: error },
    );
  }
}

async function readExisting(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      return undefined;
    }
    throw new PorticoError('CLI_SWA_CONFIG_INVALID', `cannot read ${file}: ${error.message}`);
  });
}

function withoutUndefined(options: SwaCliOptions): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
