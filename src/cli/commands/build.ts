/**
 * `portico build [configName|appLocation]`: builds the front end and the API with the project's own
 * commands (`appBuildCommand`, `apiBuildCommand` of swa-cli.config.json, flags or `SWA_CLI_*` variables;
 * detected from package.json when none is set), installing dependencies first where `node_modules` is
 * missing. A failing command stops the build, and Portico exits with that command's exit code.
 */
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { PorticoError } from '../../shared/errors.js';
import { installCommand, runShell, type ShellStep, windowsShellHint } from '../build/run.js';
import { detectProject } from '../detect/detect.js';
import { writeNote } from '../output.js';
import { addConfigFileOptions } from '../swa-cli-config/index.js';
import { type ResolvedBuild, resolveBuildOptions } from '../swa-cli-config/resolve-build.js';

interface BuildFlags {
  appLocation?: string;
  apiLocation?: string;
  outputLocation?: string;
  appBuildCommand?: string;
  apiBuildCommand?: string;
  config?: string;
  configName?: string;
}

/** Adds the `build` command to the program. */
export function registerBuildCommand(program: Command): void {
  const command = program
    .command('build')
    .description('Build the app and the API with their build commands (from swa-cli.config.json or detected)')
    .argument('[configName|appLocation]', 'a configuration of swa-cli.config.json, or the app folder')
    .option('-a, --app-location <dir>', 'the app folder (default: .)')
    .option('-i, --api-location <dir>', 'the Functions app folder')
    .option('-O, --output-location <dir>', 'accepted for the SWA CLI; the build decides its output')
    .option('-A, --app-build-command <command>', 'the command that builds the app')
    .option('-I, --api-build-command <command>', 'the command that builds the API');
  addConfigFileOptions(command).action((target: string | undefined, flags: BuildFlags) =>
    runBuild(target, flags),
  );
}

/** What one part (app or API) runs, in order. */
interface BuildPart {
  readonly label: string;
  readonly dir: string;
  readonly command: string;
}

async function runBuild(target: string | undefined, flags: BuildFlags): Promise<void> {
  const resolved = await resolveBuildOptions({
    positional: target,
    flags: {
      appLocation: flags.appLocation,
      apiLocation: flags.apiLocation,
      appBuildCommand: flags.appBuildCommand,
      apiBuildCommand: flags.apiBuildCommand,
    },
    configPath: flags.config,
    configName: flags.configName,
    env: process.env,
    cwd: process.cwd(),
  });
  for (const line of [...resolved.notes, ...resolved.warnings.map((w) => `warning: ${w}`)]) {
    writeNote(line);
  }
  for (const [label, dir] of [
    ['app', resolved.appLocation],
    ['API', resolved.apiLocation],
  ] as const) {
    if (dir !== undefined && !existsSync(dir)) {
      throw new PorticoError(
        'CLI_USAGE',
        `The ${label} folder ${dir} does not exist (${label === 'app' ? 'appLocation' : 'apiLocation'}, --${label === 'app' ? 'app' : 'api'}-location); nothing was built. Fix the location.`,
      );
    }
  }
  const parts = await planBuild(resolved);
  if (parts.length === 0) {
    writeNote(
      'Nothing to build: no appBuildCommand or apiBuildCommand is set, and package.json has no build script to detect. A plain HTML site needs no build: serve or deploy its folder as it is. To build, pass --app-build-command "<command>" (--api-build-command for the API), or set appBuildCommand/apiBuildCommand in swa-cli.config.json.',
    );
    return;
  }
  for (const part of parts) {
    if (!existsSync(part.dir)) {
      throw new PorticoError(
        'CLI_USAGE',
        `The ${part.label} folder ${part.dir} does not exist, so \`${part.command}\` cannot run there; nothing more was built.`,
      );
    }
    const code = await runPart(part);
    if (code !== 0) {
      process.stderr.write(
        `portico: the ${part.label} build failed: \`${part.command}\` exited with code ${code}\n`,
      );
      process.exitCode = code;
      return;
    }
  }
  writeNote('Build finished.');
}

/** The app and API builds, with detected defaults for whatever the options leave out. */
async function planBuild(resolved: ResolvedBuild): Promise<BuildPart[]> {
  const root = resolved.appLocation ?? resolved.projectDir;
  const detected = await detectProject(root);
  const appDir = resolved.appLocation ?? resolve(root, detected.appLocation);
  const apiDir =
    resolved.apiLocation ??
    (detected.apiLocation === undefined ? undefined : resolve(root, detected.apiLocation));
  const parts: BuildPart[] = [];
  const appCommand = resolved.appBuildCommand ?? detected.appBuildCommand;
  if (appCommand !== undefined) {
    parts.push({ label: 'app', dir: appDir, command: appCommand });
  }
  const apiCommand =
    resolved.apiBuildCommand ?? (resolved.apiLocation === undefined ? detected.apiBuildCommand : undefined);
  if (apiCommand !== undefined && apiDir !== undefined) {
    parts.push({ label: 'API', dir: apiDir, command: apiCommand });
  }
  return parts;
}

/** Installs the part's dependencies when missing, then runs its command; resolves with the exit code. */
async function runPart(part: BuildPart): Promise<number> {
  const where = relative(process.cwd(), part.dir) || '.';
  const install = await installCommand(part.dir);
  const steps: ShellStep[] = install === undefined ? [] : [{ command: install, cwd: part.dir }];
  steps.push({ command: part.command, cwd: part.dir });
  for (const step of steps) {
    writeNote(`portico build: ${part.label}: running \`${step.command}\` in ${where}`);
    const hint = windowsShellHint(step.command);
    if (hint !== undefined) {
      writeNote(`portico build: ${part.label}: warning: ${hint}`);
    }
    const code = await runShell(step);
    if (code !== 0) {
      return code;
    }
  }
  return 0;
}
