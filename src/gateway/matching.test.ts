import { describe, expect, it } from 'vitest';
import {
  compileApis,
  foldUrlTemplate,
  matchApi,
  matchOperation,
  templateParameterNames,
} from './matching.js';
import type { GatewayApi } from './types.js';

function api(id: string, path: string, operations: [string, string][]): GatewayApi {
  return {
    id,
    path,
    serviceUrl: 'http://backend',
    protocols: ['https'],
    subscriptionRequired: true,
    keyHeader: 'ocp-apim-subscription-key',
    keyQuery: 'subscription-key',
    operations: operations.map(([method, urlTemplate], i) => ({ id: `op${i}`, method, urlTemplate })),
  };
}

const APIS = compileApis([
  api('root', '', [['GET', '/health']]),
  api('shop', 'api', [
    ['GET', '/users/{id}'],
    ['GET', '/users/me'],
    ['POST', '/users'],
    ['*', '/any'],
    ['GET', '/files/*'],
    ['GET', '/search?q={q}'],
  ]),
  api('v2', 'api/v2', [['GET', '/users/{id}']]),
]);

describe('matchApi', () => {
  it('picks the longest path suffix and keeps the raw rest', () => {
    expect(matchApi(APIS, '/api/v2/users/1')?.api.api.id).toBe('v2');
    expect(matchApi(APIS, '/api/users/a%20b')).toMatchObject({ apiPath: '/users/a%20b' });
    expect(matchApi(APIS, '/API/users/1')?.api.api.id).toBe('shop');
    expect(matchApi(APIS, '/api')?.apiPath).toBe('/');
    expect(matchApi(APIS, '/api/v2')).toMatchObject({ api: { api: { id: 'v2' } }, apiPath: '/' });
    expect(matchApi(APIS, '/api/v2/')).toMatchObject({ api: { api: { id: 'v2' } }, apiPath: '/' });
    expect(matchApi(APIS, '/api/v2/a/b/')?.apiPath).toBe('/a/b/');
    expect(matchApi(APIS, '/')).toMatchObject({ api: { api: { id: 'root' } }, apiPath: '/' });
    expect(matchApi(APIS, '/health?x')?.apiPath).toBe('/health?x');
  });

  it('falls back to the root API and never matches a partial segment', () => {
    expect(matchApi(APIS, '/apix/users')?.api.api.id).toBe('root');
    expect(matchApi(compileApis([api('shop', 'api', [])]), '/apix')).toBeUndefined();
  });
});

describe('matchApi: path suffixes compared decoded, as operation templates are (decision 0115)', () => {
  const apis = compileApis([api('cafe', 'café', []), api('enc', 'x%20y/caf%C3%A9', [])]);

  it('matches a non-ASCII suffix in any spelling and keeps the rest raw', () => {
    for (const path of ['/caf%C3%A9/echo', '/CAF%C3%89/echo', '/café/echo']) {
      expect(matchApi(apis, path), path).toMatchObject({ api: { api: { id: 'cafe' } }, apiPath: '/echo' });
    }
  });

  it('matches a suffix written with escapes by the same decoded path', () => {
    expect(matchApi(apis, '/x%20y/café/a%2Fb')).toMatchObject({
      api: { api: { id: 'enc' } },
      apiPath: '/a%2Fb',
    });
    expect(matchApi(apis, '/x%20y/caf%C3%A9')?.apiPath).toBe('/');
    expect(matchApi(apis, '/x%2520y/caf%C3%A9')).toBeUndefined();
  });
});

describe('matchOperation', () => {
  const shop = APIS.find((a) => a.api.id === 'shop');
  if (shop === undefined) {
    throw new Error('fixture');
  }

  it('prefers literal segments over parameters and decodes parameters', () => {
    expect(matchOperation(shop, '/users/me', 'GET')?.operation.urlTemplate).toBe('/users/me');
    expect(matchOperation(shop, '/users/a%20b', 'GET')).toMatchObject({ templateParameters: { id: 'a b' } });
  });

  it('needs the method unless the operation takes any, or the caller asks for any', () => {
    expect(matchOperation(shop, '/users', 'GET')).toBeUndefined();
    expect(matchOperation(shop, '/users', 'POST')?.operation.method).toBe('POST');
    expect(matchOperation(shop, '/any', 'PATCH')?.operation.method).toBe('*');
    expect(matchOperation(shop, '/users', 'OPTIONS', true)?.operation.method).toBe('POST');
  });

  it('matches a trailing wildcard and ignores the template query', () => {
    expect(matchOperation(shop, '/files/a/b/c', 'GET')?.operation.urlTemplate).toBe('/files/*');
    expect(matchOperation(shop, '/search', 'GET')?.operation.urlTemplate).toBe('/search?q={q}');
  });

  it('gives the parameters bound to the template query their query value, decoded', () => {
    const query = new URLSearchParams('q=a%20b&other=1');
    expect(matchOperation(shop, '/search', 'GET', false, query)?.templateParameters).toEqual({ q: 'a b' });
    expect(matchOperation(shop, '/search', 'GET', false, new URLSearchParams())?.templateParameters).toEqual(
      {},
    );
    expect(templateParameterNames('/users/{id}/files/{*rest}?view={v}&fixed=1')).toEqual(
      new Set(['id', 'v']),
    );
  });

  it('refuses empty parameters, extra segments and undecodable segments', () => {
    expect(matchOperation(shop, '/users/', 'GET')).toBeUndefined();
    expect(matchOperation(shop, '/users/1/2', 'GET')).toBeUndefined();
    expect(matchOperation(shop, '/users/%E0%A4%A', 'GET')).toBeUndefined();
  });
});

describe('matchOperation: template literals compared decoded, as path suffixes are (decision 0123)', () => {
  const enc = compileApis([
    api('enc', 'enc', [
      ['GET', '/a%20c'],
      ['GET', '/caf%C3%A9/{id}'],
      ['GET', '/x%2Fy'],
      ['GET', '/x/y/z'],
    ]),
  ])[0];
  if (enc === undefined) {
    throw new Error('fixture');
  }
  const template = (path: string) => matchOperation(enc, path, 'GET')?.operation.urlTemplate;

  it('matches a literal written with escapes by the call that sends them, in any spelling', () => {
    for (const path of ['/a%20c', '/A%20C', '/a c']) {
      expect(template(path), path).toBe('/a%20c');
    }
    expect(template('/a%2520c')).toBeUndefined();
    expect(matchOperation(enc, '/CAF%C3%89/7', 'GET')).toMatchObject({
      operation: { urlTemplate: '/caf%C3%A9/{id}' },
      templateParameters: { id: '7' },
    });
    expect(template('/café/7')).toBe('/caf%C3%A9/{id}');
  });

  it('keeps an encoded slash inside its segment: /x%2Fy is one segment, never /x/y', () => {
    expect(template('/x%2Fy')).toBe('/x%2Fy');
    expect(template('/x%2fy')).toBe('/x%2Fy');
    expect(template('/x/y')).toBeUndefined();
    expect(template('/x%2Fy/z')).toBeUndefined();
  });
});

describe('foldUrlTemplate', () => {
  it('gives one fold to the templates the gateway cannot tell apart', () => {
    const fold = foldUrlTemplate('/a%20c/{id}');
    for (const same of ['/A%20C/{key}', '/a c/{id}', '/a%20c/{id}/']) {
      expect(foldUrlTemplate(same), same).toBe(fold);
    }
    for (const other of ['/a%2520c/{id}', '/a/c/{id}', '/a%20c/{id}/*', '/a%20c/{id}?q={q}', '/a%20c/id']) {
      expect(foldUrlTemplate(other), other).not.toBe(fold);
    }
  });
});

/**
 * Clashes stored before decisions 0115 and 0123, when suffixes and templates were compared raw: the call
 * goes to the one the build before answered (decision 0127), not to the first in id order.
 * @see docs/decisions/0127-apim-legacy-clashes.md
 */
describe('matching with clashes stored before the fold (decision 0127)', () => {
  const apis = compileApis([
    api('cafe', 'café', [['GET', '/echo']]),
    api('cafe2', 'caf%C3%A9', [
      ['GET', '/echo'],
      ['GET', '/only2'],
    ]),
    api('plain', 'plain', [['GET', '/echo']]),
  ]);

  it('gives a call to the API whose stored path it spells, case aside, as the raw comparison did', () => {
    for (const path of ['/caf%C3%A9/echo', '/CAF%c3%a9/only2']) {
      expect(matchApi(apis, path)?.api.api.id, path).toBe('cafe2');
    }
    expect(matchApi(apis, '/café/echo')?.api.api.id).toBe('cafe');
    expect(matchApi(apis, '/CAFÉ/echo')?.api.api.id).toBe('cafe');
    const found = matchApi(apis, '/caf%C3%A9/only2');
    expect(found && matchOperation(found.api, found.apiPath, 'GET')?.operation.urlTemplate).toBe('/only2');
    // A spelling none of them stored falls back to the first in order.
    expect(matchApi(apis, '/CAF%C3%89/echo')?.api.api.id).toBe('cafe');
  });

  it('links rivals only for the clashed suffix', () => {
    expect(apis.find((a) => a.api.id === 'plain')?.rivals).toBeUndefined();
    expect(apis.find((a) => a.api.id === 'cafe2')?.rivals?.map((r) => r.compiled.api.id)).toEqual([
      'cafe',
      'cafe2',
    ]);
  });

  it('gives a call to the operation whose template it spelled once decoded, as before 0123', () => {
    const [legacy] = compileApis([
      api('ops', 'ops', [
        ['GET', '/caf%C3%A9/{key}'],
        ['GET', '/café/{id}'],
        ['POST', '/caf%C3%A9/{key}'],
      ]),
    ]);
    if (legacy === undefined) {
      throw new Error('fixture');
    }
    expect(matchOperation(legacy, '/caf%C3%A9/7', 'GET')).toMatchObject({
      operation: { urlTemplate: '/café/{id}' },
      templateParameters: { id: '7' },
    });
    expect(matchOperation(legacy, '/CAF%C3%89/7', 'GET')?.operation.urlTemplate).toBe('/café/{id}');
    expect(matchOperation(legacy, '/caf%C3%A9/7', 'POST')?.operation.method).toBe('POST');
    // Templates a call spells neither of (both were reached only double-encoded before 0123): the first.
    const [neither] = compileApis([
      api('ops', 'ops', [
        ['GET', '/caf%C3%A9'],
        ['GET', '/CAF%C3%A9'],
      ]),
    ]);
    expect(neither && matchOperation(neither, '/caf%C3%A9', 'GET')?.operation.id).toBe('op0');
  });
});
