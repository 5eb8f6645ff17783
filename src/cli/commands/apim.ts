/**
 * `portico apim …`: API Management services, APIs, operations, products, subscriptions, named values and
 * policies on a `portico serve` (CONTRACT §5; docs/apim.md).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  APIM_PATH,
  type PolicyScope,
  policyPath,
  type Resource,
  type ResourceClient,
  servicePath,
} from '../../client/resources.js';
import { PorticoError } from '../../shared/errors.js';
import { addYesOption, confirmDeletion, type YesFlags } from '../confirm.js';
import { addConnectionOptions, connectResources, type JsonFlags } from '../connection.js';
import { createOrReplace } from '../create-only.js';
import { inFlagWords } from '../flag-words.js';
import {
  addJsonOption,
  formatFields,
  writeJson,
  writeLines,
  writeNote,
  writeResult,
  writeTable,
} from '../output.js';
import {
  registerOperationDeleteCommand,
  registerProductDeleteCommand,
  registerSubscriptionDeleteCommand,
} from './apim-delete.js';
import { registerApiImportCommand } from './apim-import.js';

type DeleteFlags = JsonFlags & YesFlags;

/** The flags of a `create` that refuses an existing id unless told to replace it. */
interface CreateFlags extends JsonFlags {
  readonly replace?: boolean;
}

/** Adds the connection options, `--json` and `--replace` to a creating command. */
function creating(command: Command, what: string): Command {
  return addJsonOption(addConnectionOptions(command)).option(
    '--replace',
    `replace the ${what} if one with this id exists (otherwise the command refuses it)`,
  );
}

/**
 * Creates `what` at `path`; an existing one is refused (409, left as it was) unless `--replace`, which
 * replaces it with what this command says, as a plain PUT does: a typo or a re-run script must not turn
 * a keyed product open or widen a subscription's scope without being asked to.
 */
function createResource(
  client: ResourceClient,
  path: string,
  properties: Record<string, unknown>,
  flags: CreateFlags,
  what: string,
): Promise<Resource> {
  return createOrReplace(client, path, properties, {
    replace: flags.replace === true,
    exists: `${what} exists already and was left as it was; pick another id, or pass --replace to replace it with these settings.`,
  });
}

/** Adds the connection options, `--json` and `--yes` to a deleting command. */
function deleting(command: Command): Command {
  return addYesOption(addJsonOption(addConnectionOptions(command)));
}

const SUBSCRIPTION_STATES = ['active', 'suspended', 'submitted', 'rejected', 'cancelled', 'expired'];

function usage(message: string): PorticoError {
  return new PorticoError('CLI_USAGE', message);
}

/** `GET /getProducts` → method and template; the operation id is derived from both. */
export function parseOperation(value: string): { id: string; method: string; urlTemplate: string } {
  const match = /^([A-Za-z]+|\*)\s+(\/\S*)$/.exec(value.trim());
  if (match === null) {
    throw usage(
      `--operation "${value}" must be a method and a URL template, e.g. "GET /getProducts" or "POST /orders/{id}".`,
    );
  }
  const method = (match[1] ?? '').toUpperCase();
  const urlTemplate = match[2] ?? '/';
  const id = `${method === '*' ? 'any' : method}-${urlTemplate}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return { id, method, urlTemplate };
}

/** `/products/<id>`, `/apis/<id>` or `/apis`. */
export function parseScope(value: string): string {
  if (!/^\/(products\/[A-Za-z0-9][A-Za-z0-9_.-]*|apis(\/[A-Za-z0-9][A-Za-z0-9_.-]*)?)$/.test(value)) {
    throw usage(`--scope ${value} must be /products/<productId>, /apis/<apiId> or /apis (all APIs).`);
  }
  return value;
}

function parseState(value: string): string {
  if (!SUBSCRIPTION_STATES.includes(value)) {
    throw usage(`The state '${value}' is unknown; use ${SUBSCRIPTION_STATES.join(', ')}.`);
  }
  return value;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function show(resource: Resource, fields: readonly string[], flags: JsonFlags): void {
  if (flags.json === true) {
    writeJson(resource);
    return;
  }
  writeLines(
    formatFields([
      ['name', resource.name],
      ...fields.map((f): [string, string] => [f, String(resource.properties[f] ?? '')]),
    ]),
  );
}

function table(
  resources: readonly Resource[],
  fields: readonly string[],
  flags: JsonFlags,
  empty: string,
): void {
  if (flags.json === true) {
    writeJson({ value: resources });
    return;
  }
  writeTable(
    ['NAME', ...fields.map((f) => f.toUpperCase())],
    resources.map((r) => [r.name, ...fields.map((f) => String(r.properties[f] ?? ''))]),
    empty,
  );
}

/** Adds the `apim` command group. */
export function registerApimCommands(program: Command): void {
  const apim = program
    .command('apim')
    .description('API Management services: APIs, products, subscriptions, policies');
  registerServiceCommands(apim);
  registerApiCommands(apim.command('api').description('APIs of a service'));
  registerOperationCommands(apim.command('operation').description('Operations of an API'));
  registerProductCommands(apim.command('product').description('Products of a service'));
  registerSubscriptionCommands(apim.command('subscription').description('Subscriptions and their keys'));
  registerNamedValueCommands(apim.command('named-value').description('Named values ({{name}} in policies)'));
  registerPolicyCommands(
    apim.command('policy').description('Policies at global, product, API or operation scope'),
  );
}

function registerServiceCommands(apim: Command): void {
  addJsonOption(addConnectionOptions(apim.command('create')))
    .description('Create a service; prints its gateway host name')
    .argument('<name>', "1-50 of a-z, 0-9 and '-', starting with a letter")
    .action(async (name: string, flags: JsonFlags) => {
      // If-None-Match: an existing service keeps its network settings (an empty PUT would reset them).
      const service = await (await connectResources(flags)).create(servicePath(name), {});
      show(service, ['gatewayHostname', 'gatewayUrl'], flags);
    });
  addJsonOption(addConnectionOptions(apim.command('show')))
    .description('Show a service with its gateway host name and URL')
    .argument('<name>', 'the service')
    .action(async (name: string, flags: JsonFlags) =>
      show(
        await (await connectResources(flags)).call('GET', servicePath(name)),
        ['gatewayHostname', 'gatewayUrl'],
        flags,
      ),
    );
  addJsonOption(addConnectionOptions(apim.command('list')))
    .description('List the API Management services')
    .action(async (flags: JsonFlags) =>
      table(
        await (await connectResources(flags)).list(APIM_PATH),
        ['gatewayHostname'],
        flags,
        'No API Management services yet; create one with portico apim create <name>.',
      ),
    );
  deleting(apim.command('delete'))
    .description('Delete a service with its APIs, products, subscriptions, named values and policies')
    .argument('<name>', 'the service')
    .action(async (name: string, flags: DeleteFlags) => {
      const client = await connectResources(flags);
      await confirmDeletion(`the API Management service ${name} with everything in it`, flags);
      await client.call('DELETE', servicePath(name));
      writeResult(flags, { name, deleted: true }, [`Deleted API Management service ${name}.`]);
    });
}

interface ApiFlags extends CreateFlags {
  readonly path: string;
  readonly serviceUrl: string;
  readonly operation?: string[];
  readonly subscription: boolean;
  readonly displayName?: string;
  readonly keyHeader?: string;
  readonly keyQuery?: string;
}

function registerApiCommands(api: Command): void {
  creating(api.command('create'), 'API')
    .description('Create an API, with its operations (--replace: create or replace it)')
    .argument('<service>', 'the service')
    .argument('<apiId>', 'the API id')
    .requiredOption('--path <suffix>', "URL suffix of the API, e.g. 'api'")
    .requiredOption('--service-url <url>', 'backend base URL')
    .option('--operation <operation>', 'an operation, e.g. "GET /getProducts" (repeatable)', collect)
    .option('--no-subscription', 'callers need no subscription key')
    .option('--display-name <name>', 'display name')
    .option('--key-header <name>', 'header of the subscription key (default Ocp-Apim-Subscription-Key)')
    .option('--key-query <name>', 'query parameter of the subscription key (default subscription-key)')
    .action((service: string, apiId: string, flags: ApiFlags) => createApi(service, apiId, flags));
  registerApiImportCommand(api);
  addJsonOption(addConnectionOptions(api.command('list')))
    .description('List the APIs of a service')
    .argument('<service>', 'the service')
    .action(async (service: string, flags: JsonFlags) =>
      table(
        await (await connectResources(flags)).list(servicePath(service, '/apis')),
        ['path', 'serviceUrl', 'subscriptionRequired'],
        flags,
        'No APIs yet.',
      ),
    );
  deleting(api.command('delete'))
    .description('Delete an API with its operations, policies and the subscriptions scoped to it')
    .argument('<service>', 'the service')
    .argument('<apiId>', 'the API')
    .action(async (service: string, apiId: string, flags: DeleteFlags) => {
      const client = await connectResources(flags);
      await confirmDeletion(
        `the API ${apiId} of ${service} with its operations, policies and the subscriptions scoped to it`,
        flags,
      );
      await client.call('DELETE', servicePath(service, `/apis/${encodeURIComponent(apiId)}`));
      writeResult(flags, { service, apiId, deleted: true }, [
        `Deleted API ${apiId} with its operations, policies and the subscriptions scoped to it.`,
      ]);
    });
}

/** The fields of an API the `apim api` commands set from their flags. */
const API_FLAGS = {
  'properties.path': '--path',
  'properties.serviceUrl': '--service-url',
  'properties.displayName': '--display-name',
} as const;

async function createApi(service: string, apiId: string, flags: ApiFlags): Promise<void> {
  const operations = (flags.operation ?? []).map(parseOperation);
  const client = await connectResources(flags);
  const keyNames =
    flags.keyHeader === undefined && flags.keyQuery === undefined
      ? {}
      : {
          subscriptionKeyParameterNames: {
            header: flags.keyHeader ?? 'Ocp-Apim-Subscription-Key',
            query: flags.keyQuery ?? 'subscription-key',
          },
        };
  const path = servicePath(service, `/apis/${encodeURIComponent(apiId)}`);
  const api = await inFlagWords(
    createResource(
      client,
      path,
      {
        path: flags.path,
        serviceUrl: flags.serviceUrl,
        protocols: ['http', 'https'],
        subscriptionRequired: flags.subscription,
        ...(flags.displayName === undefined ? {} : { displayName: flags.displayName }),
        ...keyNames,
      },
      flags,
      `The API ${apiId} of ${service}`,
    ),
    API_FLAGS,
  );
  for (const op of operations) {
    await client.put(`${path}/operations/${op.id}`, { method: op.method, urlTemplate: op.urlTemplate });
  }
  show(api, ['path', 'serviceUrl', 'subscriptionRequired'], flags);
  if (flags.json !== true && operations.length > 0) {
    writeNote(
      `Operations: ${operations.map((op) => `${op.id} (${op.method} ${op.urlTemplate})`).join(', ')}`,
    );
  }
}

function registerOperationCommands(operation: Command): void {
  creating(operation.command('create'), 'operation')
    .description('Create an operation of an API (--replace: create or replace it)')
    .argument('<service>', 'the service')
    .argument('<apiId>', 'the API')
    .argument('<operationId>', 'the operation id')
    .requiredOption('--method <method>', 'HTTP method, or * for any')
    .requiredOption('--url-template <template>', 'e.g. /users/{id}')
    .action(
      async (
        service: string,
        apiId: string,
        id: string,
        flags: CreateFlags & { method: string; urlTemplate: string },
      ) => {
        const op = await createResource(
          await connectResources(flags),
          servicePath(service, `/apis/${encodeURIComponent(apiId)}/operations/${encodeURIComponent(id)}`),
          { method: flags.method, urlTemplate: flags.urlTemplate },
          flags,
          `The operation ${id} of the API ${apiId}`,
        );
        show(op, ['method', 'urlTemplate'], flags);
      },
    );
  addJsonOption(addConnectionOptions(operation.command('list')))
    .description('List the operations of an API')
    .argument('<service>', 'the service')
    .argument('<apiId>', 'the API')
    .action(async (service: string, apiId: string, flags: JsonFlags) =>
      table(
        await (await connectResources(flags)).list(
          servicePath(service, `/apis/${encodeURIComponent(apiId)}/operations`),
        ),
        ['method', 'urlTemplate'],
        flags,
        'No operations yet.',
      ),
    );
  registerOperationDeleteCommand(operation);
}

interface ProductFlags extends CreateFlags {
  readonly subscription: boolean;
  readonly approvalRequired?: boolean;
  readonly subscriptionsLimit?: string;
  readonly state?: string;
  readonly displayName?: string;
}

function registerProductCommands(product: Command): void {
  creating(product.command('create'), 'product')
    .description('Create a product, a group of APIs callers subscribe to (--replace: create or replace it)')
    .argument('<service>', 'the service')
    .argument('<productId>', 'the product id')
    .option('--no-subscription', 'an open product: callers need no key')
    .option('--approval-required', 'subscriptions need approval')
    .option('--subscriptions-limit <n>', 'how many subscriptions one user may have')
    .option('--state <state>', 'published or notPublished')
    .option('--display-name <name>', 'display name')
    .action(async (service: string, id: string, flags: ProductFlags) => {
      const limit =
        flags.subscriptionsLimit === undefined
          ? {}
          : { subscriptionsLimit: Number(flags.subscriptionsLimit) };
      const created = await createResource(
        await connectResources(flags),
        servicePath(service, `/products/${encodeURIComponent(id)}`),
        {
          subscriptionRequired: flags.subscription,
          approvalRequired: flags.approvalRequired === true,
          ...limit,
          ...(flags.state === undefined ? {} : { state: flags.state }),
          ...(flags.displayName === undefined ? {} : { displayName: flags.displayName }),
        },
        flags,
        `The product ${id} of ${service}`,
      );
      show(created, ['displayName', 'subscriptionRequired', 'state'], flags);
    });
  for (const [verb, method] of [
    ['add-api', 'PUT'],
    ['remove-api', 'DELETE'],
  ] as const) {
    addJsonOption(addConnectionOptions(product.command(verb)))
      .description(method === 'PUT' ? 'Add an API to a product' : 'Remove an API from a product')
      .argument('<service>', 'the service')
      .argument('<productId>', 'the product')
      .argument('<apiId>', 'the API')
      .action(async (service: string, id: string, apiId: string, flags: JsonFlags) => {
        await (await connectResources(flags)).call(
          method,
          servicePath(service, `/products/${encodeURIComponent(id)}/apis/${encodeURIComponent(apiId)}`),
        );
        const result = { service, productId: id, apiId, inProduct: method === 'PUT' };
        writeResult(flags, result, [
          method === 'PUT'
            ? `Added API ${apiId} to product ${id}.`
            : `Removed API ${apiId} from product ${id}.`,
        ]);
      });
  }
  addJsonOption(addConnectionOptions(product.command('list')))
    .description('List the products of a service with their APIs')
    .argument('<service>', 'the service')
    .action(async (service: string, flags: JsonFlags) => {
      const client = await connectResources(flags);
      const products = await client.list(servicePath(service, '/products'));
      const withApis = await Promise.all(
        products.map(async (p) => ({
          ...p,
          apis: (await client.list(servicePath(service, `/products/${encodeURIComponent(p.name)}/apis`))).map(
            (a) => a.name,
          ),
        })),
      );
      if (flags.json === true) {
        writeJson({ value: withApis });
        return;
      }
      writeTable(
        ['NAME', 'DISPLAY NAME', 'SUBSCRIPTION', 'APIS'],
        withApis.map((p) => [
          p.name,
          String(p.properties.displayName),
          p.properties.subscriptionRequired ? 'required' : 'open',
          p.apis.join(',') || '-',
        ]),
        'No products yet.',
      );
    });
  registerProductDeleteCommand(product);
}

function registerSubscriptionCommands(subscription: Command): void {
  creating(subscription.command('create'), 'subscription')
    .description('Create a subscription and print its keys (--replace: create or replace it)')
    .argument('<service>', 'the service')
    .argument('<subId>', 'the subscription id')
    .requiredOption('--scope <scope>', '/products/<id>, /apis/<id> or /apis', parseScope)
    .option('--state <state>', 'initial state', parseState, 'active')
    .option('--display-name <name>', 'display name')
    .option('--owner <userId>', "the user it is for (a product's subscriptionsLimit counts per user)")
    .action(
      async (
        service: string,
        id: string,
        flags: CreateFlags & { scope: string; state: string; displayName?: string; owner?: string },
      ) => {
        const client = await connectResources(flags);
        const path = servicePath(service, `/subscriptions/${encodeURIComponent(id)}`);
        const created = await createResource(
          client,
          path,
          {
            scope: flags.scope,
            state: flags.state,
            ...(flags.displayName === undefined ? {} : { displayName: flags.displayName }),
            ...(flags.owner === undefined ? {} : { ownerId: `/users/${flags.owner}` }),
          },
          flags,
          `The subscription ${id} of ${service}`,
        );
        const keys = await client.call<{ primaryKey: string; secondaryKey: string }>(
          'POST',
          `${path}/listSecrets`,
        );
        if (flags.json === true) {
          writeJson({ ...created, properties: { ...created.properties, ...keys } });
          return;
        }
        writeLines(
          formatFields([
            ['name', created.name],
            ['scope', flags.scope],
            ['state', String(created.properties.state)],
            ['primaryKey', keys.primaryKey],
            ['secondaryKey', keys.secondaryKey],
          ]),
        );
      },
    );
  addJsonOption(addConnectionOptions(subscription.command('list')))
    .description('List the subscriptions of a service (with --show-keys, their keys too)')
    .argument('<service>', 'the service')
    .option('--show-keys', 'also show the primary and secondary keys')
    .action(async (service: string, flags: JsonFlags & { showKeys?: boolean }) => {
      const client = await connectResources(flags);
      const subs = await client.list(servicePath(service, '/subscriptions'));
      const rows = await Promise.all(
        subs.map(async (s) =>
          flags.showKeys === true
            ? {
                ...s,
                properties: {
                  ...s.properties,
                  ...(await client.call<object>(
                    'POST',
                    servicePath(service, `/subscriptions/${encodeURIComponent(s.name)}/listSecrets`),
                  )),
                },
              }
            : s,
        ),
      );
      const scopeOf = (r: Resource) => String(r.properties.scope ?? '').replace(/^.*\/service\/[^/]+/, '');
      if (flags.json === true) {
        writeJson({ value: rows });
        return;
      }
      const keyColumns = (r: Resource) =>
        flags.showKeys === true ? [String(r.properties.primaryKey), String(r.properties.secondaryKey)] : [];
      writeTable(
        ['NAME', 'SCOPE', 'STATE', ...(flags.showKeys === true ? ['PRIMARY KEY', 'SECONDARY KEY'] : [])],
        rows.map((r) => [r.name, scopeOf(r), String(r.properties.state), ...keyColumns(r)]),
        'No subscriptions.',
      );
    });
  addJsonOption(addConnectionOptions(subscription.command('regenerate-key')))
    .description('Replace the primary or secondary key of a subscription (the old key stops working)')
    .argument('<service>', 'the service')
    .argument('<subId>', 'the subscription')
    .argument('<which>', 'primary or secondary')
    .action(async (service: string, id: string, which: string, flags: JsonFlags) => {
      if (which !== 'primary' && which !== 'secondary') {
        throw usage(`Say which key to regenerate: primary or secondary (got '${which}').`);
      }
      await (await connectResources(flags)).call(
        'POST',
        servicePath(
          service,
          `/subscriptions/${encodeURIComponent(id)}/regenerate${which === 'primary' ? 'Primary' : 'Secondary'}Key`,
        ),
      );
      writeResult(flags, { service, subscriptionId: id, regenerated: which }, [
        `Regenerated the ${which} key of ${id}; the old key no longer works.`,
      ]);
    });
  addJsonOption(addConnectionOptions(subscription.command('set-state')))
    .description('Change the state of a subscription (only active ones are accepted by the gateway)')
    .argument('<service>', 'the service')
    .argument('<subId>', 'the subscription')
    .argument('<state>', SUBSCRIPTION_STATES.join('|'), parseState)
    .action(async (service: string, id: string, state: string, flags: JsonFlags) => {
      const saved = await (await connectResources(flags)).call<Resource>(
        'PATCH',
        servicePath(service, `/subscriptions/${encodeURIComponent(id)}`),
        { properties: { state } },
      );
      writeResult(flags, saved, [`Subscription ${id} is ${state}.`]);
    });
  registerSubscriptionDeleteCommand(subscription);
}

function registerNamedValueCommands(namedValue: Command): void {
  addJsonOption(addConnectionOptions(namedValue.command('set')))
    .description('Create or replace a named value')
    .argument('<service>', 'the service')
    .argument('<id>', 'the named value (written {{id}} in policies)')
    .argument('<value>', 'the value')
    .option('--secret', 'keep the value secret (sealed, never listed)')
    .action(async (service: string, id: string, value: string, flags: JsonFlags & { secret?: boolean }) => {
      const saved = await (await connectResources(flags)).put(
        servicePath(service, `/namedValues/${encodeURIComponent(id)}`),
        { displayName: id, value, secret: flags.secret === true },
      );
      show(saved, ['displayName', 'secret'], flags);
    });
  addJsonOption(addConnectionOptions(namedValue.command('list')))
    .description('List the named values of a service (secret values are not shown)')
    .argument('<service>', 'the service')
    .action(async (service: string, flags: JsonFlags) =>
      table(
        await (await connectResources(flags)).list(servicePath(service, '/namedValues')),
        ['displayName', 'secret', 'value'],
        flags,
        'No named values.',
      ),
    );
  deleting(namedValue.command('delete'))
    .description('Delete a named value')
    .argument('<service>', 'the service')
    .argument('<id>', 'the named value')
    .action(async (service: string, id: string, flags: DeleteFlags) => {
      const client = await connectResources(flags);
      await confirmDeletion(`the named value ${id} of ${service}`, flags);
      await client.call('DELETE', servicePath(service, `/namedValues/${encodeURIComponent(id)}`));
      writeResult(flags, { service, id, deleted: true }, [`Deleted named value ${id}.`]);
    });
}

function scopeFlags(flags: PolicyScope): PolicyScope {
  if (flags.product !== undefined && (flags.api !== undefined || flags.operation !== undefined)) {
    throw usage('Give either --product, or --api (with an optional --operation).');
  }
  if (flags.operation !== undefined && flags.api === undefined) {
    throw usage('--operation needs --api <apiId>.');
  }
  return flags;
}

function addScopeOptions(command: Command): Command {
  return command
    .option('--product <id>', 'product scope')
    .option('--api <id>', 'API scope')
    .option('--operation <id>', 'operation scope (with --api)');
}

function registerPolicyCommands(policy: Command): void {
  addJsonOption(addScopeOptions(addConnectionOptions(policy.command('set'))))
    .description('Set the policy of a scope from an XML file (checked: problems are shown with their line)')
    .argument('<service>', 'the service')
    .argument('<file>', 'the policy XML file')
    .action(async (service: string, file: string, flags: JsonFlags & PolicyScope) => {
      const scope = scopeFlags(flags);
      const value = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw usage(`Cannot read the policy file ${file}: ${error.code ?? error.message}.`);
      });
      const saved = await (await connectResources(flags)).call<Resource>('PUT', policyPath(service, scope), {
        properties: { format: 'rawxml', value },
      });
      writeResult(flags, saved, [`Saved the policy of ${describeScope(scope)} of ${service}.`]);
    });
  addJsonOption(addScopeOptions(addConnectionOptions(policy.command('show'))))
    .description('Show the policy XML of a scope')
    .argument('<service>', 'the service')
    .action(async (service: string, flags: JsonFlags & PolicyScope) => {
      // As written (rawxml: expressions unescaped), so that what is shown can be set again from a file.
      const found = await (await connectResources(flags)).call<Resource>(
        'GET',
        `${policyPath(service, scopeFlags(flags))}?format=rawxml`,
      );
      if (flags.json === true) {
        writeJson(found);
        return;
      }
      // One line end at most: a file set from this output (with its own line end) shows the same again.
      writeLines([String(found.properties.value).replace(/\r?\n$/, '')]);
    });
  addScopeOptions(deleting(policy.command('delete')))
    .description('Delete the policy of a scope')
    .argument('<service>', 'the service')
    .action(async (service: string, flags: DeleteFlags & PolicyScope) => {
      const scope = scopeFlags(flags);
      const client = await connectResources(flags);
      await confirmDeletion(`the policy of ${describeScope(scope)} of ${service}`, flags);
      await client.call('DELETE', policyPath(service, scope));
      writeResult(flags, { service, scope, deleted: true }, [
        `Deleted the policy of ${describeScope(scope)}.`,
      ]);
    });
}

function describeScope(scope: PolicyScope): string {
  if (scope.product !== undefined) {
    return `product ${scope.product}`;
  }
  if (scope.api !== undefined) {
    return scope.operation === undefined ? `API ${scope.api}` : `operation ${scope.api}/${scope.operation}`;
  }
  return 'the service (global)';
}
