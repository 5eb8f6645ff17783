/**
 * The `--sandbox` choices and their parser, apart from the sandboxes themselves: the CLI's option
 * parsing imports this file alone, so a command that does not run functions never loads the functions
 * host (docs/decisions/0024-lazy-cli.md).
 */
import { PorticoError } from '../../shared/errors.js';
import { SANDBOX_CHOICES, type SandboxChoice } from './types.js';

/** Parses a `--sandbox` value; throws a user error listing the accepted ones. */
export function parseSandboxChoice(value: string): SandboxChoice {
  const choice = SANDBOX_CHOICES.find((candidate) => candidate === value.trim().toLowerCase());
  if (choice === undefined) {
    throw new PorticoError(
      'FUNCTIONS_SANDBOX_INVALID',
      `--sandbox ${value}: expected one of ${SANDBOX_CHOICES.join(', ')} (see docs/security.md)`,
    );
  }
  return choice;
}
