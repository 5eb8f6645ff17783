import { describe, expect, it } from 'vitest';
import { parseConfigText } from './parse.js';
import type { ConfigResult, Diagnostic } from './types.js';

function parse(value: unknown): ConfigResult {
  return parseConfigText(JSON.stringify(value));
}

function errorsOf(result: ConfigResult): Diagnostic[] {
  expect(result.ok).toBe(false);
  expect(result).not.toHaveProperty('config');
  return result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
}

/** The only error of parsing `value`. */
function onlyError(value: unknown): Diagnostic {
  const errors = errorsOf(parse(value));
  expect(errors).toHaveLength(1);
  const [error] = errors;
  if (error === undefined) {
    throw new Error('no error');
  }
  return error;
}

describe('parseConfigText: unknown keys fail closed (D9)', () => {
  it('reports an unknown top-level key with its path and the likely intended key', () => {
    expect(onlyError({ routez: [] })).toMatchObject({
      path: 'routez',
      message: expect.stringContaining('"routes"'),
    });
  });

  it('reports a typo inside a route and suggests the real key', () => {
    const error = onlyError({ routes: [{ route: '/admin', allowRoles: ['admin'] }] });
    expect(error).toMatchObject({
      path: 'routes[0].allowRoles',
      message: expect.stringContaining('"allowedRoles"'),
    });
  });

  it('lists the allowed keys when nothing is close', () => {
    const error = onlyError({ navigationFallback: { rewrite: '/i', zzzzzz: 1 } });
    expect(error).toMatchObject({
      path: 'navigationFallback.zzzzzz',
      message: expect.stringContaining('"exclude"'),
    });
  });

  it('reports unknown keys deep inside auth', () => {
    const error = onlyError({
      auth: {
        identityProviders: { github: { registration: { clientSecretSettingName: 'S', clientSecret: 'x' } } },
      },
    });
    expect(error.path).toBe('auth.identityProviders.github.registration.clientSecret');
  });

  it('names a top-level "__proto__" as the unknown key, never the keys inside it', () => {
    // @see the regression tester's report: `"__proto__": {"y":1}` was reported as `y: unknown key "y"`.
    const errors = errorsOf(parseConfigText('{ "routes": [], "__proto__": { "y": 1 } }'));
    expect(errors).toEqual([
      expect.objectContaining({
        path: '__proto__',
        message: expect.stringContaining('unknown key "__proto__"'),
      }),
    ]);
  });

  it('names the overridable codes when another status is overridden', () => {
    const error = onlyError({ responseOverrides: { '500': { rewrite: '/500.html' } } });
    expect(error.path).toBe('responseOverrides.500');
    expect(error.message).toMatch(/400, 401, 403, 404/);
  });
});

describe('parseConfigText: invalid values', () => {
  it.each([
    [
      'rewrite and redirect together',
      { routes: [{ route: '/a', rewrite: '/b', redirect: '/c' }] },
      'routes[0]',
    ],
    [
      'rewrite and redirect in an override',
      { responseOverrides: { '401': { rewrite: '/b', redirect: '/c' } } },
      'responseOverrides.401',
    ],
    [
      'a redirect with a status that is no redirect',
      { routes: [{ route: '/a', redirect: '/b', statusCode: 200 }] },
      'routes[0].statusCode',
    ],
    [
      'a redirect override with a status that is no redirect',
      { responseOverrides: { '404': { redirect: '/b', statusCode: 404 } } },
      'responseOverrides.404.statusCode',
    ],
    [
      'a rewrite to an absolute URL',
      { routes: [{ route: '/a', rewrite: 'https://example.org/' }] },
      'routes[0].rewrite',
    ],
    [
      'a fallback rewrite to a URL',
      { navigationFallback: { rewrite: '//cdn.example.org/index.html' } },
      'navigationFallback.rewrite',
    ],
    ['a redirect without a slash', { routes: [{ route: '/a', redirect: 'deals' }] }, 'routes[0].redirect'],
    [
      'a protocol-relative redirect',
      { routes: [{ route: '/a', redirect: '//evil.example' }] },
      'routes[0].redirect',
    ],
    [
      'a redirect to another scheme',
      { routes: [{ route: '/a', redirect: 'ftp://example.org/' }] },
      'routes[0].redirect',
    ],
    ['a statusCode out of range', { routes: [{ route: '/a', statusCode: 999 }] }, 'routes[0].statusCode'],
    [
      'a non-numeric statusCode string',
      { routes: [{ route: '/a', statusCode: 'not found' }] },
      'routes[0].statusCode',
    ],
    ['a boolean statusCode', { routes: [{ route: '/a', statusCode: true }] }, 'routes[0].statusCode'],
    [
      'a role with a hyphen',
      { routes: [{ route: '/a', allowedRoles: ['power-user'] }] },
      'routes[0].allowedRoles[0]',
    ],
    ['a lower-case method', { routes: [{ route: '/a', methods: ['get'] }] }, 'routes[0].methods[0]'],
    ['a missing route', { routes: [{ rewrite: '/a' }] }, 'routes[0].route'],
    ['an empty route', { routes: [{ route: '' }] }, 'routes[0].route'],
    ['a route that is not an object', { routes: ['/a'] }, 'routes[0]'],
    [
      'a header name with a space',
      { globalHeaders: { 'Cache Control': 'no-store' } },
      'globalHeaders["Cache Control"]',
    ],
    [
      'a header value with a line break',
      { globalHeaders: { 'X-A': 'a\r\nSet-Cookie: x=1' } },
      'globalHeaders.X-A',
    ],
    [
      'a header value with a character Node cannot send in a header',
      { globalHeaders: { 'X-Powered-By': 'Portico ✓' } },
      'globalHeaders.X-Powered-By',
    ],
    [
      'a route header value with a control character',
      { routes: [{ route: '/a', headers: { 'X-A': 'a\u0001b' } }] },
      'routes[0].headers.X-A',
    ],
    [
      'a media type parameter with a character above U+00FF',
      { mimeTypes: { '.txt': 'text/plain; x=€' } },
      'mimeTypes[".txt"]',
    ],
    [
      'a numeric header value',
      { routes: [{ route: '/a', headers: { 'max-age': 5 } }] },
      'routes[0].headers.max-age',
    ],
    ['a mimeTypes key without the dot', { mimeTypes: { json: 'text/json' } }, 'mimeTypes.json'],
    ['an invalid media type', { mimeTypes: { '.json': 'json' } }, 'mimeTypes[".json"]'],
    ['an unknown trailingSlash', { trailingSlash: 'sometimes' }, 'trailingSlash'],
    [
      'an IP address without a prefix',
      { networking: { allowedIpRanges: ['10.0.0.1'] } },
      'networking.allowedIpRanges[0]',
    ],
    [
      'an impossible CIDR block',
      { networking: { allowedIpRanges: ['10.0.0.256/24'] } },
      'networking.allowedIpRanges[0]',
    ],
    [
      'a forwarded host with a scheme',
      { forwardingGateway: { allowedForwardedHosts: ['https://a.example'] } },
      'forwardingGateway.allowedForwardedHosts[0]',
    ],
    ['a rolesSource outside /api', { auth: { rolesSource: '/GetRoles' } }, 'auth.rolesSource'],
    ['an empty apiRuntime', { platform: { apiRuntime: '' } }, 'platform.apiRuntime'],
    [
      'a registration without its secret setting',
      { auth: { identityProviders: { google: { registration: {} } } } },
      'auth.identityProviders.google.registration.clientSecretSettingName',
    ],
    [
      'a secret where a setting name belongs',
      {
        auth: {
          identityProviders: { github: { registration: { clientSecretSettingName: 's3cr3t value!' } } },
        },
      },
      'auth.identityProviders.github.registration.clientSecretSettingName',
    ],
  ])('%s', (_name, value, path) => {
    const error = onlyError(value);
    expect(error.path).toBe(path);
    expect(error.message.length).toBeGreaterThan(20);
  });

  it.each(['/a b', '/a\u00a0b', '/a\u3000b', 'https://example.org/a b'])(
    'says a redirect target %j may not hold a space, and to percent-encode it',
    (redirect) => {
      for (const value of [
        { routes: [{ route: '/a', redirect }] },
        { responseOverrides: { '404': { redirect } } },
      ]) {
        const error = onlyError(value);
        expect(error.message).toContain('must not contain spaces');
        expect(error.message).toContain('%20');
        expect(error.message).not.toContain('must be a path starting');
      }
    },
  );

  it('asks for upper-case methods', () => {
    expect(onlyError({ routes: [{ route: '/a', methods: ['get'] }] }).message).toContain('"GET"');
  });

  it('says a required key is missing', () => {
    expect(onlyError({ navigationFallback: { exclude: [] } })).toMatchObject({
      path: 'navigationFallback.rewrite',
      message: expect.stringMatching(/required/),
    });
  });

  it('rejects a root that is not an object', () => {
    expect(onlyError([])).toMatchObject({ path: '', message: expect.stringMatching(/JSON object/) });
  });
});

describe('parseConfigText: custom OpenID Connect providers', () => {
  const provider = (configuration: Record<string, string>) => ({
    registration: {
      clientIdSettingName: 'ID',
      clientCredential: { clientSecretSettingName: 'SECRET' },
      openIdConnectConfiguration: configuration,
    },
    login: {},
  });
  const withProviders = (providers: Record<string, unknown>) => ({
    auth: { identityProviders: { customOpenIdConnectProviders: providers } },
  });

  it('rejects a name that is already a built-in sign-in URL', () => {
    const error = onlyError(
      withProviders({ github: provider({ wellKnownOpenIdConfiguration: 'https://a/.well-known' }) }),
    );
    expect(error.path).toBe('auth.identityProviders.customOpenIdConnectProviders.github');
  });

  it('rejects a name that cannot appear in a URL', () => {
    const error = onlyError(
      withProviders({ 'my provider': provider({ wellKnownOpenIdConfiguration: 'https://a/' }) }),
    );
    expect(error.path).toBe('auth.identityProviders.customOpenIdConnectProviders["my provider"]');
  });

  it('needs the well-known URL or every endpoint', () => {
    const error = onlyError(withProviders({ idp: provider({ issuer: 'https://idp.example.org' }) }));
    expect(error.path).toBe(
      'auth.identityProviders.customOpenIdConnectProviders.idp.registration.openIdConnectConfiguration',
    );
    expect(error.message).toMatch(/authorizationEndpoint, tokenEndpoint, certificationUri/);
  });

  it('needs HTTPS for a provider off this machine: sign-in codes and tokens travel there', () => {
    const error = onlyError(
      withProviders({
        idp: provider({ wellKnownOpenIdConfiguration: 'http://10.1.2.3/.well-known/openid-configuration' }),
      }),
    );
    expect(error.path).toBe(
      'auth.identityProviders.customOpenIdConnectProviders.idp.registration.openIdConnectConfiguration.wellKnownOpenIdConfiguration',
    );
    expect(error.message).toContain('must be an https:// URL (http:// only on this machine');
    for (const local of ['http://127.0.0.1:9/x', 'http://localhost:8080/x', 'http://idp.localhost/x']) {
      expect(
        parseConfigText(
          JSON.stringify(withProviders({ idp: provider({ wellKnownOpenIdConfiguration: local }) })),
        ).ok,
        local,
      ).toBe(true);
    }
    for (const tricky of [
      'http://localhost.evil.example/x',
      'http://127.0.0.1.evil.example/x',
      'http://localhost@evil.example/x',
    ]) {
      expect(
        parseConfigText(
          JSON.stringify(withProviders({ idp: provider({ wellKnownOpenIdConfiguration: tricky }) })),
        ).ok,
        tricky,
      ).toBe(false);
    }
  });
});

describe('parseConfigText: limits', () => {
  it('rejects more than 25 IP ranges', () => {
    const ranges = Array.from({ length: 26 }, (_, i) => `10.0.${i}.0/24`);
    const error = onlyError({ networking: { allowedIpRanges: ranges } });
    expect(error).toMatchObject({
      path: 'networking.allowedIpRanges',
      message: expect.stringContaining('25'),
    });
  });

  it('rejects a role name over 64 characters, as invitations and the CLI do (@see tester finding)', () => {
    const long = 'r'.repeat(65);
    expect(onlyError({ routes: [{ route: '/a', allowedRoles: ['admin', long] }] })).toMatchObject({
      path: 'routes[0].allowedRoles[1]',
      message: expect.stringContaining('role names are at most 64 characters'),
    });
    expect(onlyError({ routes: [{ route: '/a', allowedRoles: `admin, ${long}` }] })).toMatchObject({
      path: 'routes[0].allowedRoles',
      message: expect.stringContaining('at most 64 characters'),
    });
    expect(
      parse({ routes: [{ route: '/a', allowedRoles: ['r'.repeat(64), `a,${'b'.repeat(64)}`] }] }).ok,
    ).toBe(true);
  });

  it('rejects more than 50 distinct roles, at the rule that adds the 51st', () => {
    const roles = Array.from({ length: 51 }, (_, i) => `role_${i}`);
    const error = onlyError({
      routes: [
        { route: '/a', allowedRoles: roles.slice(0, 30) },
        { route: '/b', allowedRoles: ['authenticated', ...roles.slice(0, 30)] },
        { route: '/c', allowedRoles: roles.slice(30).join(',') },
      ],
    });
    expect(error).toMatchObject({ path: 'routes[2].allowedRoles', message: expect.stringContaining('50') });
  });
});

describe('parseConfigText: JSON syntax', () => {
  it.each([
    ['a trailing comma', '{\n  "routes": [\n    {"route": "/a",}\n  ]\n}', 3, 20, /trailing comma/],
    ['a missing comma', '{\n  "trailingSlash": "auto"\n  "routes": []\n}', 3, 3, /expected "," or "}"/],
    ['a comment', '{\n  // routes\n  "routes": []\n}', 2, 3, /comments/],
    ['a truncated file', '{\n  "routes": [', 2, 14, /ends too early/],
    ['an empty file', '', 1, 1, /ends too early/],
    ['a single-quoted key', "{'routes': []}", 1, 2, /double quotes/],
    ['trailing text', '{}\n}', 2, 1, /after the end/],
    ['a bad literal', '{"a": tru}', 1, 7, /expected a value/],
  ])('reports %s with its line and column', (_name, text, line, column, message) => {
    const result = parseConfigText(text);
    expect(result.ok).toBe(false);
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        path: '',
        message: expect.stringContaining(`line ${line}, column ${column}`),
      }),
    ]);
    expect(result.diagnostics[0]?.message).toMatch(message);
  });
});

describe('parseConfigText: every problem is reported', () => {
  it('collects all errors and the warnings of the valid parts in one pass', () => {
    const result = parse({
      routez: [],
      routes: [
        { route: '/a', allowRoles: ['x'], statusCode: '404' },
        { route: '/b', rewrite: '/c', redirect: '/d' },
        { route: '/e', methods: ['FETCH'] },
      ],
      responseOverrides: { '500': {} },
      trailingSlash: 'sometimes',
      navigationFallback: { rewrite: 'index.html' },
    });
    const errors = errorsOf(result).map((diagnostic) => diagnostic.path);
    expect(errors.sort()).toEqual(
      [
        'responseOverrides.500',
        'routes[0].allowRoles',
        'routes[1]',
        'routes[2].methods[0]',
        'routez',
        'trailingSlash',
      ].sort(),
    );
    const warnings = result.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.path);
    expect(warnings).toEqual(['routes[0].statusCode', 'navigationFallback.rewrite']);
  });

  it('lists errors before warnings', () => {
    const severities = parse({
      routes: [{ route: 'a' }, { route: '/b', rewrite: '/c', redirect: '/d' }],
    }).diagnostics.map((d) => d.severity);
    expect(severities).toEqual(['error', 'warning']);
  });

  it('freezes failed results too', () => {
    const result = parse({ routez: [] });
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result.diagnostics)).toBe(true);
    expect(Object.isFrozen(result.diagnostics[0])).toBe(true);
  });
});
