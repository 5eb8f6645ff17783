/** Parsers of command-line option values shared by the commands; each says what it expected. */

import { isIPv6 } from 'node:net';
import { InvalidArgumentError } from 'commander';
// The choices alone, not the functions host's index: every management command parses its options here.
import { parseSandboxChoice } from '../functions-host/sandbox/choice.js';
import {
  FUNCTIONS_NETWORKS,
  type FunctionsNetwork,
  SANDBOX_CHOICES,
  type SandboxChoice,
} from '../functions-host/sandbox/types.js';
import { SPECIAL_OBJECT_KEYS } from '../shared/guards.js';
import { clip } from '../shared/quote.js';
import { isBuiltInRole, isRoleName, MAX_CUSTOM_ROLES, ROLE_NAME_RULE } from '../shared/role-names.js';
import { findUserDetailsProblem, USER_DETAILS_RULE } from '../shared/user-details.js';
import { findHttpUrlProblem, HTTP_URL_SHAPE } from './http-url.js';

/** A TCP port (0 picks a free one). */
export function parsePort(value: string): number {
  const port = /^\d{1,5}$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('expected a port number between 0 and 65535.');
  }
  return port;
}

/** A folder path: not empty (an unset shell variable must not make the current folder the one used). */
export function parseFolder(value: string): string {
  if (value.trim() === '') {
    throw new InvalidArgumentError('expected a folder path, got an empty value.');
  }
  return value;
}

const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** A DNS name such as `portico.example.com` (no scheme, port or path), at most 253 characters. */
export function parseDomainName(value: string): string {
  const labels = value.split('.');
  if (value.length > 253 || !labels.every((label) => HOST_LABEL.test(label))) {
    throw new InvalidArgumentError(
      `expected a domain name such as sites.example.com (letters, digits, '-' and dots; no scheme, port or path), got '${clip(value)}'.`,
    );
  }
  return value.toLowerCase();
}

/** The longest delay a Node.js timer keeps (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** The most seconds a duration option may say, so that its timer waits as long as asked. */
export const MAX_SECONDS = Math.floor(MAX_TIMER_MS / 1000);
/** The most minutes a duration option may say, for the same reason. */
const MAX_MINUTES = Math.floor(MAX_TIMER_MS / 60_000);

/** A positive number of seconds, up to {@link MAX_SECONDS}. */
export function parseSeconds(value: string): number {
  return parseDuration(value, 'seconds', MAX_SECONDS);
}

/** A positive number of minutes, up to {@link MAX_MINUTES}. */
export function parseMinutes(value: string): number {
  return parseDuration(value, 'minutes', MAX_MINUTES);
}

function parseDuration(value: string, unit: string, max: number): number {
  const amount = Number(value);
  if (!Number.isFinite(amount) || amount <= 0 || amount > max) {
    throw new InvalidArgumentError(`expected a positive number of ${unit}, at most ${max} (about 24 days).`);
  }
  return amount;
}

/** `--workers`: a whole number of processes from 1 to 256. */
export function parseWorkers(value: string): number {
  const workers = Number(value);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    throw new InvalidArgumentError(
      'expected a whole number of processes from 1 to 256 (the CPU count is a good choice).',
    );
  }
  return workers;
}

/** An http(s) URL that parses (a port up to 65535, one `:port`, an IPv6 address in `[]`), without trailing slashes. */
export function parseHttpUrl(value: string): string {
  return checkHttpUrl(value, 'http://127.0.0.1:7071');
}

/** {@link parseHttpUrl} for the address of `portico serve`'s admin API, whose errors show its default. */
export function parseAdminUrl(value: string): string {
  return checkHttpUrl(value, 'http://127.0.0.1:4281');
}

function checkHttpUrl(value: string, example: string): string {
  if (!/^https?:\/\/[^/]+/i.test(value)) {
    throw new InvalidArgumentError(`expected an http:// or https:// URL, e.g. ${example}.`);
  }
  const problem = findHttpUrlProblem(value);
  if (problem !== undefined) {
    throw new InvalidArgumentError(
      `the URL is malformed: ${problem}; a valid one looks like ${HTTP_URL_SHAPE}, e.g. ${example}.`,
    );
  }
  return value.replace(/\/+$/, '');
}

/** A PostgreSQL URL (`postgres://` or `postgresql://`): the one database server Portico shares. */
export function parseDatabaseUrl(value: string): string {
  if (!/^postgres(?:ql)?:\/\/./i.test(value)) {
    throw new InvalidArgumentError(
      'expected a PostgreSQL URL such as postgres://user:password@db.example.com:5432/portico (without it, portico serve keeps an embedded SQLite database in --data).',
    );
  }
  return value;
}

/** A Redis URL (`redis://` or `rediss://`). */
export function parseRedisUrl(value: string): string {
  if (!/^rediss?:\/\/./i.test(value)) {
    throw new InvalidArgumentError(
      'expected a Redis URL such as redis://127.0.0.1:6379 (or rediss:// for TLS).',
    );
  }
  return value;
}

/** A heap size in whole megabytes (at least 16). */
export function parseMegabytes(value: string): number {
  const megabytes = Number(value);
  if (!Number.isInteger(megabytes) || megabytes < 16) {
    throw new InvalidArgumentError('expected a whole number of megabytes, at least 16.');
  }
  return megabytes;
}

/** A hosting plan: `free` or `standard` (any case). */
export function parsePlan(value: string): 'free' | 'standard' {
  const plan = value.toLowerCase();
  if (plan !== 'free' && plan !== 'standard') {
    throw new InvalidArgumentError('expected free or standard.');
  }
  return plan;
}

/**
 * An environment: `production` or 1–16 letters and digits. `default`, in any case, is production: it is
 * production's build name in the REST API (`builds/default`), as in Azure, so `--env default` never
 * makes an environment of its own.
 */
export function parseEnvironment(value: string): string {
  const lower = value.toLowerCase();
  if (lower === 'production' || lower === 'default') {
    return 'production';
  }
  if (!/^[0-9a-zA-Z]{1,16}$/.test(value)) {
    throw new InvalidArgumentError(
      "expected 'production' (or 'default', its REST name) or 1 to 16 letters and digits, e.g. pr42.",
    );
  }
  return value;
}

/**
 * The environment `deploy close` closes: 1–16 letters and digits. `production` (or `default`) passes, as
 * for {@link parseEnvironment}, for the server to refuse with its reason, but a refusal of the value's
 * form names only what can be closed.
 */
export function parsePreviewEnvironment(value: string): string {
  const lower = value.toLowerCase();
  if (lower !== 'production' && lower !== 'default' && !/^[0-9a-zA-Z]{1,16}$/.test(value)) {
    throw new InvalidArgumentError(
      'expected a preview environment: 1 to 16 letters and digits, e.g. pr42 (production never closes).',
    );
  }
  return parseEnvironment(value);
}

/** An app setting `KEY=VALUE`: the name of letters, digits, `.` and `_`; the value may be empty or hold `=`. */
export function parseSetting(value: string): [name: string, value: string] {
  const index = value.indexOf('=');
  const name = index < 0 ? '' : value.slice(0, index);
  if (!/^[A-Za-z0-9._]+$/.test(name)) {
    throw new InvalidArgumentError(
      `expected NAME=VALUE with a name of letters, digits, '.' and '_' (e.g. DATABASE_URL=postgres://…), got '${clip(value)}'.`,
    );
  }
  if (SPECIAL_OBJECT_KEYS.has(name)) {
    throw new InvalidArgumentError(
      `the app setting name ${name} is reserved (__proto__, constructor and prototype are special in JavaScript); choose another name.`,
    );
  }
  return [name, value.slice(index + 1)];
}

/** Collects repeated or variadic `KEY=VALUE` values (a commander argument parser). */
export function collectSettings(
  value: string,
  previous: readonly [string, string][] | undefined,
): [string, string][] {
  return [...(previous ?? []), parseSetting(value)];
}

/**
 * A user's name at the provider (`--user`), by the rule a signed-in user's follows
 * (shared/user-details.ts): an invitation for any other could never be accepted.
 */
export function parseUserDetails(value: string): string {
  const problem = findUserDetailsProblem(value);
  if (problem !== undefined) {
    throw new InvalidArgumentError(
      `the user ${problem}: give the name the provider shows (GitHub user name, or e-mail for aad), in ${USER_DETAILS_RULE}.`,
    );
  }
  return value.trim();
}

/** Custom role names, comma-separated (shared/role-names.ts); not anonymous or authenticated. */
export function parseRoles(value: string): string[] {
  const roles = [
    ...new Set(
      value
        .split(',')
        .map((role) => role.trim())
        .filter((role) => role !== ''),
    ),
  ];
  const bad = roles.filter((role) => !isRoleName(role) || isBuiltInRole(role));
  if (roles.length === 0 || bad.length > 0) {
    throw new InvalidArgumentError(
      `expected comma-separated custom role names (${ROLE_NAME_RULE}; not anonymous or authenticated), e.g. admin,editor${bad.length > 0 ? `; invalid: ${bad.map((role) => role.slice(0, 80)).join(', ')}` : ''}.`,
    );
  }
  if (roles.length > MAX_CUSTOM_ROLES) {
    throw new InvalidArgumentError(
      `${roles.length} roles given; a user holds at most ${MAX_CUSTOM_ROLES}, as many as staticwebapp.config.json may name.`,
    );
  }
  return roles;
}

/** `--hours` of a test session: a whole number of hours from 1 to 24. */
export function parseSessionHours(value: string): number {
  return parseWholeHours(value, 24);
}

/** How long an invitation stays valid: a whole number of hours from 1 to 168 (one week). */
export function parseHours(value: string): number {
  return parseWholeHours(value, 168);
}

function parseWholeHours(value: string, max: number): number {
  const hours = Number(value);
  if (!Number.isInteger(hours) || hours < 1 || hours > max) {
    throw new InvalidArgumentError(`expected a whole number of hours from 1 to ${max}.`);
  }
  return hours;
}

/** A `--functions-network` value: auto, private or shared (any case). */
export function parseFunctionsNetworkFlag(value: string): FunctionsNetwork {
  const network = FUNCTIONS_NETWORKS.find((candidate) => candidate === value.trim().toLowerCase());
  if (network === undefined) {
    throw new InvalidArgumentError(
      `expected one of ${FUNCTIONS_NETWORKS.join(', ')} (see docs/security.md).`,
    );
  }
  return network;
}

/** A `--sandbox` mechanism: auto, bubblewrap, user, node or none (any case). */
export function parseSandboxFlag(value: string): SandboxChoice {
  try {
    return parseSandboxChoice(value);
  } catch {
    throw new InvalidArgumentError(`expected one of ${SANDBOX_CHOICES.join(', ')} (see docs/security.md).`);
  }
}

/**
 * An address to listen on. An IPv6 address may be written as in a URL (`[::1]`): the brackets are taken
 * off, as the listener wants the bare address.
 */
export function parseListenHost(value: string): string {
  const trimmed = value.trim();
  const inner = /^\[(.*)\]$/.exec(trimmed)?.[1];
  return inner !== undefined && isIPv6(inner) ? inner : trimmed;
}

/** A host name as `--allowed-host` takes it: a name (`.name` for its subdomains too), or `all`. */
const ALLOWED_HOST = /^\.?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/;

/**
 * `--allowed-host <name>[,<name>…]`, repeatable (and `PORTICO_ALLOWED_HOSTS`, named by `source`): host
 * names without scheme or port, lower-cased, added to `previous`.
 */
export function parseAllowedHosts(
  value: string,
  previous: readonly string[] = [],
  source = '--allowed-host',
): string[] {
  const names = value
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  for (const name of names) {
    if (!ALLOWED_HOST.test(name)) {
      throw new InvalidArgumentError(
        `${source === undefined ? '' : `${source}: `}"${name}" is not a host name; give the name alone, without scheme or port (e.g. my-tunnel.example, or .example.com for it and its subdomains, or all).`,
      );
    }
  }
  return [...previous, ...names.map((name) => (name.endsWith('.') ? name.slice(0, -1) : name))];
}
