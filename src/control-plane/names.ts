/**
 * Naming rules of the control plane and Azure-like generated host names (spec §4, CONTRACT §4).
 */
import { randomInt } from 'node:crypto';
import { PorticoError } from '../shared/errors.js';
import { clip } from '../shared/quote.js';

/** The one subscription and resource group of a Portico service. */
export const SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000';
export const RESOURCE_GROUP = 'portico';

/** The environment every site has; REST calls it `default`, as Azure does. */
export const PRODUCTION = 'production';

const SITE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$/;
const ENVIRONMENT_NAME = /^[0-9a-zA-Z]{1,16}$/;

/**
 * Site names: 2–60 of `a-z 0-9 -`, starting and ending with a letter or digit; upper case is read as
 * lower case, as Azure matches resource names without case, and the lower-case name is returned.
 */
export function checkSiteName(spelled: string): string {
  const name = spelled.toLowerCase();
  if (name.length < 2 || !SITE_NAME.test(name)) {
    throw new PorticoError(
      'CONTROL_SITE_NAME_INVALID',
      `The site name '${clip(spelled)}' is invalid: use 2 to 60 letters, digits or '-', starting and ending with a letter or digit (e.g. 'my-blog'); it is kept in lower case.`,
    );
  }
  return name;
}

/**
 * Environment names: `production`, or 1–16 letters and digits (spec §4). `default` in any case is
 * production, as in the REST paths (`builds/default`, rest/params.ts): never an environment of its own.
 */
export function checkEnvironmentName(name: string): string {
  const lower = name.toLowerCase();
  if (lower === PRODUCTION || lower === 'default') {
    return PRODUCTION;
  }
  if (!ENVIRONMENT_NAME.test(name)) {
    throw new PorticoError(
      'CONTROL_ENVIRONMENT_NAME_INVALID',
      `The environment name '${clip(name)}' is invalid: use 1 to 16 letters or digits (0-9, a-z, A-Z), e.g. 'release' or 'pr42'.`,
    );
  }
  return name;
}

/** The host an environment answers on: `label.domain`, or `label-env.domain` (lower case). */
export function environmentHostname(label: string, environment: string, domain: string): string {
  const first = environment === PRODUCTION ? label : `${label}-${environment.toLowerCase()}`;
  return `${first}.${domain}`;
}

const ADJECTIVES = [
  'agreeable',
  'ambitious',
  'brave',
  'calm',
  'delightful',
  'eager',
  'gentle',
  'gray',
  'green',
  'happy',
  'jolly',
  'kind',
  'lively',
  'lucky',
  'mango',
  'nice',
  'orange',
  'polite',
  'proud',
  'purple',
  'red',
  'salmon',
  'silly',
  'thankful',
  'victorious',
  'wonderful',
  'yellow',
  'zealous',
  'witty',
  'blue',
];
const NOUNS = [
  'bay',
  'beach',
  'bush',
  'cliff',
  'coast',
  'desert',
  'dune',
  'field',
  'flower',
  'forest',
  'glacier',
  'grass',
  'hill',
  'island',
  'meadow',
  'moss',
  'mushroom',
  'ocean',
  'pebble',
  'plant',
  'pond',
  'river',
  'rock',
  'sand',
  'sea',
  'sky',
  'smoke',
  'stone',
  'tree',
  'water',
  'wave',
  'wood',
];

/** A new `<adjective>-<noun>-<number>` label, as Azure's default host names (`red-sea-123`). */
export function createHostLabel(): string {
  const adjective = ADJECTIVES[randomInt(ADJECTIVES.length)] ?? 'calm';
  const noun = NOUNS[randomInt(NOUNS.length)] ?? 'sea';
  return `${adjective}-${noun}-${randomInt(100, 1000)}${randomInt(100, 1000)}`;
}
