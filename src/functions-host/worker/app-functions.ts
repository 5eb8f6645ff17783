/**
 * From registered functions (v4) or function folders (v3) to the HTTP functions the worker serves:
 * trigger binding, route, methods and authLevel (spec §5, §9), with the SWA checks: `admin` is refused,
 * non-HTTP triggers are reported by name, duplicate names are an error, disabled functions are skipped.
 */
import { WorkerLoadError } from './errors.js';
import { asString, asStringArray } from './guards.js';
import { duplicateNameError } from './load-errors.js';
import type { RegisteredFunction, RpcBindingInfo } from './types.js';

/** The HTTP trigger of a function. `methods: undefined` means every method. */
export interface HttpTrigger {
  bindingName: string;
  route: string | undefined;
  methods: string[] | undefined;
  authLevel: 'anonymous' | 'function';
}

/** A function the worker serves over HTTP. */
export interface AppFunction extends RegisteredFunction {
  name: string;
  trigger: HttpTrigger;
}

/** The servable functions of an app, plus warnings for what is skipped. */
export interface AppFunctions {
  functions: AppFunction[];
  warnings: string[];
}

/** Checks and converts the registered functions; `defaultAuthLevel` is 'anonymous' (v4) or 'function' (v3). */
export function toAppFunctions(
  registered: readonly RegisteredFunction[],
  options: { defaultAuthLevel: 'anonymous' | 'function'; env: NodeJS.ProcessEnv },
): AppFunctions {
  assertUniqueNames(registered);
  const functions: AppFunction[] = [];
  const nonHttp: string[] = [];
  const warnings: string[] = [];
  for (const fn of registered) {
    if (!FUNCTION_NAME.test(fn.metadata.name)) {
      warnings.push(
        `"${fn.metadata.name}" is not a valid function name (letters, digits, "_" and "-", starting with a letter, at most 128): Azure does not register it, so neither does Portico; rename it.`,
      );
      continue;
    }
    if (isDisabled(fn.metadata.name, options.env)) {
      continue;
    }
    const trigger = findTrigger(fn.metadata.bindings);
    if (trigger === undefined || trigger[1].type?.toLowerCase() !== 'httptrigger') {
      nonHttp.push(`${fn.metadata.name} (${trigger?.[1].type ?? 'no trigger'})`);
      continue;
    }
    const http = toHttpTrigger(fn.metadata.name, trigger, options.defaultAuthLevel);
    functions.push({ ...fn, name: fn.metadata.name, trigger: http });
    warnings.push(...otherBindingsWarning(fn.metadata.name, fn.metadata.bindings));
  }
  return { functions, warnings: [...warnings, ...nonHttpWarning(nonHttp)] };
}

/** The Functions host's rule for function names (`ValidateName`), without case. */
const FUNCTION_NAME = /^[a-z][a-z0-9_-]{0,127}$/i;

/**
 * Input and output bindings other than HTTP (a queue output, a blob input): Static Web Apps runs none, so
 * an input reads nothing and what a function writes to an output goes nowhere. Said, not left silent.
 */
function otherBindingsWarning(name: string, bindings: Record<string, RpcBindingInfo>): string[] {
  const others = Object.entries(bindings)
    .filter(([, binding]) => !/^http(trigger)?$/i.test(binding.type ?? ''))
    .map(([bindingName, binding]) => `${bindingName} (${binding.type ?? '?'}, ${binding.direction ?? 'in'})`);
  if (others.length === 0) {
    return [];
  }
  return [
    `Function "${name}" declares bindings Static Web Apps does not run: ${others.join(', ')}; its inputs read nothing and what it writes to its outputs is discarded.`,
  ];
}

function assertUniqueNames(registered: readonly RegisteredFunction[]): void {
  const seen = new Set<string>();
  for (const fn of registered) {
    const key = fn.metadata.name.toLowerCase();
    if (seen.has(key)) {
      throw duplicateNameError(fn.metadata.name);
    }
    seen.add(key);
  }
}

/** Azure's `AzureWebJobs.<name>.Disabled` app setting ("true" or "1"). */
function isDisabled(name: string, env: NodeJS.ProcessEnv): boolean {
  const value = env[`AzureWebJobs.${name}.Disabled`]?.trim().toLowerCase();
  return value === 'true' || value === '1';
}

function findTrigger(bindings: Record<string, RpcBindingInfo>): [string, RpcBindingInfo] | undefined {
  return Object.entries(bindings).find(([, binding]) => /trigger$/i.test(binding.type ?? ''));
}

function toHttpTrigger(
  name: string,
  [bindingName, binding]: [string, RpcBindingInfo],
  defaultAuthLevel: 'anonymous' | 'function',
): HttpTrigger {
  const route = asString(binding.route)?.trim();
  const methods = asStringArray(binding.methods)?.map((method) => method.toUpperCase());
  return {
    bindingName,
    route: route ? route : undefined,
    methods: methods && methods.length > 0 ? methods : undefined,
    authLevel: toAuthLevel(name, binding.authLevel, defaultAuthLevel),
  };
}

function toAuthLevel(
  name: string,
  value: unknown,
  fallback: 'anonymous' | 'function',
): 'anonymous' | 'function' {
  const level = typeof value === 'string' ? value.toLowerCase() : fallback;
  if (level === 'anonymous' || level === 'function') {
    return level;
  }
  if (level === 'admin') {
    throw new WorkerLoadError(
      'FUNCTIONS_ADMIN_AUTH_LEVEL',
      `Function "${name}" uses authLevel "admin": Static Web Apps allows anonymous and function only. ` +
        'Set authLevel to "anonymous" (or "function").',
    );
  }
  throw new WorkerLoadError(
    'FUNCTIONS_INVALID_METADATA',
    `Function "${name}" has an unknown authLevel "${String(value)}": use "anonymous" or "function".`,
  );
}

function nonHttpWarning(names: readonly string[]): string[] {
  if (names.length === 0) {
    return [];
  }
  return [
    `Static Web Apps runs HTTP-triggered functions only; these functions are not started: ${names.join(', ')}.`,
  ];
}
