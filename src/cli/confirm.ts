/**
 * Confirmation of deleting commands (CONTRACT §5): `--yes` skips it; on a terminal the command asks
 * (default no); without a terminal it refuses unless `--yes` is given, so a script never deletes by accident.
 */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { PorticoError } from '../shared/errors.js';

/** The flag a deleting command reads. */
export interface YesFlags {
  readonly yes?: boolean;
}

/** Adds `-y, --yes` to a deleting command. */
export function addYesOption(command: Command): Command {
  return command.option('-y, --yes', 'delete without asking (needed when not run on a terminal)');
}

/**
 * Resolves when deleting `what` is confirmed: by `--yes`, or by answering y/yes on a terminal. Throws a
 * usage error (nothing is deleted) without a terminal and without `--yes`, or when the answer is not yes.
 */
export async function confirmDeletion(what: string, flags: YesFlags): Promise<void> {
  if (flags.yes === true) {
    return;
  }
  if (process.stdin.isTTY !== true) {
    throw new PorticoError(
      'CLI_USAGE',
      `Not deleting ${what}: there is no terminal to confirm on. Pass --yes to delete without asking.`,
    );
  }
  const readline = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await readline.question(`Delete ${what}? This cannot be undone. [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) {
      throw new PorticoError('CLI_USAGE', `Nothing deleted: ${what} is kept.`);
    }
  } finally {
    readline.close();
  }
}
