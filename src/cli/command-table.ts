/**
 * The table of `portico`'s top-level commands: what `portico --help` lists without loading anything, and
 * which module registers each command. Only the module of the command being run is imported, so
 * `portico site list` never loads the database drivers, the gateway or the edge (see
 * docs/decisions/0024-lazy-cli.md). `command-table.test.ts` checks that every entry matches
 * what its module registers.
 */
import type { Command } from 'commander';

/** One top-level command as `portico --help` lists it. */
export interface CommandSummary {
  /** The command's name, as typed after `portico`. */
  readonly name: string;
  /** How the help lists it: the name, `[options]` when it has any, then its arguments. */
  readonly term: string;
  /** The one-line description its module gives it. */
  readonly description: string;
}

/** A module under `commands/` and the top-level commands it registers, in registration order. */
export interface CommandModule {
  readonly commands: readonly CommandSummary[];
  /** Imports the module and returns its function that adds those commands to the program. */
  readonly load: () => Promise<(program: Command) => unknown>;
}

const summary = (name: string, term: string, description: string): CommandSummary => ({
  name,
  term,
  description,
});

/** Every command module, in the order `portico --help` lists their commands. */
export const COMMAND_MODULES: readonly CommandModule[] = [
  {
    commands: [
      summary(
        'start',
        'start [options] [target]',
        'Serve a static web app folder (or a dev server) with staticwebapp.config.json, /.auth emulation and /api; reads swa-cli.config.json',
      ),
    ],
    load: async () => (await import('./commands/start.js')).registerStartCommand,
  },
  {
    commands: [
      summary(
        'init',
        'init [options] [configName]',
        'Write swa-cli.config.json for this project from what is detected (framework, output, API)',
      ),
    ],
    load: async () => (await import('./commands/init.js')).registerInitCommand,
  },
  {
    commands: [
      summary(
        'build',
        'build [options] [configName|appLocation]',
        'Build the app and the API with their build commands (from swa-cli.config.json or detected)',
      ),
    ],
    load: async () => (await import('./commands/build.js')).registerBuildCommand,
  },
  {
    commands: [summary('functions', 'functions', 'Run Azure Functions apps on their own')],
    load: async () => (await import('./commands/functions-start.js')).registerFunctionsCommands,
  },
  {
    commands: [
      summary(
        'serve',
        'serve [options]',
        'Host many static web apps with environments, deployments and a management API',
      ),
    ],
    load: async () => (await import('./commands/serve.js')).registerServeCommand,
  },
  {
    commands: [summary('site', 'site', 'Create, show, list and delete static sites')],
    load: async () => (await import('./commands/site.js')).registerSiteCommands,
  },
  {
    commands: [
      summary(
        'deploy',
        'deploy [options] [target]',
        'Deploy a built front end and an optional Azure Functions API to a site; reads swa-cli.config.json',
      ),
    ],
    load: async () => (await import('./commands/deploy.js')).registerDeployCommands,
  },
  {
    commands: [summary('env', 'env', 'List and delete the environments of a site')],
    load: async () => (await import('./commands/env.js')).registerEnvCommands,
  },
  {
    commands: [summary('settings', 'settings', 'Manage the app settings of an environment')],
    load: async () => (await import('./commands/settings.js')).registerSettingsCommands,
  },
  {
    commands: [summary('users', 'users', 'Invite users to custom roles and manage them')],
    load: async () => (await import('./commands/users.js')).registerUsersCommands,
  },
  {
    commands: [summary('apim', 'apim', 'API Management services: APIs, products, subscriptions, policies')],
    load: async () => (await import('./commands/apim.js')).registerApimCommands,
  },
  {
    commands: [
      summary(
        'functionapp',
        'functionapp',
        'Function apps Portico runs for sites to link ("bring your own" Functions)',
      ),
      summary('webapp', 'webapp', 'Web apps: existing HTTP services sites can link ("App Service")'),
      summary(
        'containerapp',
        'containerapp',
        'Container apps: existing HTTP services sites can link ("Container Apps")',
      ),
      summary(
        'link',
        'link [options]',
        "Link a backend to an environment's /api (or --repair the current link)",
      ),
      summary('unlink', 'unlink [options]', "Stop proxying an environment's /api to its backend"),
      summary('backends', 'backends [options]', "Show what each environment's /api goes to"),
    ],
    load: async () => (await import('./commands/backends.js')).registerBackendCommands,
  },
  {
    commands: [summary('domain', 'domain', 'Custom domains of a site, their validation and certificates')],
    load: async () => (await import('./commands/domain.js')).registerDomainCommands,
  },
];

/**
 * The name of the command `argv` (as in `process.argv`) runs, or of the command `portico help <name>`
 * asks about; undefined when it names none (`portico`, `portico --help`, `portico --version`).
 * The program's own options are flags only, so the first word that is not an option is the command.
 */
export function commandNameOf(argv: readonly string[]): string | undefined {
  const words = argv.slice(2).filter((word) => !word.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/** The module that registers the command called `name`, if any. */
export function moduleOf(name: string | undefined): CommandModule | undefined {
  return COMMAND_MODULES.find((module) => module.commands.some((command) => command.name === name));
}
