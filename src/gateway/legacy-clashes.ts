/**
 * Warnings for the operator about APIs (operations) that claim one path suffix (URL template) once folded:
 * data stored before decisions 0115 and 0123, when Portico compared them raw, and which the control plane
 * now refuses. The gateway still serves them, each call going to the one it spells (decision 0127); these
 * messages say which answers what, and how to end the clash.
 */
import type { CompiledApi, CompiledOperation, LegacyRival } from './matching.js';

/**
 * One message per clash of a compiled service (none for most services): the APIs, or the operations of
 * an API, with their ids and paths, which one answers which spelling, and the fix.
 * @example
 * legacyClashWarnings('shop', compileApis(apis)); // ["gateway 'shop': the APIs 'cafe' (path 'café') and …"]
 */
export function legacyClashWarnings(serviceName: string, apis: readonly CompiledApi[]): string[] {
  const warnings: string[] = [];
  for (const api of apis) {
    if (isFirst(api, api.rivals)) {
      warnings.push(apiClashWarning(serviceName, api.rivals));
    }
    for (const op of api.operations) {
      if (isFirst(op, op.rivals)) {
        warnings.push(operationClashWarning(serviceName, api.api.id, op.rivals));
      }
    }
  }
  return warnings;
}

function isFirst<T>(
  item: T,
  rivals: readonly LegacyRival<T>[] | undefined,
): rivals is readonly LegacyRival<T>[] {
  return rivals?.[0]?.compiled === item;
}

/** `'a', 'b' and 'c'`. */
function listed(items: readonly string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function apiClashWarning(serviceName: string, rivals: readonly LegacyRival<CompiledApi>[]): string {
  const apis = rivals.map(({ compiled }) => compiled.api);
  const first = apis[0]?.id ?? '';
  return [
    `gateway '${serviceName}': the APIs ${listed(apis.map((api) => `'${api.id}' (path '${api.path}')`))} have one path suffix once decoded and without case.`,
    'They were saved before Portico compared suffixes that way (decision 0115), and the control plane now refuses such a clash.',
    `Each call goes to the API whose path it spells as stored, case aside, as before the upgrade: ${apis.map((api) => `/${api.path} → '${api.id}'`).join(', ')}; any other spelling of that suffix → '${first}'.`,
    `To fix it, give all but one of them another path (PATCH .../apis/{apiId} with properties.path), or delete the one no longer needed.`,
  ].join(' ');
}

function operationClashWarning(
  serviceName: string,
  apiId: string,
  rivals: readonly LegacyRival<CompiledOperation>[],
): string {
  const ops = rivals.map(({ compiled }) => compiled.operation);
  const first = ops[0]?.id ?? '';
  const method = ops[0]?.method ?? '';
  return [
    `gateway '${serviceName}': the operations ${listed(ops.map((op) => `'${op.id}' (${op.method} ${op.urlTemplate})`))} of the API '${apiId}' have one URL template once decoded and without case.`,
    'They were saved before Portico compared templates that way (decision 0123), and the control plane now refuses such a clash.',
    `Each ${method} call goes to the operation whose template the call's path spells once decoded, case aside, as before the upgrade; any other spelling → '${first}'.`,
    `To fix it, give all but one of them another URL template or method (PATCH .../apis/${apiId}/operations/{operationId}), or delete the one no longer needed.`,
  ].join(' ');
}
