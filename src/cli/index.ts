/**
 * Entry point of the `portico` command line: one command per file under `commands/`. Errors raised as
 * user errors are printed as one clear message with exit code 1, never as a stack trace.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isUserError } from '../shared/errors.js';
import { registerApimCommands } from './commands/apim.js';
import { registerBackendCommands } from './commands/backends.js';
import { registerBuildCommand } from './commands/build.js';
import { registerDeployCommands } from './commands/deploy.js';
import { registerDomainCommands } from './commands/domain.js';
import { registerEnvCommands } from './commands/env.js';
import { registerFunctionsCommands } from './commands/functions-start.js';
import { registerInitCommand } from './commands/init.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSettingsCommands } from './commands/settings.js';
import { registerSiteCommands } from './commands/site.js';
import { registerStartCommand } from './commands/start.js';
import { registerUsersCommands } from './commands/users.js';

/** Parses `argv` (as in `process.argv`) and runs the chosen command. */
export async function runCli(argv: readonly string[]): Promise<void> {
  const program = new Command('portico')
    .description('Self-hosted Azure Static Web Apps: static hosting, /.auth and /api')
    .version(readPackageVersion(), '-v, --version', 'print the version of Portico')
    .showHelpAfterError()
    .enablePositionalOptions()
    .exitOverride();
  registerStartCommand(program);
  registerInitCommand(program);
  registerBuildCommand(program);
  registerFunctionsCommands(program);
  registerServeCommand(program);
  registerSiteCommands(program);
  registerDeployCommands(program);
  registerEnvCommands(program);
  registerSettingsCommands(program);
  registerUsersCommands(program);
  registerApimCommands(program);
  registerBackendCommands(program);
  registerDomainCommands(program);
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    handleCliError(error);
  }
}

/** The `version` of Portico's package.json (two folders up from both src/cli and dist/cli). */
function readPackageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

function handleCliError(error: unknown): void {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
    return;
  }
  if (isUserError(error)) {
    process.stderr.write(`portico: ${error.message}\n`);
    process.exitCode = error.exitCode ?? 1;
    return;
  }
  throw error;
}
