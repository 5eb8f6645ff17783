/**
 * dist/ holds the parts of zod, Kysely and prom-client Portico uses as one bundled file each
 * (dist/shared/zod.js, kysely.js and prom-client.js, decision 0043), while the unit tests run the sources
 * against the packages themselves.
 *
 * - Each bundle is one file with the licences of the packages it holds that imports nothing of its
 *   package.
 * - The zod bundle answers as zod does: the same configs, principals and deployment requests give the
 *   same results and messages through dist/ as through src/. dist/ runs in a `node` of its own, because
 *   zod keeps its messages in a process-wide global that two copies in one process would share.
 * - The Kysely bundle is run by every end-to-end test of `portico serve`, on SQLite and PostgreSQL, and
 *   the prom-client bundle by every one that reads `/metrics`.
 * - The functions worker is one file too (dist/functions-host/worker/main.bundle.js, decision 0051), the
 *   one the host starts, run by every test of managed functions through the host.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createConfigJsonSchema } from '../../src/config/json-schema.js';
import { parseConfigText } from '../../src/config/parse.js';
import { parseDeploymentRequest } from '../../src/control-plane/manifest.js';
import { parsePrincipal } from '../../src/edge/auth/principal.js';
import { defaultWorkerPath } from '../../src/functions-host/sandbox/worker-files.js';
import { timeoutFor } from '../helpers/cli.js';

const DIST = join(import.meta.dirname, '..', '..', 'dist');

/** What dist/ answers for the inputs, computed by a separate `node` (the script reads JSON on stdin). */
const BUILT_SCRIPT = `
const dist = process.argv[1];
const from = (path) => import(dist + '/' + path);
const [{ parseConfigText }, { createConfigJsonSchema }, { parseDeploymentRequest }, { parsePrincipal }] =
  await Promise.all([from('config/parse.js'), from('config/json-schema.js'), from('control-plane/manifest.js'), from('edge/auth/principal.js')]);
${outcome.toString()}
let input = '';
for await (const chunk of process.stdin) input += chunk;
const { configs, principals, deploys } = JSON.parse(input);
process.stdout.write(JSON.stringify({
  configs: configs.map((text) => parseConfigText(text, 'staticwebapp.config.json')),
  schema: createConfigJsonSchema(),
  principals: principals.map((principal) => parsePrincipal(principal)),
  deploys: deploys.map((request) => outcome(() => parseDeploymentRequest(request, 'Free'))),
}));
`;

interface Answers {
  readonly configs: unknown[];
  readonly schema: unknown;
  readonly principals: unknown[];
  readonly deploys: unknown[];
}

async function builtAnswers(): Promise<Answers> {
  const child = promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', BUILT_SCRIPT, pathToFileURL(DIST).href],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  child.child.stdin?.end(
    JSON.stringify({
      configs: CONFIGS.map((config) => JSON.stringify(config)),
      principals: PRINCIPALS,
      deploys: DEPLOYS,
    }),
  );
  return JSON.parse((await child).stdout) as Answers;
}

/** The same answers from src/, through zod itself, as JSON would carry them. */
function sourceAnswers(): Answers {
  return JSON.parse(
    JSON.stringify({
      configs: CONFIGS.map((config) => parseConfigText(JSON.stringify(config), 'staticwebapp.config.json')),
      schema: createConfigJsonSchema(),
      principals: PRINCIPALS.map((principal) => parsePrincipal(principal)),
      deploys: DEPLOYS.map((request) => outcome(() => parseDeploymentRequest(request, 'Free'))),
    }),
  ) as Answers;
}

/** Configs that reach every kind of check: unknown keys, wrong types, enums, unions, limits, lenient forms. */
const CONFIGS: readonly unknown[] = [
  {
    routes: [{ route: '/admin/*', allowedRoles: ['admin'] }],
    navigationFallback: { rewrite: '/index.html' },
  },
  { routez: [] },
  { routes: [{ route: '/admin', allowRoles: ['admin'] }] },
  { routes: [{ route: 42 }] },
  { routes: [{ route: '/a', methods: ['GET', 'FETCH'] }] },
  { routes: [{ route: '/a', statusCode: '301', redirect: '/b' }] },
  { routes: [{ route: '/a', statusCode: 'moved' }] },
  { routes: [{ route: '/a', headers: { 'x-a': 1 } }] },
  { navigationFallback: { rewrite: '/i', zzzzzz: 1 } },
  { navigationFallback: { rewrite: '/i', exclude: '/images/*' } },
  { responseOverrides: { '500': { rewrite: '/500.html' } } },
  { responseOverrides: { '404': { statusCode: 200, rewrite: '/index.html' } } },
  { globalHeaders: { 'content-security-policy': ['x'] } },
  { mimeTypes: { '.json': 'text/json', json: 'text/plain' } },
  { platform: { apiRuntime: 'node:99' } },
  { networking: { allowedIpRanges: ['10.0.0.0/8', 'not an address'] } },
  { forwardingGateway: { allowedForwardedHosts: 'contoso.com' } },
  { trailingSlash: 'sometimes' },
  {
    auth: {
      rolesSource: '/api/roles',
      identityProviders: {
        github: {
          registration: { clientIdSettingName: 'ID', clientSecretSettingName: 'S', clientSecret: 'x' },
        },
        customOpenIdConnectProviders: { corp: { registration: { clientIdSettingName: 1 } } },
      },
    },
  },
  [],
  'routes',
];

const PRINCIPALS: readonly unknown[] = [
  { identityProvider: 'github', userDetails: 'ada', userRoles: ['reader', 'bad role!'] },
  { identityProvider: 'aad', userId: 'u1', userDetails: 'bob', claims: [{ typ: 'name', val: 'Bob' }] },
  { identityProvider: 'github' },
  { identityProvider: 3, userDetails: 'x' },
  { identityProvider: 'github', userDetails: 'x', claims: [{ typ: 1 }] },
  null,
];

const SHA = 'a'.repeat(64);
const DEPLOYS: readonly unknown[] = [
  { app: [{ path: 'index.html', size: 5, sha256: SHA }] },
  { app: [{ path: 'index.html', size: -1, sha256: 'xyz' }], extra: true },
  { environment: 7, app: 'nope' },
  {},
];

/**
 * What a call answered or threw, as plain data (a thrown error by its name, code, message and details).
 * The script dist/ runs in carries its source (vitest has already stripped its types).
 */
function outcome(run: () => unknown): unknown {
  try {
    return { answered: run() };
  } catch (error) {
    const { name, message, code, details } = error as Error & { code?: unknown; details?: unknown };
    return { threw: { name, message, code, details } };
  }
}

describe('the bundles of dist/', () => {
  it.each([
    ['zod', ['zod']],
    ['kysely', ['kysely']],
    ['prom-client', ['prom-client', '@opentelemetry/api', 'tdigest', 'bintrees']],
  ])(
    '%s is one file, with the licences of the packages it holds, that loads no module of its package',
    async (name, held) => {
      const text = await readFile(join(DIST, 'shared', `${name}.js`), 'utf8');
      for (const packageName of held) {
        expect(text).toMatch(new RegExp(`^${packageName} \\d+\\.\\d+\\.\\d+:$`, 'm'));
      }
      expect(text).toMatch(/MIT License|Apache License/);
      expect(text).not.toMatch(new RegExp(`^(?:import|export)\\b.*\\bfrom\\s+['"]${name}`, 'm'));
      expect(text).not.toMatch(/\bimport\(\s*['"]/);
      expect(text).not.toMatch(/^import .* from ['"](?!node:)/m);
    },
  );

  it('the functions worker the host starts is one file, with the licences of the packages it holds', async () => {
    const bundle = join(DIST, 'functions-host', 'worker', 'main.bundle.js');
    expect(defaultWorkerPath()).toBe(bundle);
    const text = await readFile(bundle, 'utf8');
    for (const name of ['fdir', 'picomatch', 'tinyglobby', 'zod']) {
      expect(text).toMatch(new RegExp(`^(?:/\\*! )?${name} \\d+\\.\\d+`, 'm'));
    }
    // Only Node's modules are imported; the default v3 model is required from node_modules when needed.
    const imported = [...text.matchAll(/^import .* from ['"]([^'"]+)['"]/gm)].map((match) => match[1]);
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.filter((specifier) => !isBuiltin(specifier ?? ''))).toEqual([]);
    expect(text).not.toMatch(/\bimport\(\s*['"]/);
  });

  it(
    'zod gives the same config diagnostics, JSON Schema, principals and deployment errors, messages included',
    async () => {
      const [built, source] = [await builtAnswers(), sourceAnswers()];
      expect(built.configs).toEqual(source.configs);
      expect(built.schema).toEqual(source.schema);
      expect(built.principals).toEqual(source.principals);
      expect(built.deploys).toEqual(source.deploys);
      // The inputs reach both outcomes and errors of many kinds, zod's own messages among them.
      const results = source.configs as { ok: boolean; diagnostics: { message: string }[] }[];
      expect(results.some((result) => result.ok)).toBe(true);
      expect(
        new Set(results.flatMap((result) => result.diagnostics.map((d) => d.message))).size,
      ).toBeGreaterThan(10);
      expect(JSON.stringify(source.deploys)).toContain('Invalid input: expected string, received number');
      expect(JSON.stringify(source.deploys)).toContain('expected the size in bytes, a whole number ≥ 0');
    },
    timeoutFor(1),
  );
});
