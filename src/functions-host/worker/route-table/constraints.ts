/** Inline route constraints (ASP.NET Core `RouteOptions.ConstraintMap`, invariant culture). */

import { errorMessage } from '../../../shared/guards.js';
import {
  isBoolean,
  isDateTime,
  isDecimal,
  isFloatingPoint,
  isGuid,
  parseInteger,
} from './constraint-checks.js';
import { RouteTemplateError } from './errors.js';
import type { Constraint } from './types.js';

type ConstraintFactory = (name: string, args: string | undefined) => Constraint;

/** A constraint without arguments: `int()` is rejected, as the resolver finds no matching constructor. */
function withoutArguments(check: Constraint): ConstraintFactory {
  return (name, args) => {
    if (args !== undefined) {
      throw new RouteTemplateError(`the constraint '${name}' takes no arguments`);
    }
    return check;
  };
}

function parseArgumentList(name: string, args: string | undefined, bits: 32 | 64): bigint[] {
  const values = (args ?? '').split(',').map((text) => parseInteger(text.trim(), bits));
  const valid = values.filter((value): value is bigint => value !== undefined);
  if (args === undefined || valid.length !== values.length) {
    throw new RouteTemplateError(`the constraint '${name}' needs integer arguments, got '${args ?? ''}'`);
  }
  return valid;
}

function oneArgument(name: string, args: string | undefined, bits: 32 | 64): bigint {
  const [value, ...extra] = parseArgumentList(name, args, bits);
  if (value === undefined || extra.length > 0) {
    throw new RouteTemplateError(`the constraint '${name}' takes one argument`);
  }
  return value;
}

function twoArguments(name: string, args: string | undefined, bits: 32 | 64): readonly [bigint, bigint] {
  const [first, second = first, ...extra] = parseArgumentList(name, args, bits);
  if (first === undefined || second === undefined || extra.length > 0) {
    throw new RouteTemplateError(`the constraint '${name}' takes one or two arguments`);
  }
  if (first > second) {
    throw new RouteTemplateError(`the constraint '${name}' has a minimum above its maximum`);
  }
  return [first, second];
}

function nonNegative(name: string, value: bigint): number {
  if (value < 0n) {
    throw new RouteTemplateError(`the constraint '${name}' needs a non-negative length`);
  }
  return Number(value);
}

function createMinLength(name: string, args: string | undefined): Constraint {
  const min = nonNegative(name, oneArgument(name, args, 32));
  return (value) => value.length >= min;
}

function createMaxLength(name: string, args: string | undefined): Constraint {
  const max = nonNegative(name, oneArgument(name, args, 32));
  return (value) => value.length <= max;
}

/** `length(n)` or `length(min,max)`; a single argument means both bounds (range checked by twoArguments). */
function createLength(name: string, args: string | undefined): Constraint {
  const [min, max] = twoArguments(name, args, 32).map((bound) => nonNegative(name, bound));
  return (value) => value.length >= (min ?? 0) && value.length <= (max ?? 0);
}

function createMin(name: string, args: string | undefined): Constraint {
  const min = oneArgument(name, args, 64);
  return (value) => (parseInteger(value, 64) ?? min - 1n) >= min;
}

function createMax(name: string, args: string | undefined): Constraint {
  const max = oneArgument(name, args, 64);
  return (value) => (parseInteger(value, 64) ?? max + 1n) <= max;
}

function createRange(name: string, args: string | undefined): Constraint {
  const [min, max] = twoArguments(name, args, 64);
  return (value) => {
    const number = parseInteger(value, 64);
    return number !== undefined && number >= min && number <= max;
  };
}

/** `regex(expr)`: unanchored and case-insensitive, as `RegexInlineRouteConstraint`. */
function createRegex(name: string, args: string | undefined): Constraint {
  if (args === undefined) {
    throw new RouteTemplateError(`the constraint '${name}' needs a pattern`);
  }
  try {
    const pattern = new RegExp(args, 'i');
    return (value) => pattern.test(value);
  } catch (error) {
    const reason = errorMessage(error);
    throw new RouteTemplateError(`the pattern of '${name}(${args})' is not valid: ${reason}`);
  }
}

const CONSTRAINTS: ReadonlyMap<string, ConstraintFactory> = new Map<string, ConstraintFactory>([
  ['int', withoutArguments((value) => parseInteger(value, 32) !== undefined)],
  ['long', withoutArguments((value) => parseInteger(value, 64) !== undefined)],
  ['bool', withoutArguments(isBoolean)],
  ['datetime', withoutArguments(isDateTime)],
  ['decimal', withoutArguments(isDecimal)],
  ['double', withoutArguments(isFloatingPoint)],
  ['float', withoutArguments(isFloatingPoint)],
  ['guid', withoutArguments(isGuid)],
  ['alpha', withoutArguments((value) => /^[a-z]*$/i.test(value))],
  ['required', withoutArguments((value) => value.length > 0)],
  ['minlength', createMinLength],
  ['maxlength', createMaxLength],
  ['length', createLength],
  ['min', createMin],
  ['max', createMax],
  ['range', createRange],
  ['regex', createRegex],
]);

/** Resolves `name` or `name(args)`; names are case-insensitive, as in the constraint map. */
export function resolveConstraint(text: string): Constraint {
  const open = text.indexOf('(');
  const hasArguments = open >= 0 && text.endsWith(')');
  const name = hasArguments ? text.slice(0, open) : text;
  const factory = CONSTRAINTS.get(name.toLowerCase());
  if (!factory) {
    throw new RouteTemplateError(`unknown constraint '${text}'`);
  }
  return factory(name, hasArguments ? text.slice(open + 1, -1) : undefined);
}
