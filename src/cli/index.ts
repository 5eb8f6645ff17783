/**
 * Entry point of the `portico` command line: one command per file under `commands/`, listed in
 * `command-table.ts`. Only the module of the command being run is imported; the others are listed by
 * their summary alone, so `portico --help` and `portico site list` load neither the edge nor the
 * service (docs/decisions/0024-lazy-cli.md). Errors raised as user errors are printed as one clear
 * message with exit code 1, never as a stack trace.
 */
import { Command, CommanderError, Help } from 'commander';
import { isUserError } from '../shared/errors.js';
import { keepInspectorClosed } from '../shared/inspector-signal.js';
import { redactCredentials, redactUrlsIn } from '../shared/redact-url.js';
import { packageVersion } from '../shared/version.js';
import { ignoreClosedOutput } from './closed-output.js';
import { COMMAND_MODULES, type CommandSummary, commandNameOf, moduleOf } from './command-table.js';

/** Parses `argv` (as in `process.argv`) and runs the chosen command. */
export async function runCli(argv: readonly string[]): Promise<void> {
  // Before anything slow: a SIGUSR1 must never open Node's inspector (shared/inspector-signal.ts).
  keepInspectorClosed();
  // A reader that closed stdout early (`| head`) ends the output, not the command (closed-output.ts).
  ignoreClosedOutput();
  const program = new Command('portico')
    .description('Self-hosted Azure Static Web Apps: static hosting, /.auth and /api')
    .version(packageVersion(), '-v, --version', 'print the version of Portico')
    .enablePositionalOptions()
    .exitOverride()
    // Commander quotes a refused argument: a --url typed with a password must not reach a CI log.
    .configureOutput({ outputError: (text, write) => write(redactCredentials(redactArguments(text, argv))) });
  try {
    await registerCommands(program, commandNameOf(argv));
    addHelpHints(program);
    await program.parseAsync(withHelpTopic(program, argv));
  } catch (error) {
    handleCliError(error, argv);
  }
}

/**
 * `text` with the password of every URL argument it quotes masked: each argument (and `PORTICO_URL`) as
 * a whole, however it was typed (a quote or a space in the password), so a message that quotes one
 * (commander's refusal, a command's own error) never shows it.
 */
function redactArguments(text: string, argv: readonly string[]): string {
  const values = argv.flatMap((word) => {
    const equals = word.startsWith('-') ? word.indexOf('=') : -1;
    return equals < 0 ? [word] : [word, word.slice(equals + 1)];
  });
  return redactUrlsIn(text, [...values, process.env.PORTICO_URL]);
}

/**
 * `portico help <name>` for a command that does not exist runs `portico <name>`, so that commander says
 * it is unknown and suggests the nearest name (its own help command printed nothing and exited 1).
 * `portico help <name> <sub…>` runs `portico <name> <sub…> --help` (commander's own help command reads
 * only its first word: `portico help site create` showed the help of `site`), or, for a `<sub>` that
 * is no command, `portico <name> <sub>`, so that commander says which word is unknown; never so for a
 * command that runs itself with arguments (`deploy`): `portico help deploy x` must not deploy `x`.
 */
function withHelpTopic(program: Command, argv: readonly string[]): string[] {
  const words = argv.slice(2);
  const [first, topic, ...rest] = words;
  if (first !== 'help' || topic === undefined || topic.startsWith('-')) {
    return [...argv];
  }
  if (moduleOf(topic) === undefined) {
    return [...argv.slice(0, 2), topic, ...rest];
  }
  const path = [topic];
  let command = program.commands.find((c) => c.name() === topic);
  for (const word of rest.filter((w) => !w.startsWith('-'))) {
    const sub = command?.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub === undefined) {
      const runsItself = command === undefined || command.registeredArguments.length > 0;
      return [...argv.slice(0, 2), ...path, ...(runsItself ? ['--help'] : [word])];
    }
    path.push(word);
    command = sub;
  }
  return [...argv.slice(0, 2), ...path, '--help'];
}

/**
 * Registers the module of the command named `name` in full and every other command as a summary
 * (a name and a description, enough for the help and for "did you mean"), in the table's order.
 */
async function registerCommands(program: Command, name: string | undefined): Promise<void> {
  const terms = new Map<Command, string>();
  const chosen = moduleOf(name);
  for (const module of COMMAND_MODULES) {
    if (module === chosen) {
      (await module.load())(program);
      continue;
    }
    for (const command of module.commands) {
      terms.set(addSummary(program, command), command.term);
    }
  }
  program.configureHelp({
    subcommandTerm: (command) => terms.get(command) ?? new Help().subcommandTerm(command),
  });
}

/**
 * After a command-line error (an invalid value, an unknown option), commander prints the one-line cause
 * and then this hint, not the whole help: a CI log's last lines then show what went wrong.
 */
function addHelpHints(command: Command, prefix = 'portico'): void {
  command.showHelpAfterError(`Run '${prefix} --help' for ${hintTopic(command)}.`);
  for (const child of command.commands) {
    addHelpHints(child, `${prefix} ${child.name()}`);
  }
}

function hintTopic(command: Command): string {
  if (command.parent === null) {
    return 'the commands';
  }
  return command.options.length === 0 && command.commands.length > 0 ? 'its commands' : 'the options';
}

function addSummary(program: Command, summary: CommandSummary): Command {
  return program.command(summary.name).description(summary.description);
}

function handleCliError(error: unknown, argv: readonly string[]): void {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
    return;
  }
  if (isUserError(error)) {
    process.stderr.write(`portico: ${redactArguments(error.message, argv)}\n`);
    process.exitCode = error.exitCode ?? 1;
    return;
  }
  throw error;
}
