/**
 * Everything the gateway needs to serve one API Management service, read in one query: what each node
 * compiles into its in-memory snapshot (spec/apim.md §5.2: the data plane serves from memory).
 */
import type { ApimEntitiesTable } from '../../storage/index.js';
import type { ControlContext } from '../context.js';
import type { ApiProperties, OperationProperties } from './apis.js';
import type { NamedValueProperties } from './named-values.js';
import type { PolicyProperties } from './policies.js';
import type { ProductProperties } from './products.js';
import { type ApimService, findApimServiceById } from './service.js';
import type { SubscriptionKeys, SubscriptionProperties } from './subscriptions.js';

/** The stored configuration of a service. */
export interface ApimSnapshot {
  readonly service: ApimService;
  readonly apis: readonly {
    id: string;
    properties: ApiProperties;
    operations: { id: string; properties: OperationProperties }[];
  }[];
  readonly products: readonly { id: string; properties: ProductProperties; apiIds: string[] }[];
  readonly subscriptions: readonly {
    id: string;
    properties: SubscriptionProperties;
    keys: SubscriptionKeys;
    /** When it was created: a subscription created again under its name is another one. */
    createdAt: string;
  }[];
  /** Display name → value (secrets unsealed). */
  readonly namedValues: ReadonlyMap<string, string>;
  /** Policy key (`global`, `product:<id>`, `api:<id>`, `operation:<api>/<op>`) → XML. */
  readonly policies: ReadonlyMap<string, string>;
}

/** Reads a service's configuration; undefined when the service is gone. */
export async function loadApimSnapshot(
  ctx: ControlContext,
  serviceId: string,
): Promise<ApimSnapshot | undefined> {
  const service = await findApimServiceById(ctx, serviceId);
  if (service === undefined) {
    return undefined;
  }
  const rows = await ctx.db
    .selectFrom('apim_entities')
    .selectAll()
    .where('service_id', '=', serviceId)
    .orderBy('entity_id')
    .execute();
  const of = (kind: ApimEntitiesTable['kind']) => rows.filter((row) => row.kind === kind);
  const parse = <P>(row: ApimEntitiesTable) => JSON.parse(row.properties) as P;
  const secret = (row: ApimEntitiesTable) =>
    row.secret_sealed === null ? '' : ctx.sealer.unseal(row.secret_sealed);
  const operations = of('operation');
  const memberships = of('product-api').map((row) => row.entity_id.split('/') as [string, string]);
  return {
    service,
    apis: of('api').map((row) => ({
      id: row.entity_id,
      properties: parse<ApiProperties>(row),
      operations: operations
        .filter((op) => op.entity_id.startsWith(`${row.entity_id}/`))
        .map((op) => ({
          id: op.entity_id.slice(row.entity_id.length + 1),
          properties: parse<OperationProperties>(op),
        })),
    })),
    products: of('product').map((row) => ({
      id: row.entity_id,
      properties: parse<ProductProperties>(row),
      apiIds: memberships.filter(([product]) => product === row.entity_id).map(([, api]) => api),
    })),
    subscriptions: of('subscription').map((row) => ({
      id: row.entity_id,
      properties: parse<SubscriptionProperties>(row),
      keys: JSON.parse(secret(row) || '{}') as SubscriptionKeys,
      createdAt: row.created_at,
    })),
    namedValues: new Map(
      of('named-value').map((row) => {
        const props = parse<NamedValueProperties>(row);
        return [props.displayName, props.secret ? secret(row) : (props.value ?? '')];
      }),
    ),
    policies: new Map(of('policy').map((row) => [row.entity_id, parse<PolicyProperties>(row).value])),
  };
}
