/**
 * The route table of the management API: each route is a method, a path template with `{params}`, who
 * may call it and its handler. The same table generates `/openapi.json`.
 */
import type { IncomingMessage } from 'node:http';

/** Who may call a route. */
export type RouteAuth = 'admin' | 'deployment';

/** What a handler gets. */
export interface RouteRequest {
  readonly req: IncomingMessage;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The bearer token sent (already checked for `admin` routes). */
  readonly token: string | undefined;
}

/** What a handler returns: a status and a JSON body (or nothing for 204). */
export interface RouteResult {
  readonly status: number;
  readonly body?: unknown;
  /** Response headers besides the JSON ones (an entity's `ETag`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** One route of the API. */
export interface Route {
  readonly method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
  readonly path: string;
  readonly auth: RouteAuth;
  readonly summary: string;
  /** An example request body, shown in the OpenAPI description. */
  readonly requestExample?: unknown;
  readonly handler: (request: RouteRequest) => Promise<RouteResult>;
}

/** A route matched to a path, with its parameters. */
export interface RouteMatch {
  readonly route: Route;
  readonly params: Record<string, string>;
}

/** Finds the route for a method and path; `allowed` lists the methods the path supports otherwise. */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { match?: RouteMatch; allowed: string[] } {
  const segments = path.split('/').slice(1);
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, segments);
    if (params === undefined) {
      continue;
    }
    if (route.method === method) {
      return { match: { route, params }, allowed };
    }
    allowed.push(route.method);
  }
  return { allowed };
}

/** Literal segments compare case-insensitively, as Azure resource paths do. */
function matchPath(template: string, segments: readonly string[]): Record<string, string> | undefined {
  const parts = template.split('/').slice(1);
  if (parts.length !== segments.length) {
    return undefined;
  }
  const params: Record<string, string> = {};
  for (const [index, part] of parts.entries()) {
    const segment = segments[index] ?? '';
    if (part.startsWith('{') && part.endsWith('}')) {
      if (segment === '') {
        return undefined;
      }
      try {
        params[part.slice(1, -1)] = decodeURIComponent(segment);
      } catch {
        return undefined;
      }
    } else if (part.toLowerCase() !== segment.toLowerCase()) {
      return undefined;
    }
  }
  return params;
}
