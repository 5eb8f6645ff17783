/**
 * `portico settings set|list|delete`: app settings (environment variables of the API) of one environment
 * (CONTRACT §5). The REST API only replaces all settings at once, so `set` and `delete` read the current
 * settings, change them and write them all back.
 */

import type { Command } from 'commander';
import { type AppSettingsDocument, type ManagementClient, serverErrorCode } from '../../client/index.js';
import { ownValue } from '../../shared/guards.js';
import { addYesOption, confirmDeletion, type YesFlags } from '../confirm.js';
import { addConnectionOptions, connectAdmin, type JsonFlags } from '../connection.js';
import { collectSettings, parseEnvironment } from '../options.js';
import { addJsonOption, writeJson, writeLines, writeNote, writeResult } from '../output.js';

interface SettingsFlags extends JsonFlags {
  readonly site: string;
  readonly env: string;
}

/** Adds `--site` and `--env` to a settings command. */
function addTargetOptions(command: Command): Command {
  return addConnectionOptions(command)
    .requiredOption('--site <name>', 'the site')
    .option('--env <env>', "environment: 'production' or its name", parseEnvironment, 'production');
}

/** Adds the `settings` command group to the program. */
export function registerSettingsCommands(program: Command): void {
  const settings = program.command('settings').description('Manage the app settings of an environment');
  addJsonOption(addTargetOptions(settings.command('set')))
    .description('Add or change app settings (the others are kept)')
    .argument('<settings...>', 'NAME=VALUE pairs', collectSettings)
    .action((pairs: [string, string][], flags: SettingsFlags) => setSettings(pairs, flags));
  addJsonOption(addTargetOptions(settings.command('list')))
    .description('List the app settings of an environment')
    .action((flags: SettingsFlags) => listSettings(flags));
  addYesOption(addJsonOption(addTargetOptions(settings.command('delete'))))
    .description('Remove app settings')
    .argument('<names...>', 'setting names')
    .action((names: string[], flags: SettingsFlags & YesFlags) => deleteSettings(names, flags));
}

async function setSettings(pairs: readonly [string, string][], flags: SettingsFlags): Promise<void> {
  const client = await connectAdmin(flags);
  const saved = await changeSettings(client, flags, (current) => ({
    ...current,
    ...Object.fromEntries(pairs),
  }));
  const names = [...new Set(pairs.map(([name]) => name))];
  writeResult(flags, { properties: saved.properties }, [
    `Saved ${names.join(', ')} in ${describeTarget(flags)} (${countSettings(Object.keys(saved.properties).length)} in all).`,
  ]);
  writeWarnings(saved);
}

/** What sign-in lacks now (app settings the live registrations name), after the result. */
function writeWarnings(saved: AppSettingsDocument): void {
  for (const warning of saved.warnings ?? []) {
    writeNote(`portico: warning: ${warning}`);
  }
}

async function listSettings(flags: SettingsFlags): Promise<void> {
  const settings = await (await connectAdmin(flags)).listAppSettings(flags.site, flags.env);
  if (flags.json === true) {
    writeJson({ properties: settings });
    return;
  }
  const names = Object.keys(settings).sort();
  if (names.length === 0) {
    writeNote(`No app settings in ${describeTarget(flags)}.`);
    return;
  }
  writeLines(names.map((name) => `${name}=${ownValue(settings, name) ?? ''}`));
}

async function deleteSettings(names: readonly string[], flags: SettingsFlags & YesFlags): Promise<void> {
  const client = await connectAdmin(flags);
  const current = await client.listAppSettings(flags.site, flags.env);
  const unknown = names.filter((name) => !Object.hasOwn(current, name));
  for (const name of unknown) {
    writeNote(`${name} is not set in ${describeTarget(flags)}.`);
  }
  const removed = names.filter((name) => Object.hasOwn(current, name));
  if (removed.length === 0) {
    if (flags.json === true) {
      writeJson({ properties: current });
    }
    return;
  }
  await confirmDeletion(`${removed.join(', ')} from ${describeTarget(flags)}`, flags);
  const saved = await changeSettings(client, flags, (latest) =>
    Object.fromEntries(Object.entries(latest).filter(([name]) => !removed.includes(name))),
  );
  writeResult(flags, { properties: saved.properties }, [
    `Removed ${removed.join(', ')} from ${describeTarget(flags)}.`,
  ]);
  writeWarnings(saved);
}

/**
 * Times a change is tried when someone else saved the settings in between: ten writers at once (a CI
 * matrix setting one value each) all get through, each waiting a little longer, at random, between tries.
 */
const CHANGE_ATTEMPTS = 12;
/** The longest wait between two tries, in ms. */
const MAX_RETRY_WAIT_MS = 400;

/**
 * Reads the settings, applies `change` and saves them only while nobody saved others in between
 * (`If-Match`); when someone did, reads and applies the change again, so no one's setting is dropped.
 */
async function changeSettings(
  client: ManagementClient,
  flags: SettingsFlags,
  change: (current: Readonly<Record<string, string>>) => Record<string, string>,
): Promise<AppSettingsDocument> {
  for (let attempt = 1; ; attempt += 1) {
    const { properties, etag } = await client.readAppSettings(flags.site, flags.env);
    try {
      return await client.putAppSettings(flags.site, flags.env, change(properties), etag);
    } catch (error) {
      const lost = serverErrorCode(error);
      if (
        (lost !== 'CONTROL_PRECONDITION_FAILED' && lost !== 'STORAGE_CONFLICT') ||
        attempt >= CHANGE_ATTEMPTS
      ) {
        throw error;
      }
    }
    const wait = Math.random() * Math.min(MAX_RETRY_WAIT_MS, 25 * 2 ** attempt);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

function countSettings(count: number): string {
  return count === 1 ? '1 setting' : `${count} settings`;
}

function describeTarget(flags: SettingsFlags): string {
  return `the ${flags.env} environment of ${flags.site}`;
}
