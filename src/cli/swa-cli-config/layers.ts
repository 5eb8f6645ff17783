/**
 * Option layers and how they merge: the command line wins over the configuration in swa-cli.config.json,
 * which wins over `SWA_CLI_*` variables (the SWA CLI's order). Each layer keeps the folder its relative
 * paths are relative to: the working directory for flags and variables, the file's folder for the file.
 */
import { resolve } from 'node:path';
import { readSwaCliEnv } from './env.js';
import type { SwaCliKey, SwaCliOptions } from './keys.js';
import type { SelectedConfiguration } from './select.js';

/** What `portico start` and `portico build` resolve their options from. */
export interface ResolveInput {
  /** The positional argument of the command, if any. */
  readonly positional?: string;
  /** The options given on the command line only (defaults excluded), by their SWA CLI names. */
  readonly flags: SwaCliOptions;
  /** `--config <path>` and `--config-name <name>`. */
  readonly configPath?: string;
  readonly configName?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** One source of options. */
export interface OptionLayer {
  readonly source: 'command line' | 'swa-cli.config.json' | 'environment';
  readonly options: SwaCliOptions;
  /** Folder that relative paths of this layer are relative to. */
  readonly baseDir: string;
}

/** The layers in the SWA CLI's order: `flags` (the command line), the selected configuration, the variables. */
export function createLayers(
  flags: SwaCliOptions,
  selected: Pick<SelectedConfiguration, 'options' | 'dir'>,
  input: Pick<ResolveInput, 'env' | 'cwd'>,
  forDeploy = false,
): OptionLayer[] {
  return [
    { source: 'command line', options: flags, baseDir: input.cwd },
    { source: 'swa-cli.config.json', options: selected.options, baseDir: selected.dir ?? input.cwd },
    { source: 'environment', options: readSwaCliEnv(input.env, forDeploy), baseDir: input.cwd },
  ];
}

/** A value and the layer it came from. */
export interface Picked<T> {
  readonly value: T;
  readonly layer: OptionLayer;
}

/** The value of `key` from the first layer that sets it (layers are ordered, strongest first). */
export function pick<K extends SwaCliKey>(
  layers: readonly OptionLayer[],
  key: K,
): Picked<NonNullable<SwaCliOptions[K]>> | undefined {
  for (const layer of layers) {
    const value = layer.options[key];
    if (value !== undefined && value !== null) {
      return { value: value as NonNullable<SwaCliOptions[K]>, layer };
    }
  }
  return undefined;
}

/** The first layer that sets any of `keys`: options that replace each other (a folder or a URL) move together. */
export function pickGroup(
  layers: readonly OptionLayer[],
  keys: readonly SwaCliKey[],
): OptionLayer | undefined {
  return layers.find((layer) => keys.some((key) => layer.options[key] !== undefined));
}

/** An absolute path for a path option, relative to its layer's folder. */
export function pickPath(layers: readonly OptionLayer[], key: SwaCliKey): string | undefined {
  const picked = pick(layers, key);
  return picked === undefined ? undefined : resolve(picked.layer.baseDir, String(picked.value));
}
