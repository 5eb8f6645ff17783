/** A JSON path as segments: object keys are strings, array indexes are numbers. */
export type JsonPath = readonly (string | number)[];

const BARE_KEY = /^[A-Za-z0-9_$-]+$/;

/**
 * Formats a path the way diagnostics show it: `routes[2].statusCode`, `responseOverrides.404.rewrite`,
 * `mimeTypes[".json"]`, or `` for the root.
 */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    text += formatSegment(segment, text === '');
  }
  return text;
}

function formatSegment(segment: PropertyKey, isFirst: boolean): string {
  if (typeof segment === 'number') {
    return `[${segment}]`;
  }
  const key = String(segment);
  if (!BARE_KEY.test(key)) {
    return `[${JSON.stringify(key)}]`;
  }
  return isFirst ? key : `.${key}`;
}
