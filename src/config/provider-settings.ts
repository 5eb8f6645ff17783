/**
 * The app settings a config's sign-in registrations name (`auth.identityProviders.*.registration.*SettingName`):
 * the client id and secret of each provider are read from the environment's app settings at sign-in, so
 * a deploy or a settings change can say which of them the environment lacks (docs/sign-in.md).
 */
import { ownValue } from '../shared/guards.js';
import type { AuthConfig, Diagnostic } from './types.js';

/** One app setting a registration names: where (JSON path of the field), which setting, for which provider. */
export interface ProviderSetting {
  /** The URL name of the provider: `/.auth/login/<provider>`. */
  readonly provider: string;
  /** `auth.identityProviders.google.registration.clientIdSettingName` */
  readonly path: string;
  readonly setting: string;
}

/** The fields naming a registration's client id setting, first found wins (Entra ID/Google/GitHub, Facebook, X). */
const ID_FIELDS = ['clientIdSettingName', 'appIdSettingName', 'consumerKeySettingName'] as const;
/** The fields naming its secret's setting, first found wins (Entra ID, others, Facebook, X). */
const SECRET_FIELDS = [
  'clientCredential.clientSecretSettingName',
  'clientSecretSettingName',
  'appSecretSettingName',
  'consumerSecretSettingName',
] as const;

/** The built-in provider blocks of `auth.identityProviders` and their URL names. */
const BUILT_IN: readonly (readonly [block: string, provider: string])[] = [
  ['azureActiveDirectory', 'aad'],
  ['google', 'google'],
  ['github', 'github'],
  ['facebook', 'facebook'],
  ['twitter', 'twitter'],
  ['apple', 'apple'],
];

type Json = Readonly<Record<string, unknown>>;

/** The first of `fields` (dotted) that names a setting in `registration`, with the setting. */
function firstNamed(
  registration: Json,
  fields: readonly string[],
): { field: string; setting: string } | undefined {
  for (const field of fields) {
    const value = field
      .split('.')
      .reduce<unknown>(
        (at, key) => (typeof at === 'object' && at !== null ? (at as Json)[key] : undefined),
        registration,
      );
    if (typeof value === 'string') {
      return { field, setting: value };
    }
  }
  return undefined;
}

/**
 * The client id and secret settings a registration names, with the field naming each (the sign-in reads
 * the same ones).
 */
export function registrationSettings(registration: Json): {
  readonly id?: { readonly field: string; readonly setting: string };
  readonly secret?: { readonly field: string; readonly setting: string };
} {
  const id = firstNamed(registration, ID_FIELDS);
  const secret = firstNamed(registration, SECRET_FIELDS);
  return { ...(id === undefined ? {} : { id }), ...(secret === undefined ? {} : { secret }) };
}

/** Every app setting the enabled registrations of `auth` name, in config order. */
export function providerSettings(auth: AuthConfig): ProviderSetting[] {
  const raw = auth.identityProviders;
  if (raw === undefined) {
    return [];
  }
  const blocks: [path: string, provider: string, block: unknown][] = BUILT_IN.map(([key, provider]) => [
    `auth.identityProviders.${key}`,
    provider,
    raw[key],
  ]);
  const custom = raw.customOpenIdConnectProviders;
  if (typeof custom === 'object' && custom !== null) {
    for (const [name, block] of Object.entries(custom)) {
      blocks.push([`auth.identityProviders.customOpenIdConnectProviders.${name}`, name, block]);
    }
  }
  return blocks.flatMap(([path, provider, block]) => {
    if (typeof block !== 'object' || block === null || (block as Json).enabled === false) {
      return [];
    }
    const registration = (block as Json).registration;
    if (typeof registration !== 'object' || registration === null) {
      return [];
    }
    const { id, secret } = registrationSettings(registration as Json);
    return [id, secret].flatMap((named) =>
      named === undefined
        ? []
        : [{ provider, path: `${path}.registration.${named.field}`, setting: named.setting }],
    );
  });
}

/**
 * A warning for each app setting the registrations of `auth` name that `settings` lacks (or holds empty):
 * sign-in with that provider answers 503 until it is added. `settingsCommand` is how to add one, e.g.
 * `portico settings set --site shop --env production`.
 */
export function missingProviderSettings(
  auth: AuthConfig,
  settings: Readonly<Record<string, string>>,
  settingsCommand: string,
): Diagnostic[] {
  return providerSettings(auth)
    .filter(({ setting }) => !ownValue(settings, setting))
    .map(({ provider, path, setting }) => ({
      severity: 'warning',
      path,
      message: `names the app setting ${setting}, which this environment does not have: sign-in with ${provider} answers 503 until you add it with '${settingsCommand} ${setting}=…'`,
    }));
}
