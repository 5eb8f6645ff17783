/** Compiles one function's route template into the form the matcher and the overlap analysis use. */

import { parseTemplate } from './template-parser.js';
import { foldCase, trimSlashes } from './text.js';
import type { CompiledRoute, CompiledSegment, FunctionRouteInput, TemplatePart } from './types.js';

function compileSegment(parts: readonly TemplatePart[]): CompiledSegment {
  const [first] = parts;
  if (parts.length !== 1 || first === undefined) {
    return { kind: 'complex', parts };
  }
  if (first.kind === 'literal') {
    return { kind: 'literal', folded: first.folded, parts };
  }
  return { kind: first.catchAll ? 'catchAll' : 'parameter', parameter: first, parts };
}

/** Trailing segments a request may leave out: optional or defaulted parameters and catch-alls. */
function isOmittable(segment: CompiledSegment): boolean {
  if (segment.kind === 'catchAll') {
    return true;
  }
  return (
    segment.kind === 'parameter' &&
    (segment.parameter.optional || segment.parameter.defaultValue !== undefined)
  );
}

/** Parses and compiles a function's template; throws `RouteTemplateError` when it is invalid. */
export function compileRoute(fn: FunctionRouteInput, route: string, template: string): CompiledRoute {
  const segments = parseTemplate(template).map(compileSegment);
  const required = segments.findLastIndex((segment) => !isOmittable(segment)) + 1;
  const methods = fn.methods?.length ? new Set(fn.methods.map((method) => method.toUpperCase())) : undefined;
  return {
    functionName: fn.name,
    template,
    routeKey: foldCase(trimSlashes(route)),
    methods,
    segments,
    parameters: segments.flatMap((segment) => segment.parts.filter((part) => part.kind === 'parameter')),
    minSegments: required,
    maxSegments: segments.at(-1)?.kind === 'catchAll' ? Number.POSITIVE_INFINITY : segments.length,
  };
}
