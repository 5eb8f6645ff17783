/**
 * `portico init [configName] [--yes]`: writes a configuration to swa-cli.config.json from what it detects
 * in the project (front-end framework, build output, dev server, Functions API), as `swa init` does. On a
 * terminal it shows what it found and asks before writing; with `--yes` or without a terminal it asks
 * nothing. An existing configuration of the same name is never replaced without the user saying so.
 */
import { basename, join, relative } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { PorticoError } from '../../shared/errors.js';
import { type DetectedProject, detectProject } from '../detect/detect.js';
import { writeLines, writeNote } from '../output.js';
import { addConfigFileOptions, SWA_CLI_CONFIG_FILE, type SwaCliOptions } from '../swa-cli-config/index.js';
import { hasConfiguration, writeConfiguration } from '../swa-cli-config/write.js';

interface InitFlags {
  yes?: boolean;
  config?: string;
  configName?: string;
}

/** Adds the `init` command to the program. */
export function registerInitCommand(program: Command): void {
  const command = program
    .command('init')
    .description('Write swa-cli.config.json for this project from what is detected (framework, output, API)')
    .argument('[configName]', 'name of the configuration (default: the folder name)')
    .option('-y, --yes', 'ask nothing; use what was detected');
  addConfigFileOptions(command).action((name: string | undefined, flags: InitFlags) => runInit(name, flags));
}

async function runInit(positional: string | undefined, flags: InitFlags): Promise<void> {
  const cwd = process.cwd();
  const file = flags.config ?? join(cwd, SWA_CLI_CONFIG_FILE);
  const detected = await detectProject(cwd);
  const ask = flags.yes === true || !process.stdin.isTTY ? undefined : createAsker();
  try {
    const given = positional ?? flags.configName;
    if (given !== undefined && given.trim() === '') {
      throw new PorticoError(
        'CLI_USAGE',
        'The configuration name is empty; give a name such as my-app, or leave it out to use the folder name.',
      );
    }
    const fallback = given ?? dasherize(basename(cwd));
    const name =
      ask === undefined ? fallback : (await ask(`Configuration name (${fallback}): `)).trim() || fallback;
    writeLines(describeDetected(detected));
    const replace = await hasConfiguration(file, name);
    if (!(await confirmWrite(ask, name, replace))) {
      writeNote('Nothing was written.');
      return;
    }
    await writeConfiguration(file, name, toConfiguration(detected), replace && ask !== undefined);
    writeNote(`Wrote configuration "${name}" to ${relative(cwd, file) || file}.`);
    writeNote(nextSteps(detected));
  } finally {
    ask?.close();
  }
}

/** On a terminal, asks before writing (and before replacing, default no); without one, writes (never replaces). */
async function confirmWrite(ask: Asker | undefined, name: string, replace: boolean): Promise<boolean> {
  if (ask === undefined) {
    return true;
  }
  if (replace) {
    return isYes(await ask(`Replace the existing configuration "${name}"? (y/N) `), false);
  }
  return isYes(await ask('Write this configuration? (Y/n) '), true);
}

type Asker = ((question: string) => Promise<string>) & { close(): void };

function createAsker(): Asker {
  const readline = createInterface({ input: process.stdin, output: process.stderr });
  return Object.assign((question: string) => readline.question(question), { close: () => readline.close() });
}

function isYes(answer: string, byDefault: boolean): boolean {
  const word = answer.trim().toLowerCase();
  return word === '' ? byDefault : word === 'y' || word === 'yes';
}

/** The configuration as the SWA CLI writes it (its key names). */
function toConfiguration(detected: DetectedProject): SwaCliOptions {
  return {
    appLocation: detected.appLocation,
    outputLocation: detected.outputLocation,
    apiLocation: detected.apiLocation,
    appBuildCommand: detected.appBuildCommand,
    apiBuildCommand: detected.apiBuildCommand,
    run: detected.run,
    appDevserverUrl: detected.appDevserverUrl,
  };
}

function describeDetected(detected: DetectedProject): string[] {
  const rows: [string, string | undefined][] = [
    ['Framework', detected.framework ?? 'none recognised (serving the folder as it is)'],
    ['App location', detected.appLocation],
    ['Output location', detected.outputLocation],
    ['API location', detected.apiLocation],
    ['App build command', detected.appBuildCommand],
    ['API build command', detected.apiBuildCommand],
    ['Dev server command', detected.run],
    ['Dev server URL', detected.appDevserverUrl],
  ];
  const lines = rows
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `  ${`${key}:`.padEnd(20)} ${value}`);
  return ['Detected:', ...lines, ...detected.hints.map((hint) => `  note: ${hint}`)];
}

function nextSteps(detected: DetectedProject): string {
  const build = detected.appBuildCommand !== undefined || detected.apiBuildCommand !== undefined;
  return `Next: ${build ? '`portico build` to build it, then ' : ''}\`portico start\` to run it locally.`;
}

function dasherize(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'app'
  );
}
