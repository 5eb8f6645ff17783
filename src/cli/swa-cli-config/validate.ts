/**
 * Checks one named configuration of `swa-cli.config.json` for a command: the keys Portico applies are
 * type-checked (every problem listed with its JSON path, nothing applied when one is wrong), keys the SWA
 * CLI reads but Portico ignores and unknown keys are warnings. A sub-object named after the command (e.g.
 * `"start": { "port": 4000 }`) overrides the configuration's keys for that command, as in the SWA CLI.
 */
import { editDistance } from '../../shared/edit-distance.js';
import { PorticoError } from '../../shared/errors.js';
import { isRecord } from '../../shared/guards.js';
import {
  IGNORED_SWA_CLI_KEYS,
  isSwaCliKey,
  SWA_CLI_COMMANDS,
  SWA_CLI_KEYS,
  type SwaCliCommand,
  type SwaCliOptions,
} from './keys.js';
import { checkSwaValue } from './values.js';

/** A checked configuration. */
export interface CheckedConfiguration {
  readonly options: SwaCliOptions;
  readonly warnings: readonly string[];
}

/** What a command did not do when its configuration is invalid. */
const NOTHING_DONE: Partial<Record<SwaCliCommand, string>> = {
  start: 'nothing was started',
  deploy: 'nothing was deployed',
  build: 'nothing was built',
};

interface Findings {
  readonly options: Record<string, unknown>;
  readonly warnings: string[];
  readonly errors: string[];
}

/** Checks `configurations.<name>` of `file` for `command`; throws a user error listing every problem. */
export function checkConfiguration(
  entry: unknown,
  name: string,
  command: SwaCliCommand,
  file: string,
): CheckedConfiguration {
  const path = `configurations.${name}`;
  if (!isRecord(entry)) {
    throw new PorticoError('CLI_SWA_CONFIG_INVALID', `${file}: ${path} must be an object of options`);
  }
  const findings: Findings = { options: {}, warnings: [], errors: [] };
  checkKeys(entry, path, findings);
  const override = entry[command];
  if (override !== undefined) {
    if (isRecord(override)) {
      checkKeys(override, `${path}.${command}`, findings);
    } else {
      findings.errors.push(`${path}.${command}: expected an object of options for \`${command}\``);
    }
  }
  if (findings.errors.length > 0) {
    throw new PorticoError(
      'CLI_SWA_CONFIG_INVALID',
      `${file} is invalid, so ${NOTHING_DONE[command] ?? 'nothing was done'}:\n${findings.errors.map((e) => `  - ${e}`).join('\n')}`,
    );
  }
  return {
    options: findings.options as SwaCliOptions,
    warnings: findings.warnings.map((warning) => `${file}: ${warning}`),
  };
}

function checkKeys(entry: Record<string, unknown>, path: string, findings: Findings): void {
  for (const [key, raw] of Object.entries(entry)) {
    if ((SWA_CLI_COMMANDS as readonly string[]).includes(key)) {
      continue;
    }
    checkKey(key, raw, `${path}.${key}`, findings);
  }
}

function checkKey(key: string, raw: unknown, path: string, findings: Findings): void {
  if (isSwaCliKey(key)) {
    if (raw === null || raw === undefined) {
      return;
    }
    // `""` is how SWA workflow files say "none" (`api_location: ""`); the SWA CLI reads it as unset.
    if (raw === '' && SWA_CLI_KEYS[key] === 'path') {
      findings.warnings.push(`${path} is "", so it is read as not set`);
      return;
    }
    const check = checkSwaValue(SWA_CLI_KEYS[key], raw, false);
    if (!check.ok) {
      findings.errors.push(`${path}: ${check.message}`);
      return;
    }
    findings.options[key] = check.value;
    if (check.warning !== undefined) {
      findings.warnings.push(`${path}: ${check.warning}`);
    }
    return;
  }
  if (key === 'apiLanguage' && typeof raw === 'string') {
    // Node is what Portico runs: nothing to say. Another language: every /api call would be a 404 with
    // the API left out, so say so before anything starts.
    if (raw.trim().toLowerCase() !== 'node') {
      findings.errors.push(
        `${path}: the API is ${JSON.stringify(raw)}, and Portico runs Node.js Functions apps only; run that API with Azure Functions Core Tools (func start) and give its URL as apiDevserverUrl (e.g. "http://localhost:7071") instead of apiLocation`,
      );
    }
    return;
  }
  const ignored = IGNORED_SWA_CLI_KEYS[key];
  findings.warnings.push(
    ignored === undefined
      ? `${path} is not an option Portico or the SWA CLI knows${suggest(key)}; it is ignored`
      : `${path} is ignored: ${ignored}`,
  );
}

/** ` (did you mean "port"?)` when a known key differs only by case or one or two characters. */
function suggest(key: string): string {
  const lower = key.toLowerCase();
  const known = Object.keys(SWA_CLI_KEYS).find(
    (candidate) => candidate.toLowerCase() === lower || editDistance(candidate.toLowerCase(), lower) <= 2,
  );
  return known === undefined ? '' : ` (did you mean "${known}"?)`;
}
