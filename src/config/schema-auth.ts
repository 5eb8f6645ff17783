import * as z from '../shared/zod.js';
import { APP_SETTING_NAME, PROVIDER_NAME, PROVIDER_URL, ROLES_SOURCE } from './internal/patterns.js';

/**
 * The `auth` section of `staticwebapp.config.json`, in the shapes of learn.microsoft.com/azure/static-web-apps/
 * authentication-custom and of the SWA CLI schema: secrets are never in the file, only the names of the app
 * settings that hold them.
 */

const settingName = (description: string) =>
  z
    .string()
    .regex(APP_SETTING_NAME, {
      error: 'must be the name of an app setting (letters, digits, "." and "_"), not the secret itself',
    })
    .describe(description);

/**
 * What a provider endpoint that is not HTTPS off loopback is told, in `portico start`'s words (the
 * developer's machine); `portico serve` words it for the service ({@link PROVIDER_URL_ERROR_SERVE}).
 */
export const PROVIDER_URL_ERROR =
  'must be an https:// URL (http:// only on this machine: localhost or 127.0.0.1)';

/**
 * The same rule in `portico serve`'s words: loopback there is the server itself, which sign-in reaches
 * only when its operator allows the address (docs/sign-in.md, decision 0092).
 */
export const PROVIDER_URL_ERROR_SERVE =
  "must be an https:// URL (http:// only to a provider on the server itself: localhost, 127.0.0.1 or [::1], which sign-in reaches only when the service's operator allows that address with portico serve --identity-provider-address)";

/** A provider's endpoint: sign-in codes and tokens travel there, so HTTPS unless on this machine. */
const providerUrl = (description: string) =>
  z.string().regex(PROVIDER_URL, { error: PROVIDER_URL_ERROR }).describe(description);

const loginSchema = z
  .strictObject({
    scopes: z.array(z.string()).optional().describe('Scopes to request at sign-in'),
    loginParameterNames: z
      .array(z.string())
      .optional()
      .describe('Query parameters passed on to the provider'),
    loginParameters: z.array(z.string()).optional().describe('Extra sign-in parameters (Microsoft Entra ID)'),
    nameClaimType: z.string().optional().describe('The claim that holds the user name'),
  })
  .describe('Sign-in options');

/** Fields every provider block shares, around its own `registration`. */
function providerSchema<T extends z.ZodType>(registration: T, name: string) {
  return z
    .strictObject({
      enabled: z.boolean().optional().describe(`false disables ${name}; default true`),
      registration,
      login: loginSchema.optional(),
      userDetailsClaim: z.string().optional().describe('The claim from which user details are read'),
    })
    .describe(`Custom registration of ${name}`);
}

const clientRegistration = z.strictObject({
  clientIdSettingName: settingName('App setting holding the client ID').optional(),
  clientSecretSettingName: settingName('App setting holding the client secret'),
});

const azureActiveDirectoryRegistration = z.strictObject({
  openIdIssuer: providerUrl('https://login.microsoftonline.com/<tenant> (v1) or .../<tenant>/v2.0 (v2)'),
  clientIdSettingName: settingName('App setting holding the Application (client) ID').optional(),
  clientSecretSettingName: settingName('App setting holding the client secret'),
});

const facebookRegistration = z.strictObject({
  appIdSettingName: settingName('App setting holding the App ID').optional(),
  appSecretSettingName: settingName('App setting holding the App Secret'),
});

const twitterRegistration = z.strictObject({
  consumerKeySettingName: settingName('App setting holding the consumer key').optional(),
  consumerSecretSettingName: settingName('App setting holding the consumer secret'),
});

const openIdConnectConfiguration = z
  .strictObject({
    wellKnownOpenIdConfiguration: providerUrl('The .well-known/openid-configuration URL').optional(),
    authorizationEndpoint: providerUrl('The authorization endpoint').optional(),
    tokenEndpoint: providerUrl('The token endpoint').optional(),
    issuer: providerUrl('The issuer').optional(),
    certificationUri: providerUrl('The JWKS URI').optional(),
  })
  .describe('Either wellKnownOpenIdConfiguration, or every endpoint');

const openIdConnectProvider = z
  .strictObject({
    enabled: z.boolean().optional().describe('false disables this provider; default true'),
    registration: z.strictObject({
      clientIdSettingName: settingName('App setting holding the client ID').optional(),
      clientCredential: z.strictObject({
        clientSecretSettingName: settingName('App setting holding the client secret'),
      }),
      openIdConnectConfiguration,
    }),
    login: loginSchema,
    userDetailsClaim: z.string().optional().describe('The claim from which user details are read'),
  })
  .describe('A custom OpenID Connect provider, signed in at /.auth/login/<name>');

const providerName = z.string().regex(PROVIDER_NAME, {
  error: 'provider names appear in /.auth/login/<name>; use only letters, digits, "-" and "_"',
});

/** `auth.identityProviders`: custom registrations, which disable every preconfigured provider. */
export const identityProvidersSchema = z
  .strictObject({
    azureActiveDirectory: providerSchema(azureActiveDirectoryRegistration, 'Microsoft Entra ID').optional(),
    apple: providerSchema(clientRegistration, 'Apple').optional(),
    facebook: providerSchema(facebookRegistration, 'Facebook').optional(),
    github: providerSchema(clientRegistration, 'GitHub').optional(),
    google: providerSchema(clientRegistration, 'Google').optional(),
    twitter: providerSchema(twitterRegistration, 'X (Twitter)').optional(),
    customOpenIdConnectProviders: z.record(providerName, openIdConnectProvider).optional(),
  })
  .describe('Custom identity provider registrations (Standard plan)');

/** The `auth` section. */
export const authSchema = z
  .strictObject({
    rolesSource: z
      .string()
      .regex(ROLES_SOURCE, { error: 'must be the path of an API function, such as "/api/GetRoles"' })
      .optional()
      .describe('API function that assigns roles after sign-in, e.g. /api/GetRoles (Standard plan)'),
    identityProviders: identityProvidersSchema.optional(),
  })
  .describe('Authentication settings');

/** `auth` as the schema accepts it. */
export type RawAuth = z.output<typeof authSchema>;

/** `auth.identityProviders` as the schema accepts it. */
export type RawIdentityProviders = z.output<typeof identityProvidersSchema>;
