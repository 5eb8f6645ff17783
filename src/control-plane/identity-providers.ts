/**
 * The identity providers an environment's active deployment registers in `auth.identityProviders`, and
 * whether the app settings their registrations name exist in that environment. Only setting names and
 * presence leave this module, never a value (the portal and the REST API show them to admins).
 */
import {
  type IdentityProviderKind,
  loadConfig,
  missingProviderSettings,
  type NormalizedConfig,
} from '../config/index.js';
import { isRecord } from '../shared/guards.js';
import { materializeDeployment } from './content.js';
import type { ControlContext } from './context.js';
import { readDeployment } from './deployments.js';
import { getEnvironment } from './environments.js';
import { readSettings } from './settings.js';
import type { Site } from './sites.js';

/** An app setting a registration names, and whether the environment has it. */
export interface ProviderSetting {
  /** The app setting's name, e.g. `GITHUB_CLIENT_SECRET`. */
  readonly name: string;
  /** Where the config names it, e.g. `auth.identityProviders.github.registration.clientSecretSettingName`. */
  readonly path: string;
  readonly present: boolean;
}

/** A provider the config registers. */
export interface RegisteredProvider {
  /** The name in `/.auth/login/<name>` (`aad` for azureActiveDirectory). */
  readonly name: string;
  readonly kind: IdentityProviderKind;
  readonly enabled: boolean;
  readonly settings: readonly ProviderSetting[];
}

/**
 * The providers registered by the active deployment's config (none without a deployment or without
 * `auth.identityProviders`, in which case the service's preconfigured providers apply).
 */
export async function listRegisteredProviders(
  ctx: ControlContext,
  site: Site,
  environmentName: string,
): Promise<readonly RegisteredProvider[]> {
  const live = await loadLiveConfig(ctx, site, environmentName);
  if (live === undefined || live.config.auth.providers.length === 0) {
    return [];
  }
  const { config, environmentId } = live;
  const raw = config.auth.identityProviders ?? {};
  const present = new Set(Object.keys(await readSettings(ctx, environmentId)));
  return config.auth.providers.map((provider) => {
    const path =
      provider.kind === 'customOpenIdConnect'
        ? `auth.identityProviders.customOpenIdConnectProviders.${provider.name}`
        : `auth.identityProviders.${provider.kind}`;
    const block = blockOf(raw, provider.kind, provider.name);
    const named = settingNames(isRecord(block) ? block.registration : undefined, `${path}.registration`);
    return {
      name: provider.name,
      kind: provider.kind,
      enabled: provider.enabled,
      settings: named.map((setting) => ({ ...setting, present: present.has(setting.name) })),
    };
  });
}

/**
 * The roles function (`auth.rolesSource`) the active deployment's config names, if any: while it does,
 * that environment ignores the roles of invitations and `users update` (spec §2.4).
 */
export async function liveRolesSource(
  ctx: ControlContext,
  site: Site,
  environmentName: string,
): Promise<string | undefined> {
  return (await loadLiveConfig(ctx, site, environmentName))?.config.auth.rolesSource;
}

/**
 * What the registrations of the environment's active deployment would lack with `settings`: one warning
 * per app setting named but absent (sign-in with that provider answers 503 until it is added), for the
 * answer of a settings change. None without a deployment or registrations.
 */
export async function missingSettingWarnings(
  ctx: ControlContext,
  site: Site,
  environmentName: string,
  settings: Readonly<Record<string, string>>,
): Promise<string[]> {
  const live = await loadLiveConfig(ctx, site, environmentName);
  if (live === undefined) {
    return [];
  }
  const command = `portico settings set --site ${site.name} --env ${live.environmentName}`;
  return missingProviderSettings(live.config.auth, settings, command).map((d) => `${d.path} ${d.message}`);
}

/** The config of the environment's active deployment; none without a deployment. */
async function loadLiveConfig(
  ctx: ControlContext,
  site: Site,
  environmentName: string,
): Promise<
  | { readonly config: NormalizedConfig; readonly environmentId: string; readonly environmentName: string }
  | undefined
> {
  const environment = await getEnvironment(ctx, site, environmentName);
  const deployment =
    environment.activeDeploymentId === null
      ? undefined
      : await readDeployment(ctx, environment.activeDeploymentId);
  if (deployment === undefined) {
    return undefined;
  }
  const folders = await materializeDeployment(ctx, deployment.id, deployment.manifest);
  const loaded = await loadConfig({ appDir: folders.appDir });
  // A live deployment's config passed the same check at commit; it counts as none if it cannot load.
  return loaded.ok
    ? { config: loaded.config, environmentId: environment.id, environmentName: environment.name }
    : undefined;
}

function blockOf(raw: Readonly<Record<string, unknown>>, kind: IdentityProviderKind, name: string): unknown {
  if (kind !== 'customOpenIdConnect') {
    return raw[kind];
  }
  const custom = raw.customOpenIdConnectProviders;
  return isRecord(custom) ? custom[name] : undefined;
}

/** Every `…SettingName` in a registration (nested ones too, e.g. `clientCredential`), in document order. */
function settingNames(value: unknown, path: string): { name: string; path: string }[] {
  if (!isRecord(value)) {
    return [];
  }
  return Object.entries(value).flatMap(([key, inner]) => {
    if (key.endsWith('SettingName') && typeof inner === 'string') {
      return [{ name: inner, path: `${path}.${key}` }];
    }
    return settingNames(inner, `${path}.${key}`);
  });
}
