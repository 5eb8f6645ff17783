import { KNOWN_API_RUNTIMES } from '../constants.js';
import { createWarning } from '../internal/diagnostics.js';
import type { JsonPath } from '../internal/json-path.js';
import type { RawConfig, RawNavigationFallback, RawResponseOverride } from '../schema.js';
import type { Diagnostic } from '../types.js';
import { checkLeadingSlash, checkRoutePattern, checkSingleAction, checkStatusCode } from './common.js';

/** Checks of the sections other than `routes` and `auth`. */

type Section<K extends keyof RawConfig> = NonNullable<RawConfig[K]>;

/** Lenient paths in the fallback rewrite and its excludes (D9), and excludes that never match. */
export function checkNavigationFallback(fallback: Partial<RawNavigationFallback>): Diagnostic[] {
  const path = ['navigationFallback'];
  const excludes = fallback.exclude ?? [];
  return [
    ...checkLeadingSlash([...path, 'rewrite'], fallback.rewrite),
    ...excludes.flatMap((pattern, index) =>
      checkRoutePattern([...path, 'exclude', index], pattern, 'this exclude pattern'),
    ),
  ];
}

/** The same action and status-code rules as route rules, for each override. */
export function checkResponseOverrides(
  overrides: Readonly<Record<string, Partial<RawResponseOverride> | undefined>>,
): Diagnostic[] {
  return Object.entries(overrides).flatMap(([code, override]) =>
    override === undefined ? [] : checkResponseOverride(['responseOverrides', code], override),
  );
}

function checkResponseOverride(path: JsonPath, override: Partial<RawResponseOverride>): Diagnostic[] {
  return [
    ...checkSingleAction(path, override),
    ...checkLeadingSlash([...path, 'rewrite'], override.rewrite),
    ...checkStatusCode([...path, 'statusCode'], override.statusCode),
  ];
}

/** Warns when `networking` restricts nothing. */
export function checkNetworking(networking: Section<'networking'>): Diagnostic[] {
  const ranges = networking.allowedIpRanges ?? [];
  if (ranges.length > 0) {
    // Service tags name Azure's own address lists, which Portico does not have: they match no address.
    return ranges.flatMap((range, index) =>
      range.includes('/')
        ? []
        : [
            createWarning(
              ['networking', 'allowedIpRanges', index],
              `"${range}" is an Azure service tag; Portico has no service tags, so it matches no address${ranges.every((r) => !r.includes('/')) ? ' and every request is refused (403)' : ''}; list the CIDR ranges it stands for`,
            ),
          ],
    );
  }
  return [
    createWarning(
      ['networking', 'allowedIpRanges'],
      'is empty or missing, so networking restricts nothing; list the allowed ranges or remove networking',
    ),
  ];
}

/** Warns about API runtimes Azure does not document, and about runtimes Portico cannot run. */
export function checkPlatform(platform: Section<'platform'>): Diagnostic[] {
  const runtime = platform.apiRuntime;
  const path = ['platform', 'apiRuntime'];
  if (runtime === undefined) {
    return [];
  }
  if (!(KNOWN_API_RUNTIMES as readonly string[]).includes(runtime)) {
    const known = KNOWN_API_RUNTIMES.filter((name) => name.startsWith('node:')).join(', ');
    return [createWarning(path, `"${runtime}" is not a runtime Azure documents; use one such as ${known}`)];
  }
  if (!runtime.startsWith('node:')) {
    return [
      createWarning(
        path,
        `Portico runs only Node.js managed functions; run a "${runtime}" API yourself and proxy to it`,
      ),
    ];
  }
  return [];
}
