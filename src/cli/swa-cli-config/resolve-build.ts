/**
 * Resolves what `portico build [configName|appLocation]` builds, as `swa build` does: the locations and
 * build commands from the command line, the configuration (with its `build` overrides) and `SWA_CLI_*`
 * variables. What they leave out is filled in by the caller from detection.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createLayers, pick, pickPath, type ResolveInput } from './layers.js';
import { selectConfiguration, unknownConfigurationError } from './select.js';

/** Locations (absolute) and commands that were set somewhere; `projectDir` is where detection looks. */
export interface ResolvedBuild {
  readonly projectDir: string;
  readonly appLocation?: string;
  readonly apiLocation?: string;
  readonly appBuildCommand?: string;
  readonly apiBuildCommand?: string;
  readonly warnings: readonly string[];
  readonly notes: readonly string[];
}

/** Merges the layers (flags > file > variables). */
export async function resolveBuildOptions(input: ResolveInput): Promise<ResolvedBuild> {
  const positional = input.positional?.trim() || undefined;
  const selected = await selectConfiguration({
    command: 'build',
    positional,
    configPath: input.configPath,
    configName: input.configName,
    cwd: input.cwd,
  });
  const folderArg = positional !== undefined && !selected.positionalIsName ? positional : undefined;
  if (folderArg !== undefined && selected.file !== undefined && !isDirectory(resolve(input.cwd, folderArg))) {
    throw unknownConfigurationError(selected.file, folderArg, selected.names);
  }
  const flags = folderArg === undefined ? input.flags : { ...input.flags, appLocation: folderArg };
  const layers = createLayers(flags, selected, input);
  return {
    projectDir: selected.dir ?? input.cwd,
    appLocation: pickPath(layers, 'appLocation'),
    apiLocation: pickPath(layers, 'apiLocation'),
    appBuildCommand: pick(layers, 'appBuildCommand')?.value,
    apiBuildCommand: pick(layers, 'apiBuildCommand')?.value,
    warnings: selected.warnings,
    notes: selected.notes,
  };
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}
