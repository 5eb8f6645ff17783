/** Matching (ASP.NET Core `RoutePatternMatcher`, then the route constraints). */

import type {
  Captures,
  CompiledRoute,
  CompiledSegment,
  LiteralPart,
  ParameterPart,
  RequestPath,
  TemplatePart,
} from './types.js';

/** Matches a tokenized request path against one route; returns its route values or undefined. */
export function matchRoute(route: CompiledRoute, path: RequestPath): Record<string, string> | undefined {
  const count = path.segments.length;
  if (count < route.minSegments || count > route.maxSegments) {
    return undefined;
  }
  const captures: Captures = new Map();
  const visited = Math.min(count, route.segments.length);
  for (let index = 0; index < visited; index++) {
    const segment = route.segments[index];
    if (segment === undefined || !matchSegment(segment, path, index, captures)) {
      return undefined;
    }
  }
  return applyDefaultsAndConstraints(route, captures) ? Object.fromEntries(captures) : undefined;
}

function matchSegment(
  segment: CompiledSegment,
  path: RequestPath,
  index: number,
  captures: Captures,
): boolean {
  const text = path.segments[index] ?? '';
  if (text === '') {
    return false;
  }
  switch (segment.kind) {
    case 'literal':
      return path.folded[index] === segment.folded;
    case 'parameter':
      captures.set(segment.parameter.name, text);
      return true;
    case 'catchAll':
      // Like ASP.NET, the catch-all takes the rest of the path, a trailing slash included.
      captures.set(segment.parameter.name, path.text.slice(path.offsets[index] ?? 0));
      return true;
    case 'complex':
      return matchComplexSegment(segment.parts, text, path.folded[index] ?? '', captures);
  }
}

function applyDefaultsAndConstraints(route: CompiledRoute, captures: Captures): boolean {
  for (const parameter of route.parameters) {
    let value = captures.get(parameter.name);
    if (value === undefined && parameter.defaultValue !== undefined) {
      value = parameter.defaultValue;
      captures.set(parameter.name, value);
    }
    if (!satisfiesConstraints(parameter, value)) {
      return false;
    }
  }
  return true;
}

/** An absent value passes only when the parameter is optional or unconstrained (`OptionalRouteConstraint`). */
export function satisfiesConstraints(parameter: ParameterPart, value: string | undefined): boolean {
  if (value === undefined) {
    return parameter.optional || parameter.constraints.length === 0;
  }
  return parameter.constraints.every((constraint) => constraint(value));
}

/** `MatchComplexSegment`: an optional last parameter (after '.') may be left out. */
export function matchComplexSegment(
  parts: readonly TemplatePart[],
  text: string,
  folded: string,
  captures: Captures,
): boolean {
  const last = parts.length - 1;
  const lastPart = parts[last];
  let found = matchComplexParts(parts, text, folded, last);
  if (!found && lastPart?.kind === 'parameter' && lastPart.optional) {
    const separator = parts[last - 1];
    const endsWithSeparator = separator?.kind === 'literal' && folded.endsWith(separator.folded);
    found = endsWithSeparator ? undefined : matchComplexParts(parts, text, folded, last - 2);
  }
  for (const [name, value] of found ?? []) {
    captures.set(name, value);
  }
  return found !== undefined;
}

/** `MatchComplexSegmentCore`: right to left, each literal at its last occurrence; values non-empty. */
function matchComplexParts(
  parts: readonly TemplatePart[],
  text: string,
  folded: string,
  lastUsed: number,
): [string, string][] | undefined {
  const values: [string, string][] = [];
  let lastIndex = text.length;
  let pending: ParameterPart | undefined;
  let lastLiteral: LiteralPart | undefined;
  for (let index = lastUsed; index >= 0; index--) {
    const part = parts[index];
    let newLastIndex = lastIndex;
    if (part?.kind === 'parameter') {
      pending = part;
    } else if (part) {
      lastLiteral = part;
      const found = findLiteral(
        folded,
        part,
        pending ? lastIndex - 1 : lastIndex,
        index === parts.length - 1,
      );
      if (found === undefined) {
        return undefined;
      }
      newLastIndex = found;
    }
    if (pending && ((lastLiteral && part?.kind === 'literal') || index === 0)) {
      const start = part?.kind === 'literal' ? newLastIndex + part.folded.length : 0;
      const value = text.slice(start, lastIndex);
      if (value === '') {
        return undefined;
      }
      values.push([pending.name, value]);
      pending = undefined;
      lastLiteral = undefined;
    }
    lastIndex = newLastIndex;
  }
  return lastIndex === 0 || parts[0]?.kind === 'parameter' ? values : undefined;
}

/** Last occurrence of the literal ending at or before `end`; the segment's last part must end the text. */
function findLiteral(
  folded: string,
  literal: LiteralPart,
  end: number,
  mustEnd: boolean,
): number | undefined {
  const from = end - literal.folded.length;
  const found = end <= 0 || from < 0 ? -1 : folded.lastIndexOf(literal.folded, from);
  if (found === -1 || (mustEnd && found + literal.folded.length !== folded.length)) {
    return undefined;
  }
  return found;
}
