/**
 * Operational events, published by the planes on `node:diagnostics_channel` and read by `src/ops/`
 * (metrics): the edge, the gateway, the functions host and the control plane never import a metrics
 * library. Publishing costs one `hasSubscribers` check when nobody listens. Labels are bounded: names of
 * sites, services, APIs and products an operator created, never paths or users.
 */
import { type Channel, channel } from 'node:diagnostics_channel';

/** An `/api` call through the edge's proxy: `start` when it is sent, `end` when it is over. */
export type ApiCallEvent =
  | { readonly phase: 'start' }
  | {
      readonly phase: 'end';
      /** `ok` (the backend answered), `timeout` (500, D10), `unreachable` (502), `aborted` (client left). */
      readonly outcome: 'ok' | 'timeout' | 'unreachable' | 'aborted';
      readonly seconds: number;
    };

/** A managed functions worker: first start (cold), restart after a crash or change, crash. */
export interface FunctionsEvent {
  readonly event: 'cold-start' | 'restart' | 'crash';
}

/** One call through a gateway service. `api` and `product` are empty when none matched. */
export interface GatewayCallEvent {
  readonly service: string;
  readonly api: string;
  readonly product: string;
  readonly status: number;
}

/** A deployment made live or refused. */
export interface DeployEvent {
  readonly outcome: 'succeeded' | 'failed';
}

/** The shared rate-limit and quota store failed (the gateway answered without it). */
export interface CounterStoreErrorEvent {
  readonly store: 'redis' | 'memory';
}

/** The channel names, one per kind of event. */
export const EVENT_CHANNELS = {
  apiCall: 'portico:api-call',
  functions: 'portico:functions',
  gatewayCall: 'portico:gateway-call',
  deploy: 'portico:deploy',
  counterStoreError: 'portico:counter-store-error',
} as const;

/** What each channel carries. */
export interface EventPayloads {
  apiCall: ApiCallEvent;
  functions: FunctionsEvent;
  gatewayCall: GatewayCallEvent;
  deploy: DeployEvent;
  counterStoreError: CounterStoreErrorEvent;
}

/** The channel of one kind of event (the same object for every caller of a name). */
export function eventChannel(kind: keyof EventPayloads): Channel {
  return channel(EVENT_CHANNELS[kind]);
}

/** Publishes an event when someone listens; `make` runs only then, so the hot path builds nothing. */
export function publishEvent<K extends keyof EventPayloads>(kind: K, make: () => EventPayloads[K]): void {
  const target = channel(EVENT_CHANNELS[kind]);
  if (target.hasSubscribers) {
    target.publish(make());
  }
}

/** Calls `listener` for every event of `kind`; returns the function that stops it. */
export function subscribeEvent<K extends keyof EventPayloads>(
  kind: K,
  listener: (event: EventPayloads[K]) => void,
): () => void {
  const handler = (message: unknown) => listener(message as EventPayloads[K]);
  const target = channel(EVENT_CHANNELS[kind]);
  target.subscribe(handler);
  return () => target.unsubscribe(handler);
}
