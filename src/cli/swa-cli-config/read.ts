/**
 * Reads `swa-cli.config.json`: the JSON text (a syntax error names its line and column) and its top level
 * (`$schema` and `configurations`, as the SWA CLI writes it).
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { PorticoError } from '../../shared/errors.js';
import { errorMessage } from '../../shared/guards.js';
import { findJsonSyntaxError } from '../../shared/json-syntax.js';
import { looksUtf16, SAVED_AS_UTF16 } from '../../shared/json-text.js';

/** The SWA CLI's project file name. */
export const SWA_CLI_CONFIG_FILE = 'swa-cli.config.json';

/** A parsed `swa-cli.config.json`. */
export interface SwaCliConfigFile {
  /** Absolute path of the file. */
  readonly file: string;
  /** Its folder: relative paths inside it are relative to this folder. */
  readonly dir: string;
  /** `configurations`, by name, unchecked (each is checked when it is used). */
  readonly configurations: Readonly<Record<string, unknown>>;
  /** Problems that do not stop the file from being used. */
  readonly warnings: readonly string[];
}

/**
 * Reads the file at `path`; undefined when there is none. Throws a user error when it is unusable.
 * `given`: the user named it with `--config` (else it is the working folder's, read unasked).
 */
export async function readSwaCliConfigFile(
  path: string,
  given = true,
): Promise<SwaCliConfigFile | undefined> {
  const file = resolve(path);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      return undefined;
    }
    if (error.code === 'EISDIR') {
      throw new PorticoError('CLI_SWA_CONFIG_INVALID', folderMessage(file, given));
    }
    throw new PorticoError('CLI_SWA_CONFIG_INVALID', `cannot read ${file}: ${error.message}`);
  });
  if (text === undefined) {
    return undefined;
  }
  return parseSwaCliConfigText(text, file);
}

function folderMessage(file: string, given: boolean): string {
  return given
    ? `${file} is a folder: --config takes the file itself (such as ${resolve(file, SWA_CLI_CONFIG_FILE)}).`
    : `${file} is a folder, where Portico reads the SWA CLI's project file (options of start, build and deploy) unasked: rename or remove that folder, or pass --config <file> to read another file.`;
}

/** Parses the text of a `swa-cli.config.json` found at `file`. */
export function parseSwaCliConfigText(text: string, file: string): SwaCliConfigFile {
  const data = parseJson(text.replace(/^\uFEFF/, ''), file);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw invalid(file, 'the file must hold one JSON object: { "configurations": { "<name>": { … } } }');
  }
  const top = data as Record<string, unknown>;
  const warnings = Object.keys(top)
    .filter((key) => key !== '$schema' && key !== 'configurations')
    .map(
      (key) => `${file}: unknown top-level key "${key}" is ignored; options go under configurations.<name>`,
    );
  const configurations = top.configurations;
  if (configurations === undefined) {
    return {
      file,
      dir: dirname(file),
      configurations: {},
      warnings: [...warnings, `${file} has no "configurations", so no options are taken from it`],
    };
  }
  if (typeof configurations !== 'object' || configurations === null || Array.isArray(configurations)) {
    throw invalid(file, '"configurations" must be an object of named configurations, e.g. { "app": { … } }');
  }
  return { file, dir: dirname(file), configurations: configurations as Record<string, unknown>, warnings };
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (looksUtf16(text)) {
      // Windows PowerShell 5.1's `>` and Set-Content write UTF-16: its mark and NULs are no JSON error.
      throw new PorticoError('CLI_SWA_CONFIG_INVALID', `${file} ${SAVED_AS_UTF16}.`);
    }
    const where = findJsonSyntaxError(text);
    if (where === undefined) {
      throw invalid(file, errorMessage(error));
    }
    throw new PorticoError(
      'CLI_SWA_CONFIG_INVALID',
      `${file}:${where.line}:${where.column}: ${where.message} (swa-cli.config.json must be valid JSON)`,
    );
  }
}

function invalid(file: string, message: string): PorticoError {
  return new PorticoError('CLI_SWA_CONFIG_INVALID', `${file}: ${message}`);
}
