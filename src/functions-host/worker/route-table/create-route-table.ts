/**
 * The route table itself: validates and orders the functions as the Azure Functions host does
 * (ext `Routing/WebJobsRouter.cs`, host `FunctionMetadataManager`).
 */

import { compileRoute } from './compile-route.js';
import { RouteTemplateError } from './errors.js';
import { matchRoute } from './matcher.js';
import { collectOverlapWarnings, methodsOverlap } from './overlap.js';
import { tokenizePath } from './request-path.js';
import { foldCase, trimSlashes } from './text.js';
import type { CompiledRoute, FunctionRouteInput, RouteMatch, RouteTable, RouteTableResult } from './types.js';

const RESERVED_ROUTE = /^(?:admin|runtime)/;

/** Validates one function against those already accepted; returns its route or an error message. */
function compileFunction(
  fn: FunctionRouteInput,
  routePrefix: string,
  accepted: readonly CompiledRoute[],
): CompiledRoute | string {
  const route = fn.route || fn.name;
  const template = routePrefix === '' ? route : `${routePrefix}/${route}`;
  if (RESERVED_ROUTE.test(trimSlashes(route).toLowerCase())) {
    return `Function '${fn.name}': the route '${route}' is reserved (routes may not start with 'admin' or 'runtime').`;
  }
  let compiled: CompiledRoute;
  try {
    compiled = compileRoute(fn, route, template);
  } catch (error) {
    if (!(error instanceof RouteTemplateError)) {
      throw error;
    }
    return `Function '${fn.name}': the route template '${template}' is invalid: ${error.message}.`;
  }
  const twin = accepted.find(
    (other) => other.routeKey === compiled.routeKey && methodsOverlap(other.methods, compiled.methods),
  );
  if (twin) {
    return `Function '${fn.name}': the route '${route}' conflicts with the route of function '${twin.functionName}' (same template, overlapping methods).`;
  }
  return compiled;
}

function compareNames(a: FunctionRouteInput, b: FunctionRouteInput): number {
  const [x, y] = [foldCase(a.name), foldCase(b.name)];
  return x < y ? -1 : x > y ? 1 : 0;
}

function createTable(routes: readonly CompiledRoute[]): RouteTable {
  return Object.freeze({
    match(method: string, pathname: string): RouteMatch | undefined {
      const verb = method.toUpperCase();
      const path = tokenizePath(pathname);
      for (const route of routes) {
        const params = route.methods && !route.methods.has(verb) ? undefined : matchRoute(route, path);
        if (params) {
          return { functionName: route.functionName, params };
        }
      }
      return undefined;
    },
  });
}

/**
 * Builds the route table of an app's HTTP functions the way the Azure Functions host does (spec §8).
 *
 * Functions are sorted by name (case-insensitive) and the first matching template wins. A function with an
 * invalid template, a route starting with `admin`/`runtime`, a duplicate name, or the same route and an
 * overlapping method as an earlier function is reported in `errors` and left out; every other function is
 * still routed. Templates that can shadow each other are reported in `warnings`.
 *
 * @example
 * const { table, errors } = createRouteTable(
 *   [{ name: 'Products', route: 'products/{category:alpha}/{id:int?}', methods: ['GET'] }],
 *   { routePrefix: 'api' },
 * );
 * table.match('GET', '/api/products/electronics/357');
 * // → { functionName: 'Products', params: { category: 'electronics', id: '357' } }
 */
export function createRouteTable(
  functions: readonly FunctionRouteInput[],
  options: { readonly routePrefix: string },
): RouteTableResult {
  const errors: string[] = [];
  const routes: CompiledRoute[] = [];
  const names = new Set<string>();
  for (const fn of [...functions].sort(compareNames)) {
    const folded = foldCase(fn.name);
    const result = names.has(folded)
      ? `Function '${fn.name}': another function has the same name (names are case-insensitive).`
      : compileFunction(fn, options.routePrefix, routes);
    names.add(folded);
    if (typeof result === 'string') {
      errors.push(result);
    } else {
      routes.push(result);
    }
  }
  return { table: createTable(routes), warnings: collectOverlapWarnings(routes), errors };
}
