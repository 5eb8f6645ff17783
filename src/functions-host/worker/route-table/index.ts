/**
 * The HTTP route table of an Azure Functions app (spec `functions-host.md` §8): the folder's public surface.
 *
 * Mirrors the Functions host: template = `routePrefix + '/' + (route || function name)`
 * (ext `Routing/WebJobsRouteBuilder.cs`), ASP.NET Core route-template syntax and inline constraints
 * (`RoutePatternParser`, `RouteParameterParser`, `DefaultInlineConstraintResolver`), matching as in
 * `RoutePatternMatcher`, and Azure's precedence: functions sorted by name (case-insensitive), first match
 * wins (ext `Routing/WebJobsRouter.cs`, host `FunctionMetadataManager`). Pure: no I/O, no logging.
 */

export { createRouteTable } from './create-route-table.js';
export type { FunctionRouteInput, RouteMatch, RouteTable, RouteTableResult } from './types.js';
