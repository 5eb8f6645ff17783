/**
 * The HTTP route table of an Azure Functions app (spec `functions-host.md` §8).
 *
 * A facade kept so that `./routes.js` imports keep working; the implementation lives in `./route-table/`
 * (template parser, constraints, matcher, overlap analysis). Pure: no I/O, no logging.
 */

export {
  createRouteTable,
  type FunctionRouteInput,
  type RouteMatch,
  type RouteTable,
  type RouteTableResult,
} from './route-table/index.js';
