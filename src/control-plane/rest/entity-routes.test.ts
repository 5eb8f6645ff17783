import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { PorticoError } from '../../shared/errors.js';
import { createEntityRoutes, type Entity, type EntityCall } from './entity-routes.js';
import type { Route, RouteRequest } from './router.js';

interface TagCall extends EntityCall {
  readonly log: string[];
}

interface Tag {
  readonly id: string;
}

const TAGS = '/services/{serviceName}/tags';

/** What a new entity takes: its path, its names, its resource and its storage functions. */
const TAG: Entity<TagCall, Tag> = {
  path: `${TAGS}/{tagId}`,
  names: { one: 'a tag', plural: 'tags', parent: 'a service' },
  resource: (_at, tag) => ({ name: tag.id }),
  list: async () => [{ id: 'a' }, { id: 'b' }],
  put: async (at) => ({ entity: { id: at.r.params.tagId ?? '' }, created: at.r.params.tagId === 'new' }),
  get: async (at) => ({ id: at.r.params.tagId ?? '' }),
  delete: async (at) => {
    at.log.push('deleted');
  },
};

function request(
  method: string,
  params: Record<string, string> = {},
  headers: Record<string, string> = {},
): RouteRequest {
  return {
    req: { method, headers } as IncomingMessage,
    params,
    query: new URLSearchParams(),
    token: undefined,
  };
}

function routesOf(entity: Entity<TagCall, unknown>, log: string[] = []): Route[] {
  return createEntityRoutes({
    auth: 'admin',
    callOf: async (r) => {
      log.push('callOf');
      return { r, log };
    },
    entities: [entity],
  });
}

function find(routes: readonly Route[], method: string, path: string): Route {
  const route = routes.find((candidate) => candidate.method === method && candidate.path === path);
  if (route === undefined) {
    throw new Error(`no route ${method} ${path}`);
  }
  return route;
}

describe('createEntityRoutes', () => {
  it('turns one entry into its list, PUT, GET and DELETE routes with generated summaries', () => {
    const routes = routesOf(TAG);
    expect(routes.map((route) => [route.method, route.path, route.auth, route.summary])).toEqual([
      ['GET', TAGS, 'admin', 'List the tags of a service'],
      ['PUT', `${TAGS}/{tagId}`, 'admin', 'Create or replace a tag'],
      ['GET', `${TAGS}/{tagId}`, 'admin', 'Get a tag'],
      ['DELETE', `${TAGS}/{tagId}`, 'admin', 'Delete a tag'],
    ]);
  });

  it('keeps the order the entry lists its verbs, then its actions; notes and summaries change the text', () => {
    const routes = routesOf({
      path: TAG.path,
      names: TAG.names,
      notes: { list: ' (sorted)' },
      summaries: { put: 'Attach a tag' },
      examples: { put: { properties: {} } },
      resource: TAG.resource,
      get: TAG.get,
      put: TAG.put,
      list: TAG.list,
      actions: [
        { method: 'POST', name: 'touch', summary: 'Touch a tag', handle: async () => ({ status: 204 }) },
      ],
    });
    expect(routes.map((route) => `${route.method} ${route.summary}`)).toEqual([
      'GET Get a tag',
      'PUT Attach a tag',
      'GET List the tags of a service (sorted)',
      'POST Touch a tag',
    ]);
    expect(find(routes, 'PUT', TAG.path).requestExample).toEqual({ properties: {} });
    expect(find(routes, 'GET', TAG.path).requestExample).toBeUndefined();
    expect(find(routes, 'POST', `${TAG.path}/touch`).path).toBe(`${TAGS}/{tagId}/touch`);
  });

  it('answers lists and items as resources, 201 for a created PUT, 200 for a replaced one, 204 for DELETE', async () => {
    const log: string[] = [];
    const routes = routesOf({ ...TAG, resource: async (_at: TagCall, tag: Tag) => ({ name: tag.id }) }, log);
    await expect(find(routes, 'GET', TAGS).handler(request('GET'))).resolves.toEqual({
      status: 200,
      body: { value: [{ name: 'a' }, { name: 'b' }] },
    });
    const put = find(routes, 'PUT', TAG.path);
    await expect(put.handler(request('PUT', { tagId: 'new' }))).resolves.toEqual({
      status: 201,
      body: { name: 'new' },
    });
    await expect(put.handler(request('PUT', { tagId: 'old' }))).resolves.toMatchObject({ status: 200 });
    await expect(find(routes, 'DELETE', TAG.path).handler(request('DELETE'))).resolves.toEqual({
      status: 204,
    });
    expect(log.at(-2)).toBe('callOf');
    expect(log.at(-1)).toBe('deleted');
  });

  it('with If-None-Match: * only creates: an existing entity is 409 and its put never runs', async () => {
    const log: string[] = [];
    const missingOld = {
      ...TAG,
      get: async (at: TagCall) => {
        if (at.r.params.tagId === 'new') {
          throw new PorticoError('CONTROL_APIM_ENTITY_NOT_FOUND', 'no such tag');
        }
        return { id: at.r.params.tagId ?? '' };
      },
      put: async (at: TagCall) => {
        at.log.push('put');
        return TAG.put?.(at) as ReturnType<NonNullable<typeof TAG.put>>;
      },
    };
    const put = find(routesOf(missingOld, log), 'PUT', TAG.path);
    const createOnly = { 'if-none-match': '*' };
    await expect(put.handler(request('PUT', { tagId: 'old' }, createOnly))).rejects.toMatchObject({
      code: 'CONTROL_ENTITY_EXISTS',
      status: 409,
      message:
        "A tag named 'old' exists already, and If-None-Match: * asks only to create; pick another name, or send the PUT without If-None-Match to replace it.",
    });
    expect(log).toEqual(['callOf']);
    await expect(put.handler(request('PUT', { tagId: 'new' }, createOnly))).resolves.toMatchObject({
      status: 201,
    });
    // Any other If-None-Match, or none, replaces as before.
    await expect(
      put.handler(request('PUT', { tagId: 'old' }, { 'if-none-match': '"x"' })),
    ).resolves.toMatchObject({
      status: 200,
    });
    expect(log.filter((entry) => entry === 'put')).toHaveLength(2);
  });

  it('answers HEAD with 204 after `exists` when the entry has it, and as a GET otherwise', async () => {
    const log: string[] = [];
    const checked = { ...TAG, exists: async (at: TagCall) => void at.log.push('exists') };
    const head = await find(routesOf(checked, log), 'GET', TAG.path).handler(request('HEAD', { tagId: 'x' }));
    expect(head).toEqual({ status: 204 });
    expect(log).toEqual(['callOf', 'exists']);
    const plain = await find(routesOf(TAG), 'GET', TAG.path).handler(request('HEAD', { tagId: 'x' }));
    expect(plain).toEqual({ status: 200, body: { name: 'x' } });
  });

  it('finds the call object before any function of the entry runs (a missing owner is the only error)', async () => {
    const ran: string[] = [];
    const routes = createEntityRoutes<TagCall>({
      auth: 'admin',
      callOf: async () => {
        throw new Error('no such service');
      },
      entities: [
        {
          ...TAG,
          put: async () => {
            ran.push('put');
            return { entity: { id: 'x' } };
          },
        },
      ],
    });
    await expect(find(routes, 'PUT', TAG.path).handler(request('PUT'))).rejects.toThrow('no such service');
    expect(ran).toEqual([]);
  });
});
