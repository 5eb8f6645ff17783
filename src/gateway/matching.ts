/**
 * Matching a request to an API and an operation (spec/apim.md §1.3): the API whose path suffix is the
 * longest prefix of the request path, then the most specific operation whose URL template matches the
 * rest. No match, including a method mismatch, is APIM's 404 `Resource not found` (never 405).
 */
import type { GatewayApi, GatewayOperation } from './types.js';

/**
 * One of several APIs (or operations of one method) whose suffixes (templates) fold to one: data stored
 * before decision 0115 (0123) refused them, as the build before compared them raw (decision 0127).
 */
export interface LegacyRival<T> {
  readonly compiled: T;
  /**
   * Its segments as that build compared them: as stored, in lower case (`undefined` for a template
   * parameter, which matched any segment then too).
   */
  readonly raw: readonly (string | undefined)[];
}

/** A compiled operation template. */
export interface CompiledOperation {
  readonly operation: GatewayOperation;
  /** Folded literal segments, or `{name}` parameters; a trailing `*` matches the rest. */
  readonly segments: readonly ({ readonly literal: string } | { readonly param: string })[];
  readonly rest: boolean;
  /** The template's query parameters bound to a parameter (`?a={b}`: `a` gives `b`). */
  readonly queryBindings: readonly QueryBinding[];
  /** More literal segments sort first. */
  readonly score: number;
  /**
   * Only when other operations of the API have its method and its template once folded (stored before
   * decision 0123): all of them, this one included, in matching order. A call goes to the one whose
   * template it spelled (decision 0127).
   */
  readonly rivals?: readonly LegacyRival<CompiledOperation>[];
}

/** An API ready for matching. */
export interface CompiledApi {
  readonly api: GatewayApi;
  /**
   * The segments of the API's path suffix, decoded and in lower case (`café/v1` and `caf%C3%A9/v1` are
   * `['café', 'v1']`), compared with the request path's segments decoded the same way, as operation
   * templates are (decision 0115); none for the root API.
   */
  readonly segments: readonly string[];
  readonly operations: readonly CompiledOperation[];
  /**
   * Only when other APIs of the service have its suffix once folded (stored before decision 0115): all
   * of them, this one included, in matching order. A call goes to the one whose path it spells as stored,
   * case aside, as the build before compared suffixes (decision 0127).
   */
  readonly rivals?: readonly LegacyRival<CompiledApi>[];
}

/** The outcome of matching the path and method. */
export interface RouteMatch {
  readonly api: CompiledApi;
  /** Path after the API suffix, raw, starting with `/`. */
  readonly apiPath: string;
  readonly operation: GatewayOperation | undefined;
  readonly templateParameters: Readonly<Record<string, string>>;
}

/** A query parameter of an operation's URL template bound to a template parameter: `?a={b}`. */
export interface QueryBinding {
  /** The query parameter's name (`a`). */
  readonly name: string;
  /** The template parameter it gives (`b`). */
  readonly param: string;
}

/** The query part of a URL template as bindings; parameters with a literal value bind nothing. */
export function queryBindingsOf(urlTemplate: string): QueryBinding[] {
  const index = urlTemplate.indexOf('?');
  if (index === -1) {
    return [];
  }
  return urlTemplate
    .slice(index + 1)
    .split('&')
    .flatMap((pair): QueryBinding[] => {
      const [name = '', value = ''] = pair.split('=', 2);
      const param = /^\{([^}*]+)\}$/.exec(value)?.[1];
      return name === '' || param === undefined ? [] : [{ name, param }];
    });
}

/**
 * The names of the parameters an operation's URL template gives a value: its path parameters (`{id}`;
 * a wildcard `{*rest}` gives none) and those bound to a query parameter (`?a={b}`).
 */
export function templateParameterNames(urlTemplate: string): Set<string> {
  const path = urlTemplate.split('?')[0] ?? '';
  const names = new Set<string>();
  for (const match of path.matchAll(/\{([^}*]+)\}/g)) {
    names.add(match[1] ?? '');
  }
  for (const binding of queryBindingsOf(urlTemplate)) {
    names.add(binding.param);
  }
  return names;
}

/** The path of an operation's URL template as calls are matched against it. */
interface CompiledTemplate {
  /**
   * Literal segments folded as {@link foldApiPath} folds a suffix's (decoded when their escapes are UTF-8,
   * in lower case: `a%20c` is `a c`), or `{name}` parameters.
   */
  readonly segments: readonly ({ readonly literal: string } | { readonly param: string })[];
  readonly rest: boolean;
  /** The segments as written, in lower case (`undefined` for a parameter): the comparison before 0123. */
  readonly raw: readonly (string | undefined)[];
}

/**
 * The path of a URL template (`/a%20c/{id}/*`) ready for matching: its literal segments decoded and in
 * lower case as a request's segments are compared (decision 0123), an encoded slash (`x%2Fy`) kept inside
 * its segment as in API suffixes, a trailing empty segment (`/a/`) dropped as a request's is.
 */
function compileTemplatePath(urlTemplate: string): CompiledTemplate {
  const path = urlTemplate.split('?')[0] ?? '/';
  const parts = path
    .split('/')
    .slice(1)
    .filter((part, index, all) => part !== '' || index < all.length - 1);
  const rest = parts.at(-1) === '*' || /^\{\*?[^}]*\*\}$/.test(parts.at(-1) ?? '');
  const kept = rest ? parts.slice(0, -1) : parts;
  const segments = kept.map((part) => {
    const param = /^\{([^}*]+)\}$/.exec(part);
    return param?.[1] === undefined ? { literal: foldSegment(part) } : { param: param[1] };
  });
  const raw = segments.map((segment, i) => ('literal' in segment ? kept[i]?.toLowerCase() : undefined));
  return { segments, rest, raw };
}

/**
 * A URL template's path as the gateway tells templates apart: two templates with one fold answer the same
 * calls (`/a%20c`, `/A%20C` and `/a c`; `/users/{id}` and `/users/{key}`). The query part is kept as
 * written, its parameters' names left out. The control plane refuses a second operation of one method
 * whose template has the fold of another's (409).
 */
export function foldUrlTemplate(urlTemplate: string): string {
  const { segments, rest } = compileTemplatePath(urlTemplate);
  const query = urlTemplate.includes('?') ? urlTemplate.slice(urlTemplate.indexOf('?')) : '';
  return JSON.stringify([
    segments.map((segment) => ('literal' in segment ? segment.literal : null)),
    rest,
    query.replace(/\{[^}]*\}/g, '{}'),
  ]);
}

function compileOperation(operation: GatewayOperation): CompiledOperation {
  const { segments, rest } = compileTemplatePath(operation.urlTemplate);
  const score =
    segments.filter((segment) => 'literal' in segment).length * 2 + segments.length - (rest ? 1 : 0);
  return { operation, segments, rest, queryBindings: queryBindingsOf(operation.urlTemplate), score };
}

/**
 * Compiles the APIs of a service, longest path suffix first. APIs (operations) that fold to one suffix
 * (template), which only data stored before decisions 0115 and 0123 holds, learn their rivals here, so
 * that matching compares raw spellings for them alone (decision 0127).
 */
export function compileApis(apis: readonly GatewayApi[]): CompiledApi[] {
  const compiled = apis
    .map(
      (api): CompiledApi => ({
        api,
        segments: api.path === '' ? [] : foldApiPath(api.path),
        operations: linkRivals<CompiledOperation>(
          api.operations.map(compileOperation).sort((a, b) => b.score - a.score),
          (op) => `${op.operation.method} ${foldUrlTemplate(op.operation.urlTemplate)}`,
          (op) => compileTemplatePath(op.operation.urlTemplate).raw,
        ),
      }),
    )
    .sort((a, b) => b.segments.length - a.segments.length);
  return linkRivals<CompiledApi>(
    compiled,
    (api) => JSON.stringify(api.segments),
    (api) => (api.api.path === '' ? [] : api.api.path.toLowerCase().split('/')),
  );
}

/**
 * Gives every item whose key another item shares the list of them all, in `items`' order, as `rivals`
 * (the items are fresh objects of the compile). Most services have no two of one key: nothing is added.
 */
function linkRivals<T extends { rivals?: readonly LegacyRival<T>[] }>(
  items: T[],
  keyOf: (item: T) => string,
  rawOf: (item: T) => readonly (string | undefined)[],
): T[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, [item]);
    } else {
      group.push(item);
    }
  }
  for (const group of groups.values()) {
    if (group.length > 1) {
      const rivals = group.map((compiled) => ({ compiled, raw: rawOf(compiled) }));
      for (const item of group) {
        Object.assign(item, { rivals });
      }
    }
  }
  return items;
}

/**
 * Of rivals that all match a call once folded, the first whose raw segments the call's `parts` (from
 * `offset`) spell as `spell` reads them; undefined when none does.
 */
function pickRival<T>(
  rivals: readonly LegacyRival<T>[],
  parts: readonly string[],
  offset: number,
  spell: (part: string) => string | undefined,
): T | undefined {
  for (const rival of rivals) {
    if (rival.raw.every((raw, i) => raw === undefined || raw === spell(parts[i + offset] ?? ''))) {
      return rival.compiled;
    }
  }
  return undefined;
}

/** A request segment as the build before decision 0115 compared it with a suffix: raw, in lower case. */
const RAW_LOWER = (part: string): string => part.toLowerCase();

/** A request segment as the build before decision 0123 compared it with a template: decoded, in lower case. */
const DECODED_LOWER = (part: string): string | undefined => decodePathSegment(part)?.toLowerCase();

/**
 * An API's path suffix as calls are matched against it (decision 0115): its segments, each decoded when
 * its escapes are UTF-8, then in lower case, so that `café/v1` and `CAF%C3%A9/v1` are `['café', 'v1']`.
 * The control plane compares suffixes this way too, so that two APIs never claim one path.
 */
export function foldApiPath(path: string): string[] {
  return path.split('/').map(foldSegment);
}

/**
 * A path segment as suffixes and template literals compare it: decoded when its escapes are UTF-8, then in
 * lower case. A request's segment is folded the same way before it is compared.
 */
function foldSegment(segment: string): string {
  return (decodePathSegment(segment) ?? segment).toLowerCase();
}

/**
 * A path a URL parser would change (a dot segment, also escaped, or a backslash: a `/` to it), or with
 * empty segments, which many backends merge (nginx's `merge_slashes`).
 */
const UNRESOLVED_PATH = /\\|\/\.|%2e|\/\//i;
const EMPTY_SEGMENTS = /\/{2,}/g;

/**
 * `path` (no query) with its dot segments resolved as a URL parser resolves them (`%2e` is a dot, `\` a
 * slash) and its empty segments merged, so that the API, the operation and its policies are chosen for
 * the path the backend will be asked for: `/t/../admin` is `/admin`, never API `t`'s, and `/t//admin` is
 * `/t/admin`, never a catch-all operation's. Undefined when it is no path at all.
 */
export function resolvePath(path: string): string | undefined {
  if (!UNRESOLVED_PATH.test(path)) {
    return path;
  }
  if (!path.startsWith('/')) {
    return undefined;
  }
  try {
    return new URL(`http://gateway.invalid${path.replace(EMPTY_SEGMENTS, '/')}`).pathname.replace(
      EMPTY_SEGMENTS,
      '/',
    );
  } catch {
    return undefined;
  }
}

/**
 * Finds the API of a raw path (no query); undefined when none matches. Its suffix must fill whole
 * segments (`/apix` is not under `api`); the rest is kept raw for the backend. Each segment of the path
 * is folded once, when an API first compares it, whatever the number of APIs.
 */
export function matchApi(
  apis: readonly CompiledApi[],
  path: string,
): { api: CompiledApi; apiPath: string } | undefined {
  const parts = path.split('/');
  const folded: string[] = [];
  for (const api of apis) {
    const count = api.segments.length;
    if (parts.length > count && suffixMatches(api.segments, parts, folded)) {
      // Rivals (stored before decision 0115): the one the call spells, as before the upgrade.
      const chosen = api.rivals === undefined ? api : (pickRival(api.rivals, parts, 1, RAW_LOWER) ?? api);
      return { api: chosen, apiPath: restOf(path, count) };
    }
  }
  return undefined;
}

/** Whether the path's segments after the first (`parts[1…]`, folded into `folded` as needed) start with `segments`. */
function suffixMatches(segments: readonly string[], parts: readonly string[], folded: string[]): boolean {
  for (let i = 0; i < segments.length; i += 1) {
    let part = folded[i];
    if (part === undefined) {
      part = foldSegment(parts[i + 1] ?? '');
      folded[i] = part;
    }
    if (part !== segments[i]) {
      return false;
    }
  }
  return true;
}

/**
 * `/` and what follows the first `count + 1` segments of `path` (`parts.slice(count + 1).join('/')` of
 * its `/`-separated parts), taken from `path` itself rather than split and joined again.
 */
function restOf(path: string, count: number): string {
  let at = -1;
  for (let i = 0; i <= count; i += 1) {
    at = path.indexOf('/', at + 1);
    if (at === -1) {
      return '/';
    }
  }
  return path.slice(at);
}

/** A path segment decoded; undefined when its escapes are not UTF-8. Most segments have none to decode. */
export function decodePathSegment(segment: string): string | undefined {
  if (!segment.includes('%')) {
    return segment;
  }
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function matchSegments(op: CompiledOperation, parts: readonly string[]): Record<string, string> | undefined {
  if (parts.length < op.segments.length || (!op.rest && parts.length !== op.segments.length)) {
    return undefined;
  }
  const params: Record<string, string> = {};
  for (let index = 0; index < op.segments.length; index += 1) {
    const segment = op.segments[index] as CompiledOperation['segments'][number];
    const part = parts[index] ?? '';
    if ('literal' in segment) {
      if (foldSegment(part) !== segment.literal) {
        return undefined;
      }
    } else {
      const value = decodePathSegment(part);
      if (value === undefined || part === '') {
        return undefined;
      }
      params[segment.param] = value;
    }
  }
  return params;
}

/**
 * Finds the operation for a method and the path under the API. `anyMethod` ignores the method (to find
 * the operation scope of a CORS preflight). The template parameters are those of the path and, when
 * `query` is given, those bound to a query parameter of the template (`/search?q={term}`: `term` is the
 * value of `q`, decoded), as APIM gives them to `rewrite-uri`.
 */
export function matchOperation(
  api: CompiledApi,
  apiPath: string,
  method: string,
  anyMethod = false,
  query?: URLSearchParams,
): { operation: GatewayOperation; templateParameters: Record<string, string> } | undefined {
  const parts = apiPath.split('/').slice(1);
  if (parts.at(-1) === '') {
    parts.pop();
  }
  for (const op of api.operations) {
    if (!anyMethod && op.operation.method !== '*' && op.operation.method !== method) {
      continue;
    }
    const found = matchSegments(op, parts);
    if (found !== undefined) {
      // Rivals (stored before decision 0123): the one whose template the call spelled, as before.
      const chosen = op.rivals === undefined ? op : (pickRival(op.rivals, parts, 0, DECODED_LOWER) ?? op);
      // Rivals fold alike, so each matches these parts; only their parameters' names may differ.
      const params = chosen === op ? found : (matchSegments(chosen, parts) ?? found);
      if (query !== undefined) {
        bindQuery(chosen, query, params);
      }
      return { operation: chosen.operation, templateParameters: params };
    }
  }
  return undefined;
}

/** Adds the parameters bound to query parameters the request has (a path parameter of the same name wins). */
function bindQuery(op: CompiledOperation, query: URLSearchParams, params: Record<string, string>): void {
  for (const binding of op.queryBindings) {
    const value = query.get(binding.name);
    if (value !== null && params[binding.param] === undefined) {
      params[binding.param] = value;
    }
  }
}
