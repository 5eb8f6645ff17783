/**
 * `portico apim product|subscription|operation delete`: the deletes of the REST API (docs/rest-api.md),
 * confirmed like every deleting command (`--yes`). A product with subscriptions is deleted only with
 * `--delete-subscriptions` (Azure's `deleteSubscriptions=true`), which deletes them with it; so the
 * product and subscription `portico link` generated can go once the site is unlinked (docs/apim.md).
 */
import type { Command } from 'commander';
import { type ResourceClient, servicePath } from '../../client/resources.js';
import { PorticoError } from '../../shared/errors.js';
import { addYesOption, confirmDeletion, type YesFlags } from '../confirm.js';
import { addConnectionOptions, connectResources, type JsonFlags } from '../connection.js';
import { addJsonOption, writeResult } from '../output.js';

type DeleteFlags = JsonFlags & YesFlags;

interface ProductDeleteFlags extends DeleteFlags {
  readonly deleteSubscriptions?: boolean;
}

/** Adds the connection options, `--json` and `--yes` to a deleting command. */
function deleting(command: Command): Command {
  return addYesOption(addJsonOption(addConnectionOptions(command)));
}

/** Adds `delete` to the `apim product` group. */
export function registerProductDeleteCommand(product: Command): void {
  deleting(product.command('delete'))
    .description(
      'Delete a product with its API list and policy (and, with --delete-subscriptions, its subscriptions)',
    )
    .argument('<service>', 'the service')
    .argument('<productId>', 'the product')
    .option('--delete-subscriptions', 'also delete the subscriptions scoped to the product')
    .action((service: string, id: string, flags: ProductDeleteFlags) => deleteProduct(service, id, flags));
}

async function deleteProduct(service: string, id: string, flags: ProductDeleteFlags): Promise<void> {
  const client = await connectResources(flags);
  const path = servicePath(service, `/products/${encodeURIComponent(id)}`);
  await client.call('GET', path);
  const subscriptions = await subscriptionsOf(client, service, id);
  const withThem = flags.deleteSubscriptions === true;
  if (subscriptions.length > 0 && !withThem) {
    throw new PorticoError(
      'CLI_USAGE',
      `Not deleting the product ${id} of ${service}: it has ${count(subscriptions)} (${subscriptions.join(', ')}). Pass --delete-subscriptions to delete them with it, or delete them first with portico apim subscription delete ${service} <subId>.`,
    );
  }
  const also =
    subscriptions.length > 0 ? ` and its ${count(subscriptions)} (${subscriptions.join(', ')})` : '';
  await confirmDeletion(`the product ${id} of ${service} with its API list and policy${also}`, flags);
  await client.call('DELETE', withThem ? `${path}?deleteSubscriptions=true` : path);
  writeResult(
    flags,
    { service, productId: id, deleted: true, deletedSubscriptions: withThem ? subscriptions : [] },
    [`Deleted product ${id}${also}.`],
  );
}

/** The ids of the subscriptions scoped to a product. */
async function subscriptionsOf(
  client: ResourceClient,
  service: string,
  productId: string,
): Promise<string[]> {
  const all = await client.list(servicePath(service, '/subscriptions'));
  return all
    .filter(
      (s) => String(s.properties.scope ?? '').replace(/^.*\/service\/[^/]+/, '') === `/products/${productId}`,
    )
    .map((s) => s.name);
}

function count(subscriptions: readonly string[]): string {
  return subscriptions.length === 1 ? '1 subscription' : `${subscriptions.length} subscriptions`;
}

/** Adds `delete` to the `apim subscription` group. */
export function registerSubscriptionDeleteCommand(subscription: Command): void {
  deleting(subscription.command('delete'))
    .description('Delete a subscription: its keys stop working at once')
    .argument('<service>', 'the service')
    .argument('<subId>', 'the subscription')
    .action(async (service: string, id: string, flags: DeleteFlags) => {
      const client = await connectResources(flags);
      await confirmDeletion(`the subscription ${id} of ${service} (its keys stop working)`, flags);
      await client.call('DELETE', servicePath(service, `/subscriptions/${encodeURIComponent(id)}`));
      writeResult(flags, { service, subscriptionId: id, deleted: true }, [
        `Deleted subscription ${id}; its keys no longer work.`,
      ]);
    });
}

/** Adds `delete` to the `apim operation` group. */
export function registerOperationDeleteCommand(operation: Command): void {
  deleting(operation.command('delete'))
    .description('Delete an operation of an API with its policy')
    .argument('<service>', 'the service')
    .argument('<apiId>', 'the API')
    .argument('<operationId>', 'the operation (see portico apim operation list)')
    .action(async (service: string, apiId: string, id: string, flags: DeleteFlags) => {
      const client = await connectResources(flags);
      await confirmDeletion(`the operation ${id} of the API ${apiId} of ${service} with its policy`, flags);
      await client.call(
        'DELETE',
        servicePath(service, `/apis/${encodeURIComponent(apiId)}/operations/${encodeURIComponent(id)}`),
      );
      writeResult(flags, { service, apiId, operationId: id, deleted: true }, [
        `Deleted operation ${id} of the API ${apiId}.`,
      ]);
    });
}
