/**
 * How management commands reach `portico serve`: `--url`, `--token` and `--token-file` on every command,
 * falling back to `PORTICO_URL` and `PORTICO_TOKEN` (CONTRACT §5).
 */

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { createManagementClient, type ManagementClient } from '../client/index.js';
import { createResourceClient, type ResourceClient } from '../client/resources.js';
import { PorticoError } from '../shared/errors.js';
import { redactUrlPassword } from '../shared/redact-url.js';
import { findHttpUrlProblem, HTTP_URL_SHAPE } from './http-url.js';
import { parseAdminUrl } from './options.js';

/** The admin listener `portico serve` opens by default. */
export const DEFAULT_URL = 'http://127.0.0.1:4281';

/** The connection flags of a management command. */
export interface ConnectionFlags {
  readonly url?: string;
  readonly token?: string;
  readonly tokenFile?: string;
}

/** The flags of a management command that prints a result (`--json`, output.ts `addJsonOption`). */
export interface JsonFlags extends ConnectionFlags {
  readonly json?: boolean;
}

/** Environment variables the connection falls back to (`process.env` in the CLI). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Adds `--url`, `--token` and `--token-file` to a command. */
export function addConnectionOptions(command: Command): Command {
  return command
    .option(
      '--url <url>',
      `admin URL of portico serve (env PORTICO_URL, default ${DEFAULT_URL})`,
      parseAdminUrl,
    )
    .option('--token <token>', 'admin token (env PORTICO_TOKEN)')
    .option('--token-file <path>', 'file holding the admin token, e.g. .portico/admin-token');
}

/** The base URL: `--url`, else `PORTICO_URL`, else {@link DEFAULT_URL}. */
export function resolveUrl(flags: ConnectionFlags, env: Environment): string {
  if (flags.url !== undefined) {
    return flags.url;
  }
  const fromEnv = env.PORTICO_URL?.trim();
  if (fromEnv === undefined || fromEnv === '') {
    return DEFAULT_URL;
  }
  if (!/^https?:\/\/[^/]+/i.test(fromEnv)) {
    throw new PorticoError(
      'CLI_USAGE',
      `PORTICO_URL must be an http:// or https:// URL such as ${DEFAULT_URL}; it is '${redactUrlPassword(fromEnv)}'.`,
    );
  }
  const problem = findHttpUrlProblem(fromEnv);
  if (problem !== undefined) {
    throw new PorticoError(
      'CLI_USAGE',
      `PORTICO_URL '${redactUrlPassword(fromEnv)}' is malformed: ${problem}. A valid one looks like ${HTTP_URL_SHAPE}, e.g. ${DEFAULT_URL}.`,
    );
  }
  return fromEnv.replace(/\/+$/, '');
}

/** The admin token: `--token`, else `--token-file`, else `PORTICO_TOKEN`; `undefined` when none is given. */
export async function findAdminToken(flags: ConnectionFlags, env: Environment): Promise<string | undefined> {
  if (flags.token !== undefined && flags.token.trim() !== '') {
    return flags.token.trim();
  }
  if (flags.tokenFile !== undefined) {
    return readTokenFile(flags.tokenFile);
  }
  const fromEnv = env.PORTICO_TOKEN?.trim();
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

async function readTokenFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = cause instanceof Error && 'code' in cause ? String(cause.code) : String(cause);
    throw new PorticoError('CLI_CONNECTION_MISSING', `Cannot read the admin token file ${path} (${code}).`, {
      cause,
    });
  }
  const token = text.trim();
  if (token === '') {
    throw new PorticoError('CLI_CONNECTION_MISSING', `The admin token file ${path} is empty.`);
  }
  return token;
}

/** The admin token, or a user error saying how to give one. */
export async function requireAdminToken(flags: ConnectionFlags, env: Environment): Promise<string> {
  const token = await findAdminToken(flags, env);
  if (token === undefined) {
    throw new PorticoError(
      'CLI_CONNECTION_MISSING',
      'No admin token: pass --token or set PORTICO_TOKEN (portico serve writes it to <data>/admin-token).',
    );
  }
  return token;
}

/** A management client from the connection flags and `process.env`. */
export async function connectAdmin(flags: ConnectionFlags): Promise<ManagementClient> {
  const url = resolveUrl(flags, process.env);
  return createManagementClient({ url, token: await requireAdminToken(flags, process.env) });
}

/** A client of the API Management, backend and link routes from the connection flags. */
export async function connectResources(flags: ConnectionFlags): Promise<ResourceClient> {
  const url = resolveUrl(flags, process.env);
  return createResourceClient({ url, token: await requireAdminToken(flags, process.env) });
}
