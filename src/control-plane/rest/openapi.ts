/** `/openapi.json`: the management API described from its route table, so it cannot drift. */
import type { Route } from './router.js';

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable code, listed in docs/error-codes.md' },
        message: { type: 'string', description: 'What went wrong and how to fix it' },
        details: {
          type: 'array',
          items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
        },
        problem: {
          type: 'string',
          description: 'With remedy: the message without its how-to-fix part, for clients that word the fix',
        },
        remedy: {
          type: 'object',
          required: ['kind', 'site'],
          description:
            'How to fix it, as data: standard-plan (move site to Standard) or delete-domain (delete domain from site)',
          properties: { kind: { type: 'string' }, site: { type: 'string' }, domain: { type: 'string' } },
        },
      },
    },
  },
};

/** The OpenAPI 3.1 document of the routes. */
export function createOpenApiDocument(routes: readonly Route[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operations = paths[route.path] ?? {};
    operations[route.method.toLowerCase()] = describeRoute(route);
    paths[route.path] = operations;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Portico management API',
      version,
      description:
        'Sites, environments (builds), deployments, app settings and users of a Portico service. Paths and shapes mirror Azure Microsoft.Web/staticSites.',
    },
    components: {
      securitySchemes: {
        admin: {
          type: 'http',
          scheme: 'bearer',
          description: 'The admin token (PORTICO_ADMIN_TOKEN or <data>/admin-token)',
        },
        deployment: {
          type: 'http',
          scheme: 'bearer',
          description: "A site's deployment token (listSecrets)",
        },
      },
      schemas: { Error: ERROR_SCHEMA },
    },
    paths,
  };
}

function describeRoute(route: Route): Record<string, unknown> {
  const parameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const errorResponse = {
    description: 'Error',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };
  return {
    summary: route.summary,
    security: [{ [route.auth]: [] }],
    parameters,
    ...(route.requestExample === undefined
      ? {}
      : { requestBody: { content: { 'application/json': { example: route.requestExample } } } }),
    responses: { '200': { description: 'Success' }, default: errorResponse },
  };
}
