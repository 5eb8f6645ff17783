/**
 * Checks one option value of a `swa-cli.config.json` configuration or a `SWA_CLI_*` variable against its
 * kind. Environment values are always strings, so numbers and booleans are read from text there (as the
 * SWA CLI does: `true`/`1` and `false`/`0`); in the file a quoted number or boolean is accepted with a
 * warning.
 */
import { InvalidArgumentError } from 'commander';
import { MAX_SECONDS, parseEnvironment } from '../options.js';
import type { SwaValueKind } from './keys.js';

/** The outcome of checking one value. */
export type ValueCheck =
  | { readonly ok: true; readonly value: string | number | boolean; readonly warning?: string }
  | { readonly ok: false; readonly message: string };

const TRUE_WORDS = new Set(['true', '1']);
const FALSE_WORDS = new Set(['false', '0']);

/** Checks `raw`; `fromText` says it came from an environment variable (strings expected). */
export function checkSwaValue(kind: SwaValueKind, raw: unknown, fromText: boolean): ValueCheck {
  switch (kind) {
    case 'path':
      return checkPath(raw);
    case 'string':
      return checkString(raw);
    case 'url':
      return checkUrl(raw);
    case 'port':
      return checkNumber(raw, fromText, isPort, 'a port number between 0 and 65535, e.g. 4280');
    case 'seconds':
      return checkNumber(
        raw,
        fromText,
        (n) => n > 0 && n <= MAX_SECONDS,
        `a positive number of seconds up to ${MAX_SECONDS}, e.g. 60`,
      );
    case 'boolean':
      return checkBoolean(raw, fromText);
    case 'environment':
      return checkEnvironment(raw);
  }
}

/** A deploy environment, read as `--env` reads it (`default` is production). */
function checkEnvironment(raw: unknown): ValueCheck {
  const checked = checkString(raw);
  if (!checked.ok || typeof checked.value !== 'string') {
    return checked;
  }
  try {
    return { ok: true, value: parseEnvironment(checked.value) };
  } catch (error) {
    if (error instanceof InvalidArgumentError) {
      return { ok: false, message: `${error.message.replace(/\.$/, '')}, got ${describe(raw)}` };
    }
    throw error;
  }
}

function checkString(raw: unknown): ValueCheck {
  if (typeof raw !== 'string' || raw.trim() === '') {
    return { ok: false, message: `expected a non-empty string, got ${describe(raw)}` };
  }
  return { ok: true, value: raw.trim() };
}

/**
 * A path as a teammate on Windows may have written it (`swa init` there writes `client\dist`): its
 * separators are read as `/`, saying so; a drive letter can name no folder here.
 */
function checkPath(raw: unknown): ValueCheck {
  const checked = checkString(raw);
  if (!checked.ok || typeof checked.value !== 'string' || !checked.value.includes('\\')) {
    return checked;
  }
  const text = checked.value;
  if (/^[A-Za-z]:[\\/]/.test(text) || text.startsWith('\\\\')) {
    return {
      ok: false,
      message: `${JSON.stringify(text)} is a Windows absolute path, which names no folder here; write it relative to the folder of swa-cli.config.json with / separators, e.g. "src"`,
    };
  }
  const value = text.replaceAll('\\', '/');
  return { ok: true, value, warning: `${JSON.stringify(text)} uses Windows separators; read as "${value}"` };
}

function checkUrl(raw: unknown): ValueCheck {
  if (typeof raw !== 'string' || !/^https?:\/\/[^/\s]+/i.test(raw.trim())) {
    return {
      ok: false,
      message: `expected an http:// or https:// URL, e.g. http://localhost:5173, got ${describe(raw)}`,
    };
  }
  return { ok: true, value: raw.trim().replace(/\/+$/, '') };
}

function checkNumber(
  raw: unknown,
  fromText: boolean,
  accept: (value: number) => boolean,
  expected: string,
): ValueCheck {
  const quoted = typeof raw === 'string' && raw.trim() !== '';
  const value = typeof raw === 'number' ? raw : quoted ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value) || !accept(value)) {
    return { ok: false, message: `expected ${expected}, got ${describe(raw)}` };
  }
  return quoted && !fromText
    ? { ok: true, value, warning: `write the number without quotes: ${value}` }
    : { ok: true, value };
}

function checkBoolean(raw: unknown, fromText: boolean): ValueCheck {
  if (typeof raw === 'boolean') {
    return { ok: true, value: raw };
  }
  const word = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
  if (word !== undefined && (TRUE_WORDS.has(word) || FALSE_WORDS.has(word))) {
    const value = TRUE_WORDS.has(word);
    return fromText ? { ok: true, value } : { ok: true, value, warning: `write ${value} without quotes` };
  }
  return { ok: false, message: `expected true or false, got ${describe(raw)}` };
}

function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 65535;
}

function describe(raw: unknown): string {
  if (raw === null) {
    return 'null';
  }
  if (Array.isArray(raw)) {
    return 'an array';
  }
  return typeof raw === 'object' ? 'an object' : JSON.stringify(raw);
}
