import { describe, expect, it } from 'vitest';
import { parseConfigText } from './parse.js';
import { type ConfigResult, EMPTY_CONFIG, type NormalizedConfig } from './types.js';

/** The example of configuration.md ("Example configuration file"), as in spec §1.11. */
const DOCS_EXAMPLE = {
  trailingSlash: 'auto',
  routes: [
    { route: '/profile*', allowedRoles: ['authenticated'] },
    { route: '/admin/index.html', allowedRoles: ['administrator'] },
    { route: '/images/*', headers: { 'cache-control': 'must-revalidate, max-age=15770000' } },
    { route: '/api/*', methods: ['GET'], allowedRoles: ['registeredusers'] },
    { route: '/api/*', methods: ['PUT', 'POST', 'PATCH', 'DELETE'], allowedRoles: ['administrator'] },
    { route: '/api/*', allowedRoles: ['authenticated'] },
    { route: '/customers/contoso*', allowedRoles: ['administrator', 'customers_contoso'] },
    { route: '/login', rewrite: '/.auth/login/github' },
    { route: '/.auth/login/twitter', statusCode: 404 },
    { route: '/logout', redirect: '/.auth/logout' },
    { route: '/calendar*', rewrite: '/calendar.html' },
    { route: '/specials', redirect: '/deals', statusCode: 301 },
  ],
  navigationFallback: { rewrite: 'index.html', exclude: ['/images/*.{png,jpg,gif}', '/css/*'] },
  responseOverrides: {
    '400': { rewrite: '/invalid-invitation-error.html' },
    '401': { redirect: '/login', statusCode: 302 },
    '403': { rewrite: '/custom-forbidden-page.html' },
    '404': { rewrite: '/404.html' },
  },
  globalHeaders: {
    'content-security-policy': "default-src https: 'unsafe-eval' 'unsafe-inline'; object-src 'none'",
  },
  mimeTypes: { '.json': 'text/json' },
};

function parse(value: unknown): ConfigResult {
  return parseConfigText(JSON.stringify(value));
}

function parseOk(value: unknown): { config: NormalizedConfig; warnings: string[] } {
  const result = parse(value);
  if (!result.ok) {
    throw new Error(`expected a valid config, got ${JSON.stringify(result.diagnostics)}`);
  }
  return {
    config: result.config,
    warnings: result.diagnostics.map((d) => `${d.severity} ${d.path}: ${d.message}`),
  };
}

function expectDeeplyFrozen(value: unknown, path = 'result'): void {
  if (typeof value !== 'object' || value === null) {
    return;
  }
  expect(Object.isFrozen(value), `${path} is frozen`).toBe(true);
  for (const [key, child] of Object.entries(value)) {
    expectDeeplyFrozen(child, `${path}.${key}`);
  }
}

describe('parseConfigText: valid files', () => {
  it('parses the docs example config, warning only about the fallback rewrite without a leading slash', () => {
    const { config, warnings } = parseOk(DOCS_EXAMPLE);
    expect(warnings).toEqual([expect.stringMatching(/^warning navigationFallback\.rewrite: "index\.html"/)]);
    expect(config.routes).toHaveLength(12);
    expect(config.routes[3]).toEqual({
      index: 3,
      route: '/api/*',
      methods: ['GET'],
      allowedRoles: ['registeredusers'],
    });
    expect(config.routes[8]).toEqual({ index: 8, route: '/.auth/login/twitter', statusCode: 404 });
    expect(config.routes[11]).toEqual({ index: 11, route: '/specials', redirect: '/deals', statusCode: 301 });
    expect(config.navigationFallback).toEqual({
      rewrite: '/index.html',
      exclude: ['/images/*.{png,jpg,gif}', '/css/*'],
    });
    expect(config.responseOverrides[401]).toEqual({ redirect: '/login', statusCode: 302 });
    expect(config.mimeTypes).toEqual({ '.json': 'text/json' });
    expect(config.trailingSlash).toBe('auto');
    expect(config.standardOnlyFeatures).toEqual([]);
    expect(config.auth).toEqual({ providers: [] });
  });

  it('turns an empty object into the empty config', () => {
    expect(parseOk({}).config).toEqual(EMPTY_CONFIG);
  });

  it('accepts a byte order mark and a $schema key', () => {
    const result = parseConfigText(
      '\uFEFF{"$schema": "https://json.schemastore.org/staticwebapp.config.json"}',
    );
    expect(result).toMatchObject({ ok: true, diagnostics: [] });
  });

  it('deep-freezes the result', () => {
    const result = parse({
      ...DOCS_EXAMPLE,
      auth: { identityProviders: { github: { registration: { clientSecretSettingName: 'S' } } } },
    });
    expect(result.ok).toBe(true);
    expectDeeplyFrozen(result);
  });

  it('copies the file onto every diagnostic', () => {
    const result = parseConfigText('{"routes":[{"route":"a"}]}', '/app/staticwebapp.config.json');
    expect(result.diagnostics).toEqual([expect.objectContaining({ file: '/app/staticwebapp.config.json' })]);
  });
});

describe('parseConfigText: lenient forms (D9) are accepted with a warning', () => {
  it.each([
    [
      'statusCode as a numeric string',
      { routes: [{ route: '/x', statusCode: '404' }] },
      'routes[0].statusCode',
    ],
    [
      'allowedRoles as one string',
      { routes: [{ route: '/x', allowedRoles: 'a, b' }] },
      'routes[0].allowedRoles',
    ],
    [
      'an allowedRoles entry with commas',
      { routes: [{ route: '/x', allowedRoles: ['a, b'] }] },
      'routes[0].allowedRoles[0]',
    ],
    ['a route without a leading slash', { routes: [{ route: 'index.html' }] }, 'routes[0].route'],
    [
      'a wildcard route without a leading slash',
      { routes: [{ route: '*.foo', redirect: '/foo.html' }] },
      'routes[0].route',
    ],
    [
      'a rewrite without a leading slash',
      { routes: [{ route: '/x', rewrite: 'x.html' }] },
      'routes[0].rewrite',
    ],
    [
      'a fallback rewrite without a leading slash',
      { navigationFallback: { rewrite: 'index.html' } },
      'navigationFallback.rewrite',
    ],
    [
      'an exclude without a leading slash',
      { navigationFallback: { rewrite: '/i', exclude: ['*.{txt}'] } },
      'navigationFallback.exclude[0]',
    ],
    [
      'an override rewrite without a leading slash',
      { responseOverrides: { '404': { rewrite: '404.html' } } },
      'responseOverrides.404.rewrite',
    ],
    [
      'an override statusCode string',
      { responseOverrides: { '404': { rewrite: '/a', statusCode: '200' } } },
      'responseOverrides.404.statusCode',
    ],
  ])('%s', (_name, value, path) => {
    const result = parse(value);
    expect(result.ok).toBe(true);
    expect(result.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', path })]);
  });

  it('normalizes the lenient forms to canonical values', () => {
    const { config } = parseOk({
      routes: [
        { route: '*.foo', statusCode: '404', allowedRoles: 'authenticated, members' },
        { route: 'about', rewrite: 'about.html', allowedRoles: ['reader, writer', 'admin'] },
      ],
      navigationFallback: { rewrite: 'index.html', exclude: ['css/*'] },
      responseOverrides: { '404': { rewrite: '404.html', statusCode: '200' } },
    });
    expect(config.routes).toEqual([
      { index: 0, route: '/*.foo', statusCode: 404, allowedRoles: ['authenticated', 'members'] },
      { index: 1, route: '/about', rewrite: '/about.html', allowedRoles: ['reader', 'writer', 'admin'] },
    ]);
    expect(config.navigationFallback).toEqual({ rewrite: '/index.html', exclude: ['/css/*'] });
    expect(config.responseOverrides[404]).toEqual({ rewrite: '/404.html', statusCode: 200 });
  });
});

describe('parseConfigText: other warnings', () => {
  it.each([
    [
      'a wildcard in the middle',
      { routes: [{ route: '/redirect/*/invalid', statusCode: 418 }] },
      'routes[0].route',
      /never matches/,
    ],
    [
      'a wildcard exclude in the middle',
      { navigationFallback: { rewrite: '/i', exclude: ['/a/*/b'] } },
      'navigationFallback.exclude[0]',
      /never matches/,
    ],
    [
      'rewrite on an /api route',
      { routes: [{ route: '/api/x', rewrite: '/y' }] },
      'routes[0].rewrite',
      /no effect/,
    ],
    [
      'headers on an /API route',
      { routes: [{ route: '/API/*', headers: { a: 'b' } }] },
      'routes[0].headers',
      /no effect/,
    ],
    [
      'a statusCode under 400 on an /api route',
      { routes: [{ route: '/api/*', statusCode: 200 }] },
      'routes[0].statusCode',
      /no effect/,
    ],
    [
      'an unknown apiRuntime',
      { platform: { apiRuntime: 'node:99' } },
      'platform.apiRuntime',
      /not a runtime Azure documents/,
    ],
    [
      'a runtime Portico cannot run',
      { platform: { apiRuntime: 'python:3.11' } },
      'platform.apiRuntime',
      /only Node\.js/,
    ],
    [
      'empty allowedRoles',
      { routes: [{ route: '/x', allowedRoles: [] }] },
      'routes[0].allowedRoles',
      /everyone/,
    ],
    ['empty methods', { routes: [{ route: '/x', methods: [] }] }, 'routes[0].methods', /never matches/],
    [
      'rolesSource without providers',
      { auth: { rolesSource: '/api/GetRoles' } },
      'auth.rolesSource',
      /identityProviders/,
    ],
    [
      'networking without ranges',
      { networking: { allowedIpRanges: [] } },
      'networking.allowedIpRanges',
      /restricts nothing/,
    ],
    [
      'a service tag, which matches no address off Azure',
      { networking: { allowedIpRanges: ['AzureFrontDoor.Backend'] } },
      'networking.allowedIpRanges[0]',
      /Azure service tag.*every request is refused \(403\)/,
    ],
    [
      'a status code beside a rewrite (Azure refuses it at deploy)',
      { routes: [{ route: '/x', rewrite: '/y.html', statusCode: 503 }] },
      'routes[0].statusCode',
      /Azure refuses at deploy/,
    ],
    [
      'a query string in a route',
      { routes: [{ route: '/q?x=1', statusCode: 418 }] },
      'routes[0].route',
      /never matches: routes match the path without its query string/,
    ],
    [
      'a navigation fallback to a page only some roles may see',
      {
        routes: [{ route: '/index.html', allowedRoles: ['admin'] }],
        navigationFallback: { rewrite: '/index.html' },
      },
      'navigationFallback.rewrite',
      /serves \/index\.html to anyone who asks for a path that is not a file, though routes\[0\] limits it to admin/,
    ],
    [
      'a route rewrite to a page only some roles may see',
      {
        routes: [
          { route: '/admin/*', allowedRoles: ['administrator'] },
          { route: '/rw', rewrite: '/admin/secret.html' },
        ],
      },
      'routes[1].rewrite',
      /rules are not chained/,
    ],
    [
      'a 404 override rewrite to a page only some roles may see',
      {
        routes: [{ route: '/private/*', allowedRoles: ['member'] }],
        responseOverrides: { '404': { rewrite: '/private/404.html' } },
      },
      'responseOverrides.404.rewrite',
      /every 404 answer/,
    ],
  ])('%s', (_name, value, path, message) => {
    const result = parse(value);
    expect(result.ok).toBe(true);
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ severity: 'warning', path, message: expect.stringMatching(message) }),
    ]);
  });

  it('does not warn of a rewrite to a protected page when the rewriting rule has the roles itself', () => {
    const result = parse({
      routes: [
        { route: '/admin/*', allowedRoles: ['admin'] },
        { route: '/dash', rewrite: '/admin/dash.html', allowedRoles: ['admin'] },
        { route: '/open/*', allowedRoles: ['anonymous'] },
      ],
      navigationFallback: { rewrite: '/open/index.html' },
    });
    expect(result).toMatchObject({ ok: true, diagnostics: [] });
  });

  it.each([
    ['"/*" guards the entire app', [{ route: '/*', allowedRoles: ['authenticated'] }], undefined],
    ['"*" guards the entire app', [{ route: '*', allowedRoles: ['authenticated'] }], undefined],
    [
      'a stricter catch-all behind the rule of the page itself',
      [
        { route: '/index.html', allowedRoles: ['authenticated'] },
        { route: '/*', allowedRoles: ['admin'] },
      ],
      undefined,
    ],
    [
      'an open rule first whose paths the fallback excludes, and a redirect',
      [
        { route: '/images/*.png', allowedRoles: ['anonymous'] },
        { route: '/old', redirect: '/new' },
        { route: '/*', allowedRoles: ['authenticated'] },
      ],
      ['/images/*.{png,jpg}'],
    ],
  ])(
    'does not warn of the fallback to a protected page when every path is guarded first: %s',
    (_name, routes, exclude) => {
      const result = parse({
        routes,
        navigationFallback: { rewrite: '/index.html', ...(exclude === undefined ? {} : { exclude }) },
      });
      expect(result.ok).toBe(true);
      // "*" is also warned about for its missing leading slash, which is not this check's business.
      expect(result.diagnostics.filter((d) => d.path === 'navigationFallback.rewrite')).toEqual([]);
    },
  );

  it.each([
    [
      'an open rule before the catch-all',
      [
        { route: '/public/*', allowedRoles: ['anonymous'] },
        { route: '/*', allowedRoles: ['authenticated'] },
      ],
      1,
    ],
    [
      'a catch-all weaker than the rule of the page',
      [
        { route: '/index.html', allowedRoles: ['admin'] },
        { route: '/*', allowedRoles: ['authenticated'] },
      ],
      0,
    ],
    [
      'a catch-all for POST only',
      [
        { route: '/*', allowedRoles: ['authenticated'], methods: ['POST'] },
        { route: '/index.html', allowedRoles: ['authenticated'] },
      ],
      1,
    ],
  ])(
    'still warns of the fallback to a protected page when some paths reach it unguarded: %s',
    (_name, routes, protector) => {
      const result = parse({ routes, navigationFallback: { rewrite: '/index.html' } });
      expect(result.diagnostics).toEqual([
        expect.objectContaining({
          path: 'navigationFallback.rewrite',
          message: expect.stringContaining(`though routes[${protector}] limits it`),
        }),
      ]);
    },
  );

  it('does not warn about redirect and allowedRoles on /api routes, nor about a plain /api route', () => {
    const result = parse({
      routes: [
        { route: '/api/old', redirect: '/api/new', allowedRoles: ['a'] },
        // A redirect's own status code (301, 302, 307, 308) is part of the redirect.
        { route: '/api/moved', redirect: '/api/here', statusCode: 308 },
        { route: '/api', rewrite: '/x' },
      ],
    });
    expect(result).toMatchObject({ ok: true, diagnostics: [] });
  });
});

describe('parseConfigText: a property written twice in one object', () => {
  it('keeps the last one, as JSON.parse and Azure do, and warns with both places (the column too on one line) and the JSON path', () => {
    const text = [
      '\uFEFF{',
      '  "navigationFallback": { "rewrite": "/index.html" },',
      '  "routes": [{ "route": "/a", "statusCode": 404, "route": "/b" }],',
      '  "globalHeaders": { "x-one": "1" },',
      '  "navigationFallback": { "rewrite": "/app.html" }',
      '}',
    ].join('\n');
    const result = parseConfigText(text, '/site/staticwebapp.config.json');
    expect(result.ok).toBe(true);
    expect(result.ok && result.config.navigationFallback?.rewrite).toBe('/app.html');
    expect(result.diagnostics).toEqual([
      {
        severity: 'warning',
        path: 'routes[0].route',
        message:
          'this property appears more than once in its object (line 3, columns 16 and 50); only the last one counts, so the one at line 3, column 16 is ignored; merge them into one',
        file: '/site/staticwebapp.config.json',
      },
      {
        severity: 'warning',
        path: 'navigationFallback',
        message:
          'this property appears more than once in its object (lines 2 and 5); only the last one counts, so the one on line 2 is ignored; merge them into one',
        file: '/site/staticwebapp.config.json',
      },
    ]);
  });

  it('does not warn for the same name in different objects, nor for escaped spellings of different names', () => {
    const text =
      '{"globalHeaders":{"a":"1","A":"2"},"mimeTypes":{".a":"x/y"},"routes":[{"route":"/a"},{"route":"/b"}]}';
    expect(parseConfigText(text).diagnostics).toEqual([]);
  });

  it('counts an escaped spelling of a name as the same name', () => {
    const result = parseConfigText('{"routes":[],"\\u0072outes":[{"route":"/x","statusCode":404}]}');
    expect(result.diagnostics.map((diagnostic) => diagnostic.path)).toEqual(['routes']);
  });
});

describe('parseConfigText: sections', () => {
  it('lower-cases mimeTypes keys', () => {
    expect(
      parseOk({ mimeTypes: { '.JSON': 'text/json', '.Wasm': 'application/wasm' } }).config.mimeTypes,
    ).toEqual({
      '.json': 'text/json',
      '.wasm': 'application/wasm',
    });
  });

  it('keeps header names as written', () => {
    const { config } = parseOk({
      globalHeaders: { 'X-Frame-Options': 'DENY', etag: '' },
      routes: [{ route: '/', headers: { 'Cache-Control': '' } }],
    });
    expect(config.globalHeaders).toEqual({ 'X-Frame-Options': 'DENY', etag: '' });
    expect(config.routes[0]?.headers).toEqual({ 'Cache-Control': '' });
  });

  it('accepts redirects to paths and to absolute http(s) URLs', () => {
    const { config } = parseOk({
      routes: [
        { route: '/a', redirect: 'https://www.google.com/' },
        { route: '/b', redirect: '/.auth/login/github?post_login_redirect_uri=.referrer', statusCode: 301 },
      ],
    });
    expect(config.routes.map((rule) => rule.redirect)).toEqual([
      'https://www.google.com/',
      '/.auth/login/github?post_login_redirect_uri=.referrer',
    ]);
  });

  it('accepts 25 IP ranges, CIDR blocks and service tags alike', () => {
    const ranges = [...Array.from({ length: 24 }, (_, i) => `10.0.${i}.0/24`), 'AzureFrontDoor.Backend'];
    expect(parseOk({ networking: { allowedIpRanges: ranges } }).config.networking).toEqual({
      allowedIpRanges: ranges,
    });
  });

  it('accepts 50 distinct custom roles plus the built-in ones', () => {
    const roles = Array.from({ length: 50 }, (_, i) => `role_${i}`);
    const { config } = parseOk({
      routes: [{ route: '/a', allowedRoles: [...roles, 'anonymous', 'authenticated'] }],
    });
    expect(config.routes[0]?.allowedRoles).toHaveLength(52);
  });

  it('summarizes custom providers and lists Standard-only features', () => {
    const { config } = parseOk({
      auth: {
        rolesSource: '/api/GetRoles',
        identityProviders: {
          azureActiveDirectory: {
            registration: {
              openIdIssuer: 'https://login.microsoftonline.com/tenant/v2.0',
              clientIdSettingName: 'AZURE_CLIENT_ID',
              clientSecretSettingName: 'AZURE_CLIENT_SECRET_APP_SETTING_NAME',
            },
            userDetailsClaim: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
          },
          twitter: {
            enabled: false,
            registration: { consumerKeySettingName: 'K', consumerSecretSettingName: 'S' },
          },
          customOpenIdConnectProviders: {
            myProvider: {
              registration: {
                clientIdSettingName: 'MY_PROVIDER_CLIENT_ID',
                clientCredential: { clientSecretSettingName: 'MY_PROVIDER_CLIENT_SECRET' },
                openIdConnectConfiguration: {
                  wellKnownOpenIdConfiguration: 'https://idp.example.org/.well-known/openid-configuration',
                },
              },
              login: { nameClaimType: 'name', scopes: ['openid'], loginParameterNames: [] },
            },
          },
        },
      },
      networking: { allowedIpRanges: ['10.0.0.0/24'] },
      forwardingGateway: {
        allowedForwardedHosts: ['www.example.org'],
        requiredHeaders: { 'X-Azure-FDID': 'abc' },
      },
    });
    expect(config.auth.providers).toEqual([
      { name: 'aad', kind: 'azureActiveDirectory', enabled: true },
      { name: 'twitter', kind: 'twitter', enabled: false },
      { name: 'myProvider', kind: 'customOpenIdConnect', enabled: true },
    ]);
    expect(config.auth.rolesSource).toBe('/api/GetRoles');
    expect(config.auth.identityProviders).toHaveProperty(
      'customOpenIdConnectProviders.myProvider.login.nameClaimType',
      'name',
    );
    expect(config.forwardingGateway).toEqual({
      allowedForwardedHosts: ['www.example.org'],
      requiredHeaders: { 'X-Azure-FDID': 'abc' },
    });
    expect(config.standardOnlyFeatures).toEqual([
      'networking',
      'forwardingGateway',
      'auth.identityProviders',
      'auth.rolesSource',
    ]);
  });
});
