/** Configs for tests of what a deployment registers (REST and portal alike). */

/** A config registering GitHub and a custom OpenID Connect provider by the names of their settings. */
export const PROVIDERS_CONFIG = {
  auth: {
    identityProviders: {
      github: {
        registration: {
          clientIdSettingName: 'GITHUB_CLIENT_ID',
          clientSecretSettingName: 'GITHUB_CLIENT_SECRET',
        },
      },
      customOpenIdConnectProviders: {
        okta: {
          registration: {
            clientIdSettingName: 'OKTA_CLIENT_ID',
            clientCredential: { clientSecretSettingName: 'OKTA_CLIENT_SECRET' },
            openIdConnectConfiguration: {
              wellKnownOpenIdConfiguration: 'https://okta.example/.well-known/openid-configuration',
            },
          },
          login: { nameClaimType: 'email' },
        },
      },
    },
  },
};
