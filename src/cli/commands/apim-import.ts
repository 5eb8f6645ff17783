/**
 * `portico apim api import <service> <apiId> <file|url>`: an API and its operations from an OpenAPI 3.0/3.1
 * or Swagger 2.0 document (YAML or JSON), as Azure's `az apim api import` does (docs/apim.md).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type Resource, servicePath } from '../../client/resources.js';
import { PorticoError } from '../../shared/errors.js';
import { addConnectionOptions, connectResources, type JsonFlags } from '../connection.js';
import { inFlagWords } from '../flag-words.js';
import { addJsonOption, formatFields, writeJson, writeLines } from '../output.js';

/** The fields of an import set from flags (`value` is the document argument). */
const IMPORT_FLAGS = {
  'properties.path': '--path',
  'properties.serviceUrl': '--service-url',
  'properties.displayName': '--display-name',
  'properties.value': 'the document argument',
};

interface ImportFlags extends JsonFlags {
  readonly path: string;
  readonly serviceUrl?: string;
  readonly displayName?: string;
  readonly subscription: boolean;
}

/** Adds `import` to the `apim api` group. */
export function registerApiImportCommand(api: Command): void {
  addJsonOption(addConnectionOptions(api.command('import')))
    .description('Create or replace an API and its operations from an OpenAPI or Swagger document')
    .argument('<service>', 'the service')
    .argument('<apiId>', 'the API id')
    .argument('<document>', 'a file (YAML or JSON), or an http(s) URL the server fetches')
    .requiredOption('--path <suffix>', "URL suffix of the API, e.g. 'api'")
    .option('--service-url <url>', "backend base URL (default: the document's first server URL)")
    .option('--display-name <name>', "display name (default: the document's title)")
    .option('--no-subscription', 'callers need no subscription key')
    .action((service: string, apiId: string, document: string, flags: ImportFlags) =>
      importApi(service, apiId, document, flags),
    );
}

/** The format and value Azure's import takes for a file or URL. */
export async function importSource(document: string): Promise<{ format: string; value: string }> {
  if (/^https?:\/\//i.test(document)) {
    return { format: 'openapi-link', value: document };
  }
  let value: string;
  try {
    value = await readFile(document, 'utf8');
  } catch (cause) {
    throw new PorticoError(
      'CLI_USAGE',
      `Cannot read the API definition '${document}' (${(cause as NodeJS.ErrnoException).code ?? String(cause)}): give a YAML or JSON file, or an http(s) URL.`,
    );
  }
  return { format: /\.json$/i.test(document) ? 'openapi+json' : 'openapi', value };
}

async function importApi(
  service: string,
  apiId: string,
  document: string,
  flags: ImportFlags,
): Promise<void> {
  const source = await importSource(document);
  const client = await connectResources(flags);
  const path = servicePath(service, `/apis/${encodeURIComponent(apiId)}`);
  const api = await inFlagWords(
    client.put(path, {
      ...source,
      path: flags.path,
      protocols: ['http', 'https'],
      subscriptionRequired: flags.subscription,
      ...(flags.serviceUrl === undefined ? {} : { serviceUrl: flags.serviceUrl }),
      ...(flags.displayName === undefined ? {} : { displayName: flags.displayName }),
    }),
    IMPORT_FLAGS,
  );
  const operations = await client.list(`${path}/operations`);
  if (flags.json === true) {
    writeJson({ ...api, operations });
    return;
  }
  writeLines(formatFields(fieldsOf(api, operations)));
  writeLines(
    operations.map(
      (op) => `  ${String(op.properties.method)} ${String(op.properties.urlTemplate)}  (${op.name})`,
    ),
  );
}

function fieldsOf(api: Resource, operations: readonly Resource[]): [string, string][] {
  return [
    ['name', api.name],
    ['displayName', String(api.properties.displayName ?? '')],
    ['path', String(api.properties.path ?? '')],
    ['serviceUrl', String(api.properties.serviceUrl ?? '')],
    ['subscriptionRequired', String(api.properties.subscriptionRequired ?? '')],
    ['operations', String(operations.length)],
  ];
}
