/**
 * Types of the route table: the public input and output shapes, and the compiled forms shared by the
 * parser, the matcher and the overlap analysis.
 */

/** One HTTP-triggered function as registered by the app. */
export interface FunctionRouteInput {
  /** Function name; also the default route. */
  readonly name: string;
  /** Route template relative to the route prefix; undefined or empty means the function name. */
  readonly route?: string;
  /** Allowed methods, compared case-insensitively; undefined or empty means every method. */
  readonly methods?: readonly string[];
}

/** The function chosen for a request and its route values. */
export interface RouteMatch {
  readonly functionName: string;
  /** Route values by parameter name: decoded, case kept; absent optional parameters are left out. */
  readonly params: Readonly<Record<string, string>>;
}

/** A compiled, immutable route table. */
export interface RouteTable {
  /**
   * Finds the function for a request.
   * @param method HTTP method, any case; GET does not imply HEAD.
   * @param pathname raw (still percent-encoded) URL path without the query, e.g. `/api/products/7`.
   * @returns the first matching route in function-name order, or undefined.
   */
  match(method: string, pathname: string): RouteMatch | undefined;
}

/** What {@link createRouteTable} returns: functions with errors are left out of the table. */
export interface RouteTableResult {
  table: RouteTable;
  /** Overlapping templates, each naming both functions. */
  warnings: string[];
  /** Rejected functions the app cannot start with (an invalid template, a duplicate name), each named. */
  errors: string[];
  /**
   * Functions Azure puts in error while the others run (a reserved route, a route conflict): left out,
   * each message naming the function.
   */
  skipped: SkippedFunction[];
}

/** A function left out of the table while the others are routed. */
export interface SkippedFunction {
  readonly functionName: string;
  readonly message: string;
}

/** A compiled inline constraint: whether a route value passes it. */
export type Constraint = (value: string) => boolean;

/** Literal text inside a template segment. */
export interface LiteralPart {
  readonly kind: 'literal';
  readonly text: string;
  /** Upper-cased with the same length as `text` (OrdinalIgnoreCase). */
  readonly folded: string;
}

/** A `{parameter}` inside a template segment, with its options and constraints. */
export interface ParameterPart {
  readonly kind: 'parameter';
  readonly name: string;
  readonly optional: boolean;
  readonly catchAll: boolean;
  readonly defaultValue: string | undefined;
  readonly constraints: readonly Constraint[];
}

/** One part of a template segment. */
export type TemplatePart = LiteralPart | ParameterPart;

/** A template segment classified for matching: a lone literal, a lone parameter, or several parts. */
export type CompiledSegment =
  | { readonly kind: 'literal'; readonly folded: string; readonly parts: readonly TemplatePart[] }
  | {
      readonly kind: 'parameter' | 'catchAll';
      readonly parameter: ParameterPart;
      readonly parts: readonly TemplatePart[];
    }
  | { readonly kind: 'complex'; readonly parts: readonly TemplatePart[] };

/** One accepted function's route, ready for matching and overlap analysis. */
export interface CompiledRoute {
  readonly functionName: string;
  readonly template: string;
  /** The route (not the template) trimmed of slashes and case-folded: Azure's duplicate key. */
  readonly routeKey: string;
  readonly methods: ReadonlySet<string> | undefined;
  readonly segments: readonly CompiledSegment[];
  readonly parameters: readonly ParameterPart[];
  readonly minSegments: number;
  readonly maxSegments: number;
}

/** A request path split into decoded segments, with their case-folded forms and offsets. */
export interface RequestPath {
  /** Decoded path without its leading slash. */
  readonly text: string;
  readonly segments: readonly string[];
  readonly folded: readonly string[];
  readonly offsets: readonly number[];
}

/** Route values captured while matching, by parameter name. */
export type Captures = Map<string, string>;
