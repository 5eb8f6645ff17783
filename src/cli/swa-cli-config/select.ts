/**
 * Chooses the configuration of `swa-cli.config.json` a command uses, as the SWA CLI does: the one named by
 * `--config-name` or by the command's positional argument, else the first (the only one, usually; with
 * several, a note lists them and says how to choose).
 */
import { isAbsolute, join, relative, resolve } from 'node:path';
import { PorticoError } from '../../shared/errors.js';
import type { SwaCliCommand, SwaCliOptions } from './keys.js';
import { readSwaCliConfigFile, SWA_CLI_CONFIG_FILE } from './read.js';
import { checkConfiguration } from './validate.js';

/** What selects the configuration. */
export interface SelectInput {
  readonly command: SwaCliCommand;
  /** The positional argument when it is not a URL: a configuration name or a folder. */
  readonly positional?: string;
  /** `--config <path>` (default `<cwd>/swa-cli.config.json`). */
  readonly configPath?: string;
  /** `--config-name <name>`. */
  readonly configName?: string;
  readonly cwd: string;
}

/** The configuration in use, or the file's absence. */
export interface SelectedConfiguration {
  readonly file?: string;
  /** Folder that relative paths of the file are relative to. */
  readonly dir?: string;
  readonly name?: string;
  /** The configuration names the file has. */
  readonly names: readonly string[];
  readonly options: SwaCliOptions;
  readonly warnings: readonly string[];
  /** Lines telling the user which configuration is used. */
  readonly notes: readonly string[];
  /** True when the positional argument was the configuration's name. */
  readonly positionalIsName: boolean;
}

/** Reads the file and picks the configuration; throws a user error for a name the file does not have. */
export async function selectConfiguration(input: SelectInput): Promise<SelectedConfiguration> {
  const path = input.configPath ?? join(input.cwd, SWA_CLI_CONFIG_FILE);
  const config = await readSwaCliConfigFile(path, input.configPath !== undefined);
  if (config === undefined) {
    if (input.configPath !== undefined || input.configName !== undefined) {
      throw new PorticoError(
        'CLI_USAGE',
        `there is no ${displayPath(input.cwd, path)}; run \`portico init\` to create it, or pass --config <path>`,
      );
    }
    return { names: [], options: {}, warnings: [], notes: [], positionalIsName: false };
  }
  const names = Object.keys(config.configurations);
  const byPositional = input.positional !== undefined && names.includes(input.positional);
  const name = input.configName ?? (byPositional ? input.positional : names[0]);
  const base = {
    file: config.file,
    dir: config.dir,
    names,
    positionalIsName: byPositional && input.configName === undefined,
  };
  if (name === undefined) {
    return { ...base, options: {}, warnings: config.warnings, notes: [] };
  }
  if (!names.includes(name)) {
    throw unknownConfigurationError(config.file, name, names);
  }
  const checked = checkConfiguration(config.configurations[name], name, input.command, config.file);
  return {
    ...base,
    name,
    options: checked.options,
    warnings: [...config.warnings, ...checked.warnings],
    notes: describeChoice(
      config.file,
      name,
      names,
      input.configName !== undefined || byPositional,
      input.command,
    ),
  };
}

/** A path as the user will recognise it: relative when it is below the working folder, else absolute. */
function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? resolve(cwd, path) : rel;
}

/** The error for a configuration name the file does not have; lists the names it has. */
export function unknownConfigurationError(
  file: string,
  name: string,
  names: readonly string[],
): PorticoError {
  const has = names.length === 0 ? 'it has none' : `it has: ${names.join(', ')}`;
  return new PorticoError(
    'CLI_SWA_CONFIG_NAME_UNKNOWN',
    `${file} has no configuration named "${name}" (${has}). Name one of them, or run \`portico init ${name}\` to add it.`,
  );
}

function describeChoice(
  file: string,
  name: string,
  names: readonly string[],
  named: boolean,
  command: SwaCliCommand,
): string[] {
  const lines = [`Using configuration "${name}" of ${file}`];
  if (!named && names.length > 1) {
    lines.push(
      `  (the first of ${names.length}: ${names.join(', ')}; choose another with \`portico ${command} <name>\` or --config-name)`,
    );
  }
  return lines;
}
