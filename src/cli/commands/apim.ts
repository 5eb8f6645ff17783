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
  servicePath,
} from '../../client/resources.js';
import { PorticoError } from '../../shared/errors.js';
import { addConnectionOptions, type ConnectionFlags, connectResources } from '../connection.js';
import { addJsonOption, formatFields, writeJson, writeLines, writeNote, writeTable } from '../output.js';
import { registerApiImportCommand } from './apim-import.js';

interface JsonFlags extends ConnectionFlags {
  readonly json?: boolean;
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
      const service = await (await connectResources(flags)).put(servicePath(name), {});
      show(service, ['gatewayHostname', 'gatewayUrl'], flags);
    });
  addJsonOption(addConnectionOptions(apim.command('show')))
    .argument('<name>', 'the service')
    .action(async (name: string, flags: JsonFlags) =>
      show(
        await (await connectResources(flags)).call('GET', servicePath(name)),
        ['gatewayHostname', 'gatewayUrl'],
        flags,
      ),
    );
  addJsonOption(addConnectionOptions(apim.command('list'))).action(async (flags: JsonFlags) =>
    table(
      await (await connectResources(flags)).list(APIM_PATH),
      ['gatewayHostname'],
      flags,
      'No API Management services yet; create one with portico apim create <name>.',
    ),
  );
  addConnectionOptions(apim.command('delete'))
    .argument('<name>', 'the service')
    .action(async (name: string, flags: ConnectionFlags) => {
      await (await connectResources(flags)).call('DELETE', servicePath(name));
      writeLines([`Deleted API Management service ${name}.`]);
    });
}

interface ApiFlags extends JsonFlags {
  readonly path: string;
  readonly serviceUrl: string;
  readonly operation?: string[];
  readonly subscription: boolean;
  readonly displayName?: string;
  readonly keyHeader?: string;
  readonly keyQuery?: string;
}

function registerApiCommands(api: Command): void {
  addJsonOption(addConnectionOptions(api.command('create')))
    .description('Create or replace an API, with its operations')
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
    .argument('<service>', 'the service')
    .action(async (service: string, flags: JsonFlags) =>
      table(
        await (await connectResources(flags)).list(servicePath(service, '/apis')),
        ['path', 'serviceUrl', 'subscriptionRequired'],
        flags,
        'No APIs yet.',
      ),
    );
  addConnectionOptions(api.command('delete'))
    .argument('<service>', 'the service')
    .argument('<apiId>', 'the API')
    .action(async (service: string, apiId: string, flags: ConnectionFlags) => {
      await (await connectResources(flags)).call(
        'DELETE',
        servicePath(service, `/apis/${encodeURIComponent(apiId)}`),
      );
      writeLines([`Deleted API ${apiId} with its operations and policies.`]);
    });
}

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
  const api = await client.put(path, {
    path: flags.path,
    serviceUrl: flags.serviceUrl,
    protocols: ['http', 'https'],
    subscriptionRequired: flags.subscription,
    ...(flags.displayName === undefined ? {} : { displayName: flags.displayName }),
    ...keyNames,
  });
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
  addJsonOption(addConnectionOptions(operation.command('create')))
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
        flags: JsonFlags & { method: string; urlTemplate: string },
      ) => {
        const op = await (await connectResources(flags)).put(
          servicePath(service, `/apis/${encodeURIComponent(apiId)}/operations/${encodeURIComponent(id)}`),
          { method: flags.method, urlTemplate: flags.urlTemplate },
        );
        show(op, ['method', 'urlTemplate'], flags);
      },
    );
  addJsonOption(addConnectionOptions(operation.command('list')))
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
}

interface ProductFlags extends JsonFlags {
  readonly subscription: boolean;
  readonly approvalRequired?: boolean;
  readonly subscriptionsLimit?: string;
  readonly state?: string;
  readonly displayName?: string;
}

function registerProductCommands(product: Command): void {
  addJsonOption(addConnectionOptions(product.command('create')))
    .argument('<service>', 'the service')
    .argument('<productId>', 'the product id')
    .option('--no-subscription', 'an open product: callers need no key')
    .option('--approval-required', 'subscriptions need approval')
    .option('--subscriptions-limit <n>', 'subscriptions per user')
    .option('--state <state>', 'published or notPublished')
    .option('--display-name <name>', 'display name')
    .action(async (service: string, id: string, flags: ProductFlags) => {
      const limit =
        flags.subscriptionsLimit === undefined
          ? {}
          : { subscriptionsLimit: Number(flags.subscriptionsLimit) };
      const created = await (await connectResources(flags)).put(
        servicePath(service, `/products/${encodeURIComponent(id)}`),
        {
          subscriptionRequired: flags.subscription,
          approvalRequired: flags.approvalRequired === true,
          ...limit,
          ...(flags.state === undefined ? {} : { state: flags.state }),
          ...(flags.displayName === undefined ? {} : { displayName: flags.displayName }),
        },
      );
      show(created, ['displayName', 'subscriptionRequired', 'state'], flags);
    });
  for (const [verb, method] of [
    ['add-api', 'PUT'],
    ['remove-api', 'DELETE'],
  ] as const) {
    addConnectionOptions(product.command(verb))
      .argument('<service>', 'the service')
      .argument('<productId>', 'the product')
      .argument('<apiId>', 'the API')
      .action(async (service: string, id: string, apiId: string, flags: ConnectionFlags) => {
        await (await connectResources(flags)).call(
          method,
          servicePath(service, `/products/${encodeURIComponent(id)}/apis/${encodeURIComponent(apiId)}`),
        );
        writeLines([
          method === 'PUT'
            ? `Added API ${apiId} to product ${id}.`
            : `Removed API ${apiId} from product ${id}.`,
        ]);
      });
  }
  addJsonOption(addConnectionOptions(product.command('list')))
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
}

function registerSubscriptionCommands(subscription: Command): void {
  addJsonOption(addConnectionOptions(subscription.command('create')))
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
        flags: JsonFlags & { scope: string; state: string; displayName?: string; owner?: string },
      ) => {
        const client = await connectResources(flags);
        const path = servicePath(service, `/subscriptions/${encodeURIComponent(id)}`);
        const created = await client.put(path, {
          scope: flags.scope,
          state: flags.state,
          ...(flags.displayName === undefined ? {} : { displayName: flags.displayName }),
          ...(flags.owner === undefined ? {} : { ownerId: `/users/${flags.owner}` }),
        });
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
    .argument('<service>', 'the service')
    .option('--show-keys', 'also show the keys')
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
  addConnectionOptions(subscription.command('regenerate-key'))
    .argument('<service>', 'the service')
    .argument('<subId>', 'the subscription')
    .argument('<which>', 'primary or secondary')
    .action(async (service: string, id: string, which: string, flags: ConnectionFlags) => {
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
      writeLines([`Regenerated the ${which} key of ${id}; the old key no longer works.`]);
    });
  addConnectionOptions(subscription.command('set-state'))
    .argument('<service>', 'the service')
    .argument('<subId>', 'the subscription')
    .argument('<state>', SUBSCRIPTION_STATES.join('|'), parseState)
    .action(async (service: string, id: string, state: string, flags: ConnectionFlags) => {
      await (await connectResources(flags)).call(
        'PATCH',
        servicePath(service, `/subscriptions/${encodeURIComponent(id)}`),
        { properties: { state } },
      );
      writeLines([`Subscription ${id} is ${state}.`]);
    });
}

function registerNamedValueCommands(namedValue: Command): void {
  addJsonOption(addConnectionOptions(namedValue.command('set')))
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
    .argument('<service>', 'the service')
    .action(async (service: string, flags: JsonFlags) =>
      table(
        await (await connectResources(flags)).list(servicePath(service, '/namedValues')),
        ['displayName', 'secret', 'value'],
        flags,
        'No named values.',
      ),
    );
  addConnectionOptions(namedValue.command('delete'))
    .argument('<service>', 'the service')
    .argument('<id>', 'the named value')
    .action(async (service: string, id: string, flags: ConnectionFlags) => {
      await (await connectResources(flags)).call(
        'DELETE',
        servicePath(service, `/namedValues/${encodeURIComponent(id)}`),
      );
      writeLines([`Deleted named value ${id}.`]);
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
  addScopeOptions(addConnectionOptions(policy.command('set')))
    .description('Set the policy of a scope from an XML file (checked: problems are shown with their line)')
    .argument('<service>', 'the service')
    .argument('<file>', 'the policy XML file')
    .action(async (service: string, file: string, flags: ConnectionFlags & PolicyScope) => {
      const scope = scopeFlags(flags);
      const value = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw usage(`Cannot read the policy file ${file}: ${error.code ?? error.message}.`);
      });
      await (await connectResources(flags)).call('PUT', policyPath(service, scope), {
        properties: { format: 'rawxml', value },
      });
      writeLines([`Saved the policy of ${describeScope(scope)} of ${service}.`]);
    });
  addJsonOption(addScopeOptions(addConnectionOptions(policy.command('show'))))
    .argument('<service>', 'the service')
    .action(async (service: string, flags: JsonFlags & PolicyScope) => {
      const found = await (await connectResources(flags)).call<Resource>(
        'GET',
        policyPath(service, scopeFlags(flags)),
      );
      if (flags.json === true) {
        writeJson(found);
        return;
      }
      writeLines([String(found.properties.value)]);
    });
  addScopeOptions(addConnectionOptions(policy.command('delete')))
    .argument('<service>', 'the service')
    .action(async (service: string, flags: ConnectionFlags & PolicyScope) => {
      const scope = scopeFlags(flags);
      await (await connectResources(flags)).call('DELETE', policyPath(service, scope));
      writeLines([`Deleted the policy of ${describeScope(scope)}.`]);
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
