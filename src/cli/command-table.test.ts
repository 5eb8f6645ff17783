import { Command, Help } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_MODULES, commandNameOf, moduleOf } from './command-table.js';

describe('the command table', () => {
  it('lists exactly what each module registers: names, terms and descriptions, in order', async () => {
    const help = new Help();
    for (const module of COMMAND_MODULES) {
      const program = new Command('portico');
      (await module.load())(program);
      const registered = program.commands.map((command) => ({
        name: command.name(),
        term: help.subcommandTerm(command),
        description: command.description(),
      }));
      expect(registered).toEqual(module.commands);
    }
  });

  it('names each command once', () => {
    const names = COMMAND_MODULES.flatMap((module) => module.commands.map((command) => command.name));
    expect(new Set(names).size).toBe(names.length);
  });

  it('finds the command a command line runs, or asks help about', () => {
    expect(commandNameOf(['node', 'portico', 'site', 'list', '--json'])).toBe('site');
    expect(commandNameOf(['node', 'portico', 'help', 'deploy'])).toBe('deploy');
    expect(commandNameOf(['node', 'portico', '--help'])).toBeUndefined();
    expect(commandNameOf(['node', 'portico', '-v'])).toBeUndefined();
    expect(moduleOf('unlink')).toBe(moduleOf('functionapp'));
    expect(moduleOf('nope')).toBeUndefined();
  });
});
