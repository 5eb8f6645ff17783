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
import type {
  CompiledRoute,
  FunctionRouteInput,
  RouteMatch,
  RouteTable,
  RouteTableResult,
  SkippedFunction,
} from './types.js';

const RESERVED_ROUTE = /^(?:admin|runtime)/;

/** A function left out: `skip` when Azure puts only it in error, `error` when the app cannot start. */
interface Rejection {
  readonly kind: 'skip' | 'error';
  readonly message: string;
}

/** Validates one function against those already accepted; returns its route or why it is left out. */
function compileFunction(
  fn: FunctionRouteInput,
  routePrefix: string,
  accepted: readonly CompiledRoute[],
): CompiledRoute | Rejection {
  const route = fn.route || fn.name;
  const template = routePrefix === '' ? route : `${routePrefix}/${route}`;
  // Host `ScriptHost.ValidateHttpFunction`: "The specified route conflicts with one or more built in
  // routes", an error of this function alone.
  const reserved = RESERVED_ROUTE.exec(trimSlashes(route).toLowerCase())?.[0];
  if (reserved !== undefined) {
    const named = fn.route ? `its route '${route}'` : 'its route (its name: it sets no route)';
    return {
      kind: 'skip',
      message: `Function '${fn.name}': ${named} starts with '${reserved}', which the Functions host keeps for its built-in routes (Azure: "The specified route conflicts with one or more built in routes"); give it a route that starts with neither 'admin' nor 'runtime'.`,
    };
  }
  let compiled: CompiledRoute;
  try {
    compiled = compileRoute(fn, route, template);
  } catch (error) {
    if (!(error instanceof RouteTemplateError)) {
      throw error;
    }
    return {
      kind: 'error',
      message: `Function '${fn.name}': the route template '${template}' is invalid: ${error.message}.`,
    };
  }
  const twin = accepted.find(
    (other) => other.routeKey === compiled.routeKey && methodsOverlap(other.methods, compiled.methods),
  );
  // Host `ScriptHost.HttpRoutesConflict`: the later function (by name) is in error, the earlier runs.
  if (twin) {
    return {
      kind: 'skip',
      message: `Function '${fn.name}': the route '${route}' conflicts with the route of function '${twin.functionName}' (same template, overlapping methods); change its route or its methods.`,
    };
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
 * invalid template or a duplicate name is reported in `errors`; one that Azure puts in error while the others
 * run (a route starting with `admin`/`runtime`, or the same route and an overlapping method as an earlier
 * function) in `skipped`. Either way it is left out and every other function is still routed. Templates
 * that can shadow each other are reported in `warnings`.
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
  const skipped: SkippedFunction[] = [];
  const routes: CompiledRoute[] = [];
  const names = new Set<string>();
  for (const fn of [...functions].sort(compareNames)) {
    const folded = foldCase(fn.name);
    const result: CompiledRoute | Rejection = names.has(folded)
      ? {
          kind: 'error',
          message: `Function '${fn.name}': another function has the same name (names are case-insensitive).`,
        }
      : compileFunction(fn, options.routePrefix, routes);
    names.add(folded);
    if (!('kind' in result)) {
      routes.push(result);
    } else if (result.kind === 'skip') {
      skipped.push({ functionName: fn.name, message: result.message });
    } else {
      errors.push(result.message);
    }
  }
  return { table: createTable(routes), warnings: collectOverlapWarnings(routes), errors, skipped };
}
