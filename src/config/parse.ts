import { errorMessage } from '../shared/guards.js';
import { findJsonSyntaxError, findRepeatedNames, type RepeatedName } from '../shared/json-syntax.js';
import { checkConfig } from './checks/check-config.js';
import { deepFreeze } from './internal/deep-freeze.js';
import { attachFile, createError, createWarning, hasErrors } from './internal/diagnostics.js';
import { normalizeConfig } from './normalize.js';
import type { ConfigResult, Diagnostic } from './types.js';
import { validateConfigValue } from './validate.js';

/**
 * The config pipeline for one text: JSON → validate → check → normalize → freeze. Pure: no I/O, no logging.
 */

const BYTE_ORDER_MARK = '\uFEFF';

/**
 * Parses the text of a `staticwebapp.config.json`. Never throws: every problem, with its JSON path, is in
 * `diagnostics`, and `ok` is false when any of them is an error. The result is deeply frozen.
 *
 * @param text the file content
 * @param file the file's absolute path, copied onto every diagnostic
 * @example
 * const result = parseConfigText('{"routes":[{"route":"/admin/*","allowedRoles":["admin"]}]}');
 * if (result.ok) console.log(result.config.routes[0]?.allowedRoles); // ["admin"]
 */
export function parseConfigText(text: string, file?: string): ConfigResult {
  const unmarked = text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text;
  const json = parseJson(unmarked);
  if ('error' in json) {
    return deepFreeze({ ok: false as const, diagnostics: attachFile([json.error], file) });
  }
  const result = parseConfigValue(json.value);
  const repeated = repeatedNameWarnings(unmarked);
  return deepFreeze({ ...result, diagnostics: attachFile([...result.diagnostics, ...repeated], file) });
}

/**
 * A property written twice in one object is taken from its last occurrence (as `JSON.parse` and Azure's
 * parser do); the first is ignored without a word, which hides a rule merged in twice. Said as a warning.
 */
function repeatedNameWarnings(text: string): Diagnostic[] {
  return findRepeatedNames(text).map((found) => {
    const [both, ignored] = placesOf(found);
    return createWarning(
      found.path,
      `this property appears more than once in its object (${both}); only the last one counts, so the one ${ignored} is ignored; merge them into one`,
    );
  });
}

/** Where both occurrences are, and where the ignored one is: by line, and by column on one line. */
function placesOf(found: RepeatedName): [string, string] {
  const { firstLine, lastLine, firstColumn, lastColumn } = found;
  return firstLine === lastLine
    ? [
        `line ${firstLine}, columns ${firstColumn} and ${lastColumn}`,
        `at line ${firstLine}, column ${firstColumn}`,
      ]
    : [`lines ${firstLine} and ${lastLine}`, `on line ${firstLine}`];
}

/** Runs validate → check → normalize on an already parsed JSON value. The result is not frozen. */
export function parseConfigValue(value: unknown): ConfigResult {
  const validation = validateConfigValue(value);
  const diagnostics = orderBySeverity([...validation.diagnostics, ...checkConfig(validation.salvaged)]);
  if (validation.config === undefined || hasErrors(diagnostics)) {
    return { ok: false, diagnostics };
  }
  return { ok: true, config: normalizeConfig(validation.config), diagnostics };
}

/** Errors first, each group in the order found. */
function orderBySeverity(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [
    ...diagnostics.filter((diagnostic) => diagnostic.severity === 'error'),
    ...diagnostics.filter((diagnostic) => diagnostic.severity === 'warning'),
  ];
}

function parseJson(text: string): { value: unknown } | { error: Diagnostic } {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: describeJsonError(text, error) };
  }
}

function describeJsonError(text: string, error: unknown): Diagnostic {
  const located = findJsonSyntaxError(text);
  const fix = 'fix the JSON syntax';
  if (located === undefined) {
    return createError([], `the file is not valid JSON (${errorMessage(error)}); ${fix}`);
  }
  return createError(
    [],
    `the file is not valid JSON: line ${located.line}, column ${located.column}: ${located.message}`,
  );
}
