/** Overlap analysis: warns about templates that can shadow each other. */

import { matchComplexSegment, satisfiesConstraints } from './matcher.js';
import { foldCase } from './text.js';
import type { Captures, CompiledRoute, CompiledSegment, ParameterPart, TemplatePart } from './types.js';

/** Whether two method sets share a method; undefined means every method. */
export function methodsOverlap(
  a: ReadonlySet<string> | undefined,
  b: ReadonlySet<string> | undefined,
): boolean {
  return a === undefined || b === undefined || [...a].some((method) => b.has(method));
}

/** Whether some request path (with a shared method) could match both routes. */
function routesOverlap(a: CompiledRoute, b: CompiledRoute): boolean {
  if (!methodsOverlap(a.methods, b.methods)) {
    return false;
  }
  const low = Math.max(a.minSegments, b.minSegments);
  const explicit = Math.max(a.segments.length, b.segments.length) + 1;
  const high = Math.min(a.maxSegments, b.maxSegments, explicit);
  for (let count = low; count <= high; count++) {
    if (segmentsOverlap(a, b, count)) {
      return true;
    }
  }
  return false;
}

function segmentsOverlap(a: CompiledRoute, b: CompiledRoute, count: number): boolean {
  for (let index = 0; index < count; index++) {
    const left = a.segments[index];
    const right = b.segments[index];
    if (left && right && !segmentPairOverlaps(left, right)) {
      return false;
    }
  }
  return true;
}

/** Missing or catch-all segments match anything; literals are tested against the other side's rules. */
function segmentPairOverlaps(left: CompiledSegment, right: CompiledSegment): boolean {
  if (left.kind === 'catchAll' || right.kind === 'catchAll') {
    return true;
  }
  if (left.kind === 'literal' || right.kind === 'literal') {
    const [literal, other] = left.kind === 'literal' ? [left, right] : [right, left];
    const text = literal.parts[0]?.kind === 'literal' ? literal.parts[0].text : '';
    return acceptsText(other, text);
  }
  if (left.kind === 'complex' && right.kind === 'complex') {
    return complexSegmentsMayOverlap(left.parts, right.parts);
  }
  if (left.kind === 'parameter' && right.kind === 'parameter') {
    return constraintsMayAgree(left.parameter, right.parameter);
  }
  return true;
}

/**
 * Values of the kinds route constraints tell apart (numbers, words, booleans, dates, GUIDs, mixed text):
 * two constrained parameters that accept none of them in common (`{id:int}` and `{slug:alpha}`) cannot
 * match the same segment, so they do not overlap. A sample both accept means they may.
 */
const CONSTRAINT_SAMPLES = [
  '0',
  '7',
  '42',
  '-3',
  '2.5',
  '123456789012',
  'a',
  'abc',
  'Hello',
  'true',
  'false',
  '2024-01-31',
  '2024-01-31T10:00:00',
  '6f9619ff-8b86-d011-b42d-00c04fc964ff',
  'a1',
  'item-1',
  'x_y',
];

function constraintsMayAgree(left: ParameterPart, right: ParameterPart): boolean {
  const [a, b] = [left.constraints, right.constraints];
  if (a.length === 0 || b.length === 0) {
    return true;
  }
  return CONSTRAINT_SAMPLES.some(
    (sample) => a.every((accepts) => accepts(sample)) && b.every((accepts) => accepts(sample)),
  );
}

function acceptsText(segment: CompiledSegment, text: string): boolean {
  switch (segment.kind) {
    case 'literal':
      return segment.folded === foldCase(text);
    case 'complex': {
      const captures: Captures = new Map();
      const parameters = segment.parts.filter((part) => part.kind === 'parameter');
      return (
        matchComplexSegment(segment.parts, text, foldCase(text), captures) &&
        parameters.every((parameter) => satisfiesConstraints(parameter, captures.get(parameter.name)))
      );
    }
    default:
      return segment.parameter.constraints.every((constraint) => constraint(text));
  }
}

/** Two complex segments are disjoint when their literal prefixes or suffixes cannot agree. */
function complexSegmentsMayOverlap(left: readonly TemplatePart[], right: readonly TemplatePart[]): boolean {
  const affixesAgree = (
    a: TemplatePart | undefined,
    b: TemplatePart | undefined,
    atStart: boolean,
  ): boolean => {
    if (a?.kind !== 'literal' || b?.kind !== 'literal') {
      return true;
    }
    const [x, y] = [a.folded, b.folded];
    return atStart ? x.startsWith(y) || y.startsWith(x) : x.endsWith(y) || y.endsWith(x);
  };
  return affixesAgree(left[0], right[0], true) && affixesAgree(left.at(-1), right.at(-1), false);
}

function describeOverlap(winner: CompiledRoute, shadowed: CompiledRoute): string {
  return (
    `Function '${winner.functionName}' (route '${winner.template}') overlaps function ` +
    `'${shadowed.functionName}' (route '${shadowed.template}'): Azure tries routes in function-name order, ` +
    `not by specificity, so '${winner.functionName}' wins every request both can match.`
  );
}

/** One warning per pair of routes (in table order) that some request could match both of. */
export function collectOverlapWarnings(routes: readonly CompiledRoute[]): string[] {
  const warnings: string[] = [];
  routes.forEach((winner, index) => {
    for (const shadowed of routes.slice(index + 1)) {
      if (routesOverlap(winner, shadowed)) {
        warnings.push(describeOverlap(winner, shadowed));
      }
    }
  });
  return warnings;
}
