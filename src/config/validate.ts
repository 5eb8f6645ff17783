import { isRecord } from '../shared/guards.js';
import type * as z from '../shared/zod.js';
import { OVERRIDABLE_STATUS_KEYS, UNIMPLEMENTED_TOP_LEVEL_KEYS } from './constants.js';
import { createWarning } from './internal/diagnostics.js';
import { describeIssue, issuesToDiagnostics } from './internal/issues.js';
import {
  type RawConfig,
  type RawNavigationFallback,
  type RawResponseOverride,
  type RawRouteRule,
  responseOverrideSchema,
  routeRuleSchema,
  staticWebAppConfigSchema,
} from './schema.js';
import type { Diagnostic } from './types.js';

/**
 * Step 2 of the pipeline (raw → **validate** → check → normalize → freeze): the parsed JSON against the zod
 * schema, with every structural problem collected.
 */

/**
 * The parts of a file that are valid on their own, even when the file as a whole is not: whole sections, and
 * for `routes`, `navigationFallback` and `responseOverrides` (where most lenient forms live) each valid field.
 */
export interface SalvagedConfig
  extends Omit<RawConfig, 'routes' | 'navigationFallback' | 'responseOverrides'> {
  readonly routes?: readonly (Partial<RawRouteRule> | undefined)[];
  readonly navigationFallback?: Partial<RawNavigationFallback>;
  readonly responseOverrides?: Readonly<Record<string, Partial<RawResponseOverride> | undefined>>;
}

/** What validation found. */
export interface ValidationResult {
  readonly diagnostics: readonly Diagnostic[];
  /** The whole file, present only when it has no structural error. */
  readonly config?: RawConfig;
  /** The valid parts, so the checks can still report problems in them when other parts are broken. */
  readonly salvaged: SalvagedConfig;
}

/** Validates a parsed `staticwebapp.config.json` value against the schema. */
export function validateConfigValue(value: unknown): ValidationResult {
  const { value: supported, diagnostics: ignored } = omitUnimplementedKeys(value);
  const result = staticWebAppConfigSchema.safeParse(supported, { error: describeIssue });
  if (result.success) {
    return { diagnostics: ignored, config: result.data, salvaged: result.data };
  }
  const errors = issuesToDiagnostics(result.error.issues, staticWebAppConfigSchema);
  return { diagnostics: [...ignored, ...errors], salvaged: salvageConfig(supported) };
}

/**
 * Removes keys Azure documents but Portico does not implement, with a warning for each (D9). The kept keys
 * are copied with `Object.fromEntries`, which makes each an own property: an assignment would take a
 * `"__proto__"` key (an own property after `JSON.parse`) for the prototype, and its keys would then be
 * reported as the file's own.
 */
function omitUnimplementedKeys(value: unknown): { value: unknown; diagnostics: Diagnostic[] } {
  if (!isRecord(value)) {
    return { value, diagnostics: [] };
  }
  const kept: [string, unknown][] = [];
  const diagnostics: Diagnostic[] = [];
  for (const [key, child] of Object.entries(value)) {
    const reason = Object.hasOwn(UNIMPLEMENTED_TOP_LEVEL_KEYS, key)
      ? UNIMPLEMENTED_TOP_LEVEL_KEYS[key]
      : undefined;
    if (reason === undefined) {
      kept.push([key, child]);
    } else {
      diagnostics.push(
        createWarning([key], `Portico does not implement this Azure setting (${reason}); it has no effect`),
      );
    }
  }
  return { value: Object.fromEntries(kept), diagnostics };
}

function salvageConfig(value: unknown): SalvagedConfig {
  const root = isRecord(value) ? value : {};
  const shape = staticWebAppConfigSchema.shape;
  return {
    ...salvageFields(staticWebAppConfigSchema, root),
    routes: Array.isArray(root.routes)
      ? root.routes.map((rule) => salvageFields(routeRuleSchema, rule))
      : undefined,
    navigationFallback: salvageFields(shape.navigationFallback.unwrap(), root.navigationFallback),
    responseOverrides: salvageResponseOverrides(root.responseOverrides),
  };
}

function salvageResponseOverrides(value: unknown): SalvagedConfig['responseOverrides'] {
  if (!isRecord(value)) {
    return undefined;
  }
  const codes = Object.keys(value).filter((code) =>
    (OVERRIDABLE_STATUS_KEYS as readonly string[]).includes(code),
  );
  return Object.fromEntries(codes.map((code) => [code, salvageFields(responseOverrideSchema, value[code])]));
}

/** The fields of `value` that are valid for `schema` on their own; unknown and invalid fields are dropped. */
function salvageFields<T extends z.ZodObject>(schema: T, value: unknown): Partial<z.output<T>> | undefined {
  if (!isRecord(value)) {
    return undefined;
  }
  const fields: Record<string, unknown> = {};
  for (const [key, field] of Object.entries<z.ZodType>(schema.shape)) {
    const result = field.safeParse(value[key]);
    if (result.success && result.data !== undefined) {
      fields[key] = result.data;
    }
  }
  return fields as Partial<z.output<T>>;
}
