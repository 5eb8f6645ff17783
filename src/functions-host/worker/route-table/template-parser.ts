/** Route-template parsing (ASP.NET Core `RoutePatternParser` and `RouteParameterParser`). */

import { resolveConstraint } from './constraints.js';
import { RouteTemplateError } from './errors.js';
import { foldCase } from './text.js';
import type { Constraint, LiteralPart, ParameterPart, TemplatePart } from './types.js';

const MISMATCHED_BRACE = "a '{' or '}' is not matched; write '{{' and '}}' for literal braces";

function unescapeBraces(text: string): string {
  return text.replaceAll('}}', '}').replaceAll('{{', '{');
}

/** Drops a leading `/` or `~/`, as ASP.NET does; a lone leading `~` is invalid. */
function trimTemplatePrefix(template: string): string {
  if (template.startsWith('~/')) {
    return template.slice(2);
  }
  if (template.startsWith('~')) {
    throw new RouteTemplateError("a template cannot start with '~' unless followed by '/'");
  }
  return template.startsWith('/') ? template.slice(1) : template;
}

/** Parses a template into segments of parts, then checks the cross-segment rules. */
export function parseTemplate(template: string): (readonly TemplatePart[])[] {
  const text = trimTemplatePrefix(template);
  const segments: (readonly TemplatePart[])[] = [];
  let parts: TemplatePart[] = [];
  let index = 0;
  while (index < text.length) {
    if (text[index] === '/') {
      if (parts.length === 0) {
        throw new RouteTemplateError("'/' cannot appear twice in a row (or right after the route prefix)");
      }
      segments.push(validateSegment(parts));
      parts = [];
      index += 1;
    } else {
      index = parsePart(text, index, parts);
    }
  }
  if (parts.length > 0) {
    segments.push(validateSegment(parts));
  }
  validateTemplate(segments);
  return segments;
}

/** Parses the literal or parameter at `start`, appends it, and returns the index after it. */
function parsePart(text: string, start: number, parts: TemplatePart[]): number {
  if (text[start] === '{' && text[start + 1] !== '{') {
    const end = scanParameter(text, start);
    parts.push(parseParameter(unescapeBraces(text.slice(start + 1, end - 1))));
    return end;
  }
  const end = scanLiteral(text, start);
  parts.push(createLiteral(unescapeBraces(text.slice(start, end))));
  return end;
}

function scanLiteral(text: string, start: number): number {
  let index = start;
  while (index < text.length && text[index] !== '/') {
    const char = text[index];
    if (char === '{' || char === '}') {
      if (text[index + 1] === char) {
        index += 2;
        continue;
      }
      if (char === '{' && index + 1 < text.length) {
        return index;
      }
      throw new RouteTemplateError(MISMATCHED_BRACE);
    }
    index += 1;
  }
  return index;
}

/** Returns the index after the parameter's closing brace; braces inside must be doubled. */
function scanParameter(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length) {
    const char = text[index];
    if (char === '{' && text[index + 1] !== '{') {
      throw new RouteTemplateError(
        index + 1 < text.length ? "a '{' inside a parameter must be doubled" : MISMATCHED_BRACE,
      );
    }
    if (char === '}' && text[index + 1] !== '}') {
      return index + 1;
    }
    index += char === '{' || char === '}' ? 2 : 1;
  }
  throw new RouteTemplateError(MISMATCHED_BRACE);
}

function createLiteral(text: string): LiteralPart {
  if (text.includes('?')) {
    throw new RouteTemplateError(`the literal '${text}' cannot contain '?'`);
  }
  return { kind: 'literal', text, folded: foldCase(text) };
}

/** Parses `[*|**]name[:constraint[(args)]]*[=default][?]` (the text between the braces, unescaped). */
function parseParameter(inside: string): ParameterPart {
  const catchAll = inside.startsWith('*');
  const optional = inside.endsWith('?');
  if (catchAll && optional) {
    throw new RouteTemplateError(`the catch-all parameter '{${inside}}' cannot be optional`);
  }
  const start = inside.startsWith('**') ? 2 : catchAll ? 1 : 0;
  const body = inside.slice(start, optional ? -1 : undefined);
  const nameEnd = findNameEnd(body);
  const name = body.slice(0, nameEnd);
  if (name === '' || /[/{}?*]/.test(name)) {
    throw new RouteTemplateError(`the parameter name '${name}' is invalid`);
  }
  const { constraints, defaultValue } = parseConstraintsAndDefault(body.slice(nameEnd));
  if (optional && defaultValue !== undefined) {
    throw new RouteTemplateError(`the optional parameter '${name}' cannot have a default value`);
  }
  return { kind: 'parameter', name, optional, catchAll, defaultValue, constraints };
}

/** A name ends at the first ':' or '=' that is not its first character. */
function findNameEnd(body: string): number {
  for (let index = 1; index < body.length; index++) {
    if (body[index] === ':' || body[index] === '=') {
      return index;
    }
  }
  return body.length;
}

function parseConstraintsAndDefault(rest: string): { constraints: Constraint[]; defaultValue?: string } {
  const constraints: Constraint[] = [];
  let index = 0;
  while (index < rest.length && rest[index] === ':') {
    const end = findConstraintEnd(rest, index + 1);
    const text = rest.slice(index + 1, end);
    if (text !== '') {
      constraints.push(resolveConstraint(text));
    }
    index = end;
  }
  return index < rest.length ? { constraints, defaultValue: rest.slice(index + 1) } : { constraints };
}

function findConstraintEnd(rest: string, start: number): number {
  for (let index = start; index < rest.length; index++) {
    const char = rest[index];
    if (char === ':' || char === '=') {
      return index;
    }
    if (char === '(') {
      return findArgumentsEnd(rest, index);
    }
  }
  return rest.length;
}

/** A ')' closes the arguments only when followed by ':', '=' or the end (so regexes may hold ')'). */
function findArgumentsEnd(rest: string, open: number): number {
  let index = open + 1;
  while (index < rest.length) {
    const char = rest[index];
    const next = rest[index + 1];
    if (char === ')' && (next === undefined || next === ':' || next === '=')) {
      return index + 1;
    }
    if (char === ':' || char === '=') {
      const close = rest.indexOf(')', index + 1);
      if (close === -1) {
        return index;
      }
      index = close;
    }
    index += 1;
  }
  return rest.length;
}

/** Rules for segments with several parts, such as `{name}.{ext?}`. */
function validateSegment(parts: readonly TemplatePart[]): readonly TemplatePart[] {
  if (parts.length === 1) {
    return parts;
  }
  parts.forEach((part, index) => {
    const previous = parts[index - 1];
    if (part.kind !== 'parameter') {
      return;
    }
    if (part.catchAll) {
      throw new RouteTemplateError(`the catch-all parameter '${part.name}' must be a whole segment`);
    }
    if (previous?.kind === 'parameter') {
      throw new RouteTemplateError('two parameters in one segment must be separated by a literal');
    }
    if (part.optional && (index !== parts.length - 1 || previous?.text !== '.')) {
      throw new RouteTemplateError(`the optional parameter '${part.name}' must end its segment, after a '.'`);
    }
  });
  return parts;
}

function validateTemplate(segments: readonly (readonly TemplatePart[])[]): void {
  const names = new Set<string>();
  segments.forEach((parts, index) => {
    for (const part of parts) {
      if (part.kind !== 'parameter') {
        continue;
      }
      if (part.catchAll && index !== segments.length - 1) {
        throw new RouteTemplateError(`the catch-all parameter '${part.name}' must be the last segment`);
      }
      const folded = foldCase(part.name);
      if (names.has(folded)) {
        throw new RouteTemplateError(`the parameter name '${part.name}' appears more than once`);
      }
      names.add(folded);
    }
  });
}
