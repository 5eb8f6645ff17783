/**
 * Importing an API from an OpenAPI or Swagger document, as Azure's `PUT …/apis/{apiId}` does with
 * `properties.format` and `properties.value`: the API is created or replaced and its operations become
 * the document's, all in one transaction (an invalid document changes nothing).
 */
import { PorticoError } from '../../shared/errors.js';
import { errorMessage } from '../../shared/guards.js';
import type { ControlContext } from '../context.js';
import {
  type ApiProperties,
  checkApiPathFree,
  type OperationProperties,
  parseApiProperties,
  parseOperationProperties,
} from './apis.js';
import { badField, choiceField, urlField } from './fields.js';
import type { DocumentOperation } from './openapi-document.js';
import { changeService, getEntity, listEntities, putEntity, type StoredEntity } from './store.js';

/** Azure's content formats for an import (inline or a link; YAML or JSON either way). */
export const IMPORT_FORMATS = [
  'openapi',
  'openapi+json',
  'openapi-link',
  'openapi+json-link',
  'swagger-json',
  'swagger-link-json',
] as const;

/** Documents are read up to this size, inline or fetched. */
const MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;

/** Whether a PUT of an API is an import (it has `properties.format`). */
export function isImport(props: Record<string, unknown>): boolean {
  return props.format !== undefined;
}

/** Creates or replaces an API and its operations from a document. */
export async function importApi(
  ctx: ControlContext,
  serviceId: string,
  apiId: string,
  props: Record<string, unknown>,
): Promise<{ api: StoredEntity<ApiProperties>; created: boolean }> {
  const format = choiceField(props, 'format', IMPORT_FORMATS, 'openapi');
  const value = props.value;
  if (typeof value !== 'string' || value.trim() === '') {
    throw badField(
      'value',
      format.includes('link') ? 'the URL of the document' : 'the document itself (YAML or JSON text)',
      value,
    );
  }
  const link = format.includes('link');
  const text = link ? await fetchDocument(urlField(props, 'value')) : value;
  // Imported here: the parser (swagger-parser, yaml) is loaded by the first import, not by every start (decision 0035).
  const { readOpenApiDocument } = await import('./openapi-document.js');
  const summary = await readOpenApiDocument(text, link ? ` at ${value}` : '');
  const { format: _format, value: _value, ...rest } = props;
  const serviceUrl = rest.serviceUrl ?? summary.serviceUrl;
  if (serviceUrl === undefined) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      'properties.serviceUrl is required: the document names no absolute server URL (OpenAPI servers[0].url, or Swagger host). Give the backend URL as properties.serviceUrl, e.g. "https://backend.example.com/api".',
    );
  }
  const api = parseApiProperties(apiId, {
    ...rest,
    serviceUrl,
    displayName: rest.displayName ?? summary.title ?? apiId,
  });
  const operations = operationsOf(summary.operations);
  await checkApiPathFree(ctx, serviceId, apiId, api.path);
  const created = await saveImport(ctx, serviceId, apiId, api, operations);
  return { api: await getEntity<ApiProperties>(ctx, serviceId, 'api', apiId), created };
}

async function saveImport(
  ctx: ControlContext,
  serviceId: string,
  apiId: string,
  api: ApiProperties,
  operations: ReadonlyMap<string, OperationProperties>,
): Promise<boolean> {
  return changeService(ctx, serviceId, async (trx) => {
    const created = await putEntity(ctx, serviceId, 'api', apiId, api, undefined, trx);
    const previous = await listEntities(ctx, serviceId, 'operation', `${apiId}/`, trx);
    for (const old of previous) {
      if (!operations.has(old.id.slice(apiId.length + 1))) {
        await trx
          .deleteFrom('apim_entities')
          .where('service_id', '=', serviceId)
          .where((eb) =>
            eb.or([
              eb.and([eb('kind', '=', 'operation'), eb('entity_id', '=', old.id)]),
              eb.and([eb('kind', '=', 'policy'), eb('entity_id', '=', `operation:${old.id}`)]),
            ]),
          )
          .execute();
      }
    }
    for (const [id, operation] of operations) {
      await putEntity(ctx, serviceId, 'operation', `${apiId}/${id}`, operation, undefined, trx);
    }
    return created;
  });
}

const ENTITY_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;

/** An operation id from the document's `operationId`, else from the method and path. */
function baseId(operation: DocumentOperation): string {
  if (operation.operationId !== undefined && ENTITY_ID.test(operation.operationId)) {
    return operation.operationId;
  }
  const seed = operation.operationId ?? `${operation.method.toLowerCase()}-${operation.urlTemplate}`;
  const slug = seed
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^A-Za-z0-9]+|-+$/g, '')
    .slice(0, 72);
  return slug === '' ? operation.method.toLowerCase() : slug;
}

/** Checked operations by id; a path Portico cannot match is refused at its place in the document. */
function operationsOf(found: readonly DocumentOperation[]): Map<string, OperationProperties> {
  const operations = new Map<string, OperationProperties>();
  for (const operation of found) {
    const base = baseId(operation);
    let id = base;
    for (let n = 2; operations.has(id); n += 1) {
      id = `${base}-${n}`;
    }
    try {
      operations.set(
        id,
        parseOperationProperties(id, {
          displayName: operation.displayName.slice(0, 300),
          method: operation.method,
          urlTemplate: operation.urlTemplate,
        }),
      );
    } catch (error) {
      const message = errorMessage(error);
      throw new PorticoError(
        'CONTROL_OPENAPI_INVALID',
        `The API definition has an operation Portico cannot serve at ${operation.location}: ${message}`,
        { details: [{ path: operation.location, message }] },
      );
    }
  }
  return operations;
}

/** Fetches a linked document (http or https, up to 8 MB). */
async function fetchDocument(url: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(30_000), redirect: 'follow' });
  } catch (cause) {
    throw new PorticoError(
      'CONTROL_OPENAPI_INVALID',
      `The API definition at ${url} could not be fetched (${errorMessage(cause)}); check the URL is reachable from the Portico server, or import the file itself.`,
    );
  }
  if (!response.ok) {
    throw new PorticoError(
      'CONTROL_OPENAPI_INVALID',
      `The API definition at ${url} could not be fetched: the server answered ${response.status}.`,
    );
  }
  return readLimited(response, url);
}

async function readLimited(response: Response, url: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.length;
    if (size > MAX_DOCUMENT_BYTES) {
      throw new PorticoError(
        'CONTROL_OPENAPI_INVALID',
        `The API definition at ${url} is larger than ${MAX_DOCUMENT_BYTES / 1024 / 1024} MB.`,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
