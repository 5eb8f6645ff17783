/**
 * Which providers a site signs in with (spec/swa-behaviour.md §2.1): the operator's preconfigured github
 * and aad, or only the site's registrations with secrets from its app settings; and every registration
 * Portico cannot use named with its JSON path and what to do.
 */
import { describe, expect, it } from 'vitest';
import type { AuthConfig } from '../../../config/types.js';
import { isRegistration, type ProviderRegistration, resolveProviders } from './registrations.js';

const NONE: AuthConfig = { providers: [] };

function withProviders(identityProviders: Record<string, unknown>): AuthConfig {
  const providers = Object.keys(identityProviders).map((name) => ({
    name,
    kind: 'customOpenIdConnect' as const,
    enabled: true,
  }));
  return { providers, identityProviders };
}

function registration(entry: unknown): ProviderRegistration {
  expect(entry !== undefined && isRegistration(entry as never), JSON.stringify(entry)).toBe(true);
  return entry as ProviderRegistration;
}

const OIDC = {
  registration: {
    clientIdSettingName: 'ID',
    clientCredential: { clientSecretSettingName: 'SECRET' },
    openIdConnectConfiguration: {
      wellKnownOpenIdConfiguration: 'https://idp.example/.well-known/openid-configuration',
    },
  },
  login: {},
};
const SETTINGS = { ID: 'client', SECRET: 'secret' };

describe('resolveProviders', () => {
  it('offers github and aad from the operator, with GitHub Enterprise URLs when given', () => {
    const providers = resolveProviders(
      NONE,
      {},
      {
        github: { clientId: 'g', clientSecret: 's' },
        aad: { clientId: 'a', clientSecret: 't' },
        githubUrl: 'https://ghe.example/',
        githubApiUrl: 'https://ghe.example/api/v3/',
      },
    );
    expect(registration(providers.get('github')).protocol).toEqual({
      kind: 'oauth2',
      authorizeUrl: 'https://ghe.example/login/oauth/authorize',
      tokenUrl: 'https://ghe.example/login/oauth/access_token',
      userUrl: 'https://ghe.example/api/v3/user',
      clientAuth: 'post',
      subjectField: 'id',
    });
    expect(registration(providers.get('aad'))).toMatchObject({
      identityProvider: 'aad',
      custom: false,
      protocol: { kind: 'oidc', discoveryUrl: 'https://login.microsoftonline.com/common/v2.0' },
    });
  });

  it('says how the operator sets up a preconfigured provider that has no credentials', () => {
    const providers = resolveProviders(NONE, {}, {});
    expect(providers.get('github')).toMatchObject({
      problem: expect.stringContaining('PORTICO_GITHUB_CLIENT_ID'),
    });
    expect(providers.get('aad')).toMatchObject({
      problem: expect.stringContaining('PORTICO_AAD_CLIENT_SECRET'),
    });
  });

  it('keeps only the registrations once any is made, with secrets from app settings', () => {
    const providers = resolveProviders(
      withProviders({
        azureActiveDirectory: {
          registration: {
            openIdIssuer: 'https://login.microsoftonline.com/tenant/v2.0',
            clientIdSettingName: 'ID',
            clientSecretSettingName: 'SECRET',
          },
          userDetailsClaim: 'upn',
        },
        google: { registration: { clientIdSettingName: 'ID', clientSecretSettingName: 'SECRET' } },
        github: { registration: { clientIdSettingName: 'ID', clientSecretSettingName: 'SECRET' } },
        customOpenIdConnectProviders: {
          okta: {
            ...OIDC,
            login: { nameClaimType: 'email', scopes: ['openid'], loginParameterNames: ['prompt'] },
          },
        },
      }),
      SETTINGS,
      { github: { clientId: 'operator', clientSecret: 'operator' } },
    );
    expect([...providers.keys()].sort()).toEqual(['aad', 'github', 'google', 'okta']);
    const aad = registration(providers.get('aad'));
    expect(aad).toMatchObject({ custom: true, clientId: 'client', clientSecret: 'secret' });
    expect(aad.protocol).toEqual({
      kind: 'oidc',
      discoveryUrl: 'https://login.microsoftonline.com/tenant/v2.0',
    });
    expect(aad.userDetailsClaims[0]).toBe('upn');
    expect(registration(providers.get('google')).protocol).toEqual({
      kind: 'oidc',
      discoveryUrl: 'https://accounts.google.com',
    });
    expect(registration(providers.get('github'))).toMatchObject({
      clientId: 'client',
      userDetailsClaims: ['login'],
    });
    expect(registration(providers.get('okta'))).toMatchObject({
      scopes: ['openid'],
      loginParameterNames: ['prompt'],
      userDetailsClaims: ['email', 'preferred_username', 'email', 'name', 'sub'],
    });
  });

  it('takes OpenID Connect endpoints one by one, or says which are missing', () => {
    const endpoints = {
      issuer: 'https://idp.example',
      authorizationEndpoint: 'https://idp.example/authorize',
      tokenEndpoint: 'https://idp.example/token',
      certificationUri: 'https://idp.example/keys',
    };
    const config = (openIdConnectConfiguration: Record<string, string>) =>
      withProviders({
        customOpenIdConnectProviders: {
          idp: { ...OIDC, registration: { ...OIDC.registration, openIdConnectConfiguration } },
        },
      });
    expect(registration(resolveProviders(config(endpoints), SETTINGS, {}).get('idp')).protocol).toEqual({
      kind: 'oidc',
      endpoints: {
        issuer: endpoints.issuer,
        authorization: endpoints.authorizationEndpoint,
        token: endpoints.tokenEndpoint,
        jwks: endpoints.certificationUri,
      },
    });
    const { certificationUri: _, ...partial } = endpoints;
    expect(resolveProviders(config(partial), SETTINGS, {}).get('idp')).toMatchObject({
      problem: expect.stringContaining(
        'customOpenIdConnectProviders.idp.registration.openIdConnectConfiguration needs wellKnownOpenIdConfiguration',
      ),
    });
  });

  it('names the missing app setting, or the missing setting name, by JSON path', () => {
    const missingSecret = resolveProviders(
      withProviders({ customOpenIdConnectProviders: { okta: OIDC } }),
      { ID: 'x' },
      {},
    );
    expect(missingSecret.get('okta')).toMatchObject({
      problem:
        'auth.identityProviders.customOpenIdConnectProviders.okta.registration.clientCredential.clientSecretSettingName names the app setting SECRET, which this environment does not have; add it with portico settings set.',
    });
    const noIdName = resolveProviders(
      withProviders({ google: { registration: { clientSecretSettingName: 'SECRET' } } }),
      SETTINGS,
      {},
    );
    expect(noIdName.get('google')).toMatchObject({
      problem:
        'auth.identityProviders.google.registration.clientIdSettingName is required: name the app setting that holds it.',
    });
    const facebookSecret = resolveProviders(
      withProviders({
        github: { registration: { clientIdSettingName: 'ID', clientSecretSettingName: 'NOPE' } },
      }),
      SETTINGS,
      {},
    );
    expect(facebookSecret.get('github')).toMatchObject({
      problem: expect.stringContaining('registration.clientSecretSettingName names the app setting NOPE'),
    });
  });

  it('never takes an inherited object property for an app setting (constructor, toString)', () => {
    const inherited = resolveProviders(
      withProviders({
        github: { registration: { clientIdSettingName: 'constructor', clientSecretSettingName: 'toString' } },
      }),
      SETTINGS,
      {},
    );
    expect(inherited.get('github')).toMatchObject({
      problem: expect.stringContaining(
        'names the app setting constructor, which this environment does not have',
      ),
    });
  });

  it('signs in with Facebook and X over OAuth 2 and with Apple, and leaves out disabled registrations', () => {
    const providers = resolveProviders(
      withProviders({
        google: {
          enabled: false,
          registration: { clientIdSettingName: 'ID', clientSecretSettingName: 'SECRET' },
        },
        facebook: { registration: { appIdSettingName: 'ID', appSecretSettingName: 'SECRET' } },
        twitter: { registration: { consumerKeySettingName: 'ID', consumerSecretSettingName: 'SECRET' } },
        apple: { registration: { clientIdSettingName: 'ID', clientSecretSettingName: 'SECRET' } },
      }),
      SETTINGS,
      { github: { clientId: 'operator', clientSecret: 'operator' } },
    );
    expect([...providers.keys()].sort()).toEqual(['apple', 'facebook', 'twitter']);
    expect(registration(providers.get('facebook'))).toMatchObject({
      clientId: 'client',
      clientSecret: 'secret',
      scopes: ['public_profile', 'email'],
      userDetailsClaims: ['email', 'name', 'id'],
      protocol: {
        kind: 'oauth2',
        userUrl: 'https://graph.facebook.com/v19.0/me?fields=id,name,email',
        clientAuth: 'post',
      },
    });
    expect(registration(providers.get('twitter'))).toMatchObject({
      userDetailsClaims: ['username'],
      protocol: { kind: 'oauth2', userMember: 'data', clientAuth: 'basic' },
    });
    expect(registration(providers.get('apple'))).toMatchObject({
      scopes: ['openid'],
      protocol: { kind: 'oidc', discoveryUrl: 'https://appleid.apple.com' },
    });
    const noKey = resolveProviders(
      withProviders({
        twitter: { registration: { consumerKeySettingName: 'KEY', consumerSecretSettingName: 'SECRET' } },
      }),
      SETTINGS,
      {},
    );
    expect(noKey.get('twitter')).toMatchObject({
      problem: expect.stringContaining(
        'auth.identityProviders.twitter.registration.consumerKeySettingName names the app setting KEY',
      ),
    });
    const noSecret = resolveProviders(
      withProviders({ facebook: { registration: { appIdSettingName: 'ID', appSecretSettingName: 'NOPE' } } }),
      SETTINGS,
      {},
    );
    expect(noSecret.get('facebook')).toMatchObject({
      problem: expect.stringContaining(
        'auth.identityProviders.facebook.registration.appSecretSettingName names the app setting NOPE',
      ),
    });
  });
});
