/**
 * Reading an OpenAPI 3.0/3.1 or Swagger 2.0 document (YAML or JSON) for an API import: `yaml` parses it
 * with positions, `@apidevtools/swagger-parser` validates it against the specification's schemas and
 * resolves its internal `$ref`s (external ones are never fetched), and every problem is reported with
 * its JSON path and line.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { PorticoError } from '../../shared/errors.js';
import { errorMessage, isRecord } from '../../shared/guards.js';

/** One operation found in a document. */
export interface DocumentOperation {
  /** The document's `operationId`, or undefined. */
  readonly operationId: string | undefined;
  readonly displayName: string;
  /** Upper case. */
  readonly method: string;
  /** The path as the document writes it (`/pets/{id}`). */
  readonly urlTemplate: string;
  /** JSON path of the operation, for messages. */
  readonly location: string;
}

/** What an import takes from a document. */
export interface OpenApiSummary {
  readonly title: string | undefined;
  /** The first absolute server URL (Swagger 2.0: scheme, host and basePath), if the document has one. */
  readonly serviceUrl: string | undefined;
  readonly operations: readonly DocumentOperation[];
}

/** One problem of a document. */
export interface DocumentProblem {
  readonly path: string;
  readonly message: string;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Locates JSON paths in the parsed YAML (line and column). */
type Locator = (segments: readonly string[]) => string;

/**
 * Parses, validates and summarises a document; a 400 listing every problem when it is not valid.
 * `source` completes "The API definition…" in messages (e.g. ` at https://…`, or empty).
 */
export async function readOpenApiDocument(text: string, source: string): Promise<OpenApiSummary> {
  const { value, locate } = parseText(text, source);
  if (!isRecord(value) || (value.openapi === undefined && value.swagger === undefined)) {
    throw invalid(source, [
      { path: '$', message: 'not an OpenAPI or Swagger document: it has no "openapi" or "swagger" field' },
    ]);
  }
  let api: Record<string, unknown>;
  try {
    api = (await SwaggerParser.validate(structuredClone(value) as never, {
      resolve: { external: false },
    })) as unknown as Record<string, unknown>;
  } catch (error) {
    throw invalid(source, validationProblems(error, locate));
  }
  return summarise(api, locate, source);
}

function invalid(source: string, problems: readonly DocumentProblem[]): PorticoError {
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s), listed in details)` : '';
  return new PorticoError(
    'CONTROL_OPENAPI_INVALID',
    `The API definition${source} is invalid: ${first?.path ?? '$'}: ${first?.message ?? 'unknown problem'}${more}. Fix the document and import it again.`,
    { details: problems.map((problem) => ({ ...problem })) },
  );
}

function parseText(text: string, source: string): { value: unknown; locate: Locator } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const where = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `line ${line}, column ${col}`;
  };
  if (doc.errors.length > 0) {
    throw invalid(
      source,
      doc.errors.map((error) => ({
        path: where(error.pos[0]),
        message: `not valid YAML or JSON: ${error.message.split('\n')[0] ?? error.code}`,
      })),
    );
  }
  const locate: Locator = (segments) => {
    const { path, offset } = walk(doc.contents, segments);
    return offset === undefined ? path : `${path} (${where(offset)})`;
  };
  return { value: doc.toJS({ maxAliasCount: 100 }) as unknown, locate };
}

/**
 * The JSON path of `segments` in the parsed document, and the offset of the deepest part that exists:
 * a map entry's key (so a missing property is reported where its parent object is named).
 */
function walk(root: unknown, segments: readonly string[]): { path: string; offset: number | undefined } {
  let node: unknown = root;
  let path = '$';
  let offset = (root as Node | null)?.range?.[0];
  for (const segment of segments) {
    if (isSeq(node)) {
      path += `[${segment}]`;
      node = node.get(Number(segment), true);
      offset = (node as Node | undefined)?.range?.[0] ?? offset;
    } else {
      path += jsonPath([segment]).slice(1);
      const pair = isMap(node)
        ? node.items.find((item) => isScalar(item.key) && String(item.key.value) === segment)
        : undefined;
      node = pair?.value;
      offset = (pair?.key as Node | undefined)?.range?.[0] ?? offset;
    }
  }
  return { path, offset };
}

/** `$.paths['/pets/{id}'].get` from `['paths', '/pets/{id}', 'get']` (every segment a property name). */
export function jsonPath(segments: readonly string[]): string {
  return segments.reduce(
    (path, segment) =>
      /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)
        ? `${path}.${segment}`
        : `${path}['${segment.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`,
    '$',
  );
}

/** The segments of a JSON pointer (`/paths/~1a/get`). */
function pointerSegments(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .replace(/^#?\//, '')
        .split('/')
        .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

interface SchemaError {
  readonly instancePath?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
  readonly keyword?: string;
}

/** Problems of a swagger-parser error: one per schema error (deduplicated), or its message. */
function validationProblems(error: unknown, locate: Locator): DocumentProblem[] {
  const details = (error as { details?: unknown }).details;
  if (Array.isArray(details) && details.length > 0) {
    const seen = new Set<string>();
    const problems: DocumentProblem[] = [];
    // oneOf/anyOf branches repeat the real problem with less useful words; keep the first per place.
    for (const detail of details as SchemaError[]) {
      const path = locate(pointerSegments(detail.instancePath ?? ''));
      if (seen.has(path) || detail.keyword === 'oneOf' || detail.keyword === 'anyOf') {
        continue;
      }
      seen.add(path);
      problems.push({ path, message: schemaMessage(detail) });
    }
    if (problems.length > 0) {
      return problems;
    }
  }
  const message = errorMessage(error);
  return [{ path: '$', message: message.split('\n')[0] ?? message }];
}

function schemaMessage(detail: SchemaError): string {
  const extra = detail.params?.additionalProperty;
  return typeof extra === 'string'
    ? `${detail.message ?? 'is invalid'}: '${extra}'`
    : (detail.message ?? 'is invalid');
}

function summarise(api: Record<string, unknown>, locate: Locator, source: string): OpenApiSummary {
  const info = isRecord(api.info) ? api.info : {};
  const operations: DocumentOperation[] = [];
  const paths = isRecord(api.paths) ? api.paths : {};
  for (const [path, item] of Object.entries(paths)) {
    if (!isRecord(item)) {
      continue;
    }
    if (typeof item.$ref === 'string') {
      // Internal references are resolved by now; what is left points outside the document.
      throw invalid(source, [
        {
          path: locate(['paths', path, '$ref']),
          message: `refers to another document (${item.$ref}); Portico follows only references inside the document: inline it`,
        },
      ]);
    }
    for (const method of METHODS) {
      const operation = item[method];
      if (isRecord(operation)) {
        operations.push(operationOf(path, method, operation, locate));
      }
    }
  }
  return {
    title: typeof info.title === 'string' && info.title.trim() !== '' ? info.title.trim() : undefined,
    serviceUrl: serverUrl(api),
    operations,
  };
}

function operationOf(
  path: string,
  method: string,
  operation: Record<string, unknown>,
  locate: Locator,
): DocumentOperation {
  const operationId = typeof operation.operationId === 'string' ? operation.operationId : undefined;
  const summary = typeof operation.summary === 'string' ? operation.summary.trim() : '';
  return {
    operationId,
    displayName: summary !== '' ? summary : (operationId ?? `${method.toUpperCase()} ${path}`),
    method: method.toUpperCase(),
    urlTemplate: path,
    location: locate(['paths', path, method]),
  };
}

/** OpenAPI 3: the first absolute `servers[].url`; Swagger 2.0: `schemes[0]://host/basePath`. */
function serverUrl(api: Record<string, unknown>): string | undefined {
  if (typeof api.host === 'string' && api.host !== '') {
    const schemes = Array.isArray(api.schemes) ? api.schemes : [];
    const scheme = schemes.includes('https') ? 'https' : schemes.includes('http') ? 'http' : 'https';
    return `${scheme}://${api.host}${typeof api.basePath === 'string' ? api.basePath : ''}`;
  }
  const servers = Array.isArray(api.servers) ? api.servers : [];
  for (const server of servers) {
    const url = isRecord(server) && typeof server.url === 'string' ? server.url : '';
    if (/^https?:\/\//i.test(url) && !url.includes('{')) {
      return url;
    }
  }
  return undefined;
}
