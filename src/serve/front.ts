/**
 * The data-plane listener's first step: a request for a gateway host goes to the gateway, one for a
 * function app host to that function app, one for the identity host to it, and everything else to the
 * edge (site environments by Host).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { answerRequestHead, refuseUpgrade } from '../edge/index.js';
import { GATEWAY_UPGRADE_REFUSAL } from '../gateway/index.js';
import { hostnameOf } from '../shared/hostname.js';
import type { FunctionAppTable } from './function-apps.js';
import type { GatewayRuntime } from './gateway-runtime.js';
import type { IdentityHost } from './identity-host.js';

/** What the front dispatches to. */
export interface FrontTargets {
  readonly gateway: GatewayRuntime;
  readonly functionApps: FunctionAppTable;
  readonly identity: IdentityHost;
  readonly edge: (req: IncomingMessage, res: ServerResponse) => void;
  /**
   * The plain listener's step before sites and the identity host when HTTPS is on (ACME challenges,
   * 301 to HTTPS); true when it answered. Gateways and function apps stay on plain HTTP too, since
   * linked backends reach them through this node's own listener.
   */
  readonly beforeSites?: (hostname: string, req: IncomingMessage, res: ServerResponse) => boolean;
}

/** Creates the listener of the data plane. */
export function createFrontHandler(
  targets: FrontTargets,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // Step 0 for every host (sites, gateways, function apps): docs/request-pipeline.md, decision 0119.
    if (answerRequestHead(req, res)) {
      return;
    }
    const hostname = hostnameOf(req.headers.host);
    if (
      !targets.gateway.handle(hostname, req, res) &&
      !targets.functionApps.handle(hostname, req, res) &&
      !targets.beforeSites?.(hostname, req, res) &&
      !targets.identity.handle(hostname, req, res)
    ) {
      targets.edge(req, res);
    }
  };
}

/**
 * Refuses every upgrade (WebSocket) at once, in the words of whoever owns the host: a gateway answers
 * as API Management, everything else as Static Web Apps.
 */
export function createFrontUpgradeHandler(
  gateway: GatewayRuntime,
): (req: IncomingMessage, socket: Duplex) => void {
  return (req, socket) => {
    const isGateway = gateway.table.resolve(hostnameOf(req.headers.host)) !== undefined;
    refuseUpgrade(socket, isGateway ? GATEWAY_UPGRADE_REFUSAL : undefined);
  };
}
