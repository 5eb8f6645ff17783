/**
 * The shape of the command tree a user meets in `--help` (CONTRACT §5): every command and option says
 * what it is for, every management command that prints a result takes `--json`, and every deleting
 * command takes `--yes`.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerApimCommands } from './apim.js';
import { registerBackendCommands } from './backends.js';
import { registerBuildCommand } from './build.js';
import { registerDeployCommands } from './deploy.js';
import { registerEnvCommands } from './env.js';
import { registerFunctionsCommands } from './functions-start.js';
import { registerInitCommand } from './init.js';
import { registerServeCommand } from './serve.js';
import { registerSettingsCommands } from './settings.js';
import { registerSiteCommands } from './site.js';
import { registerStartCommand } from './start.js';
import { registerUsersCommands } from './users.js';

function program(): Command {
  const root = new Command('portico').enablePositionalOptions();
  for (const register of [
    registerStartCommand,
    registerInitCommand,
    registerBuildCommand,
    registerFunctionsCommands,
    registerServeCommand,
    registerSiteCommands,
    registerDeployCommands,
    registerEnvCommands,
    registerSettingsCommands,
    registerUsersCommands,
    registerApimCommands,
    registerBackendCommands,
  ]) {
    register(root);
  }
  return root;
}

/** Every command below `command`, with its full name (`apim subscription list`). */
function walk(command: Command, prefix = ''): { name: string; command: Command }[] {
  return command.commands.flatMap((child) => {
    const name = `${prefix}${child.name()}`;
    return [{ name, command: child }, ...walk(child, `${name} `)];
  });
}

/** Commands that run something rather than print a management result. */
const LOCAL_COMMANDS = new Set(['start', 'init', 'build', 'functions start', 'serve']);

const all = walk(program());
const leaves = all.filter(({ name, command }) => command.commands.length === 0 || name === 'deploy');
const hasOption = (command: Command, flag: string) => command.options.some((o) => o.long === flag);

describe('portico --help', () => {
  it('describes every command, argument and option', () => {
    const missing = all.flatMap(({ name, command }) => [
      ...(command.description() === '' ? [name] : []),
      ...command.registeredArguments
        .filter((argument) => argument.description === '')
        .map((argument) => `${name} <${argument.name()}>`),
      ...command.options.filter((option) => option.description === '').map((o) => `${name} ${o.flags}`),
    ]);
    expect(missing).toEqual([]);
  });

  it('offers --json on every management command', () => {
    const without = leaves
      .filter(({ name }) => !LOCAL_COMMANDS.has(name))
      .filter(({ command }) => !hasOption(command, '--json'))
      .map(({ name }) => name);
    expect(without).toEqual([]);
  });

  it('offers --yes on every deleting command', () => {
    const deleting = leaves.filter(({ name }) => / (delete|remove)$/.test(name));
    expect(deleting.map(({ name }) => name)).toContain('site delete');
    expect(deleting.filter(({ command }) => !hasOption(command, '--yes')).map(({ name }) => name)).toEqual(
      [],
    );
  });

  it('names --show-keys in apim subscription --help', () => {
    const group = all.find(({ name }) => name === 'apim subscription');
    expect(group?.command.helpInformation()).toContain('--show-keys');
  });
});
