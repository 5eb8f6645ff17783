/**
 * An environment's `/api` proxied to its linked backend (spec/swa-behaviour.md §3.4, spec/apim.md §4):
 * the whole path unchanged, the usual `x-ms-*` and forwarded fields, plus the site's token in
 * `Authorization: Bearer` and `x-ms-auth-token`, and for a gateway the link's subscription key. A gateway
 * served by this process runs in process (`linked-gateway.ts`, decision 0027); a function app served by
 * this node, or a gateway this process does not serve, is reached through the listener on loopback, by
 * host name.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_KEY_HEADER, type ResolvedLink, type ServingEntry } from '../control-plane/index.js';
import { type ApiProxy, createApiProxy, type ProxyTarget, sendProxyError } from '../edge/index.js';
import { subscriptionKeyDigest } from '../gateway/index.js';
import { PorticoError } from '../shared/errors.js';
import { LINK_PROOF_FIELD } from '../shared/forwarded.js';
import { errorMessage } from '../shared/guards.js';
import { type Logger, withPrefix } from '../shared/logger.js';
import { overlay } from '../shared/overlay.js';
import type { LinkProof } from './link-proof.js';
import { forwardInProcess, type InProcessGatewayOptions, type LocalGateways } from './linked-gateway.js';
import type { TokenService } from './tokens.js';

/** What every linked proxy needs. */
export interface LinkedApiDeps {
  readonly tokens: TokenService;
  /** `http://127.0.0.1:<port>`: this node's data-plane listener. */
  readonly loopbackOrigin: () => string;
  /** The address calls to {@link loopbackOrigin} come from (`127.0.0.1`): the caller a linked gateway sees. */
  readonly loopbackAddress: string;
  /** The gateways of this process, called in process; without it every gateway is reached over HTTP. */
  readonly gateways?: LocalGateways;
  /** The public base URL of a host on the data-plane listener (the token audience of local backends). */
  readonly publicUrl: (hostname: string) => string;
  readonly timeoutMs: number;
  /** See `ApiProxyOptions.clientBodyIdleMs` (default 20 s). */
  readonly clientBodyIdleMs?: number;
  readonly logger: Logger;
  /** Proves to a function app of this service that a call is this proxy's (decision 0095). */
  readonly linkProof?: LinkProof;
}

/** The header a gateway link sends its subscription key in: APIM's default, lower-case as sent. */
const SUBSCRIPTION_KEY_HEADER = DEFAULT_KEY_HEADER.toLowerCase();

interface Upstream {
  readonly url: string;
  readonly hostHeader?: string;
  readonly audience: string;
  readonly subscriptionKey?: string;
  /** For a function app of this service: the proof of a token, which vouches for the forwarded facts. */
  readonly proofOf?: (token: string) => string;
}

function upstreamOf(link: ResolvedLink, deps: LinkedApiDeps): Upstream {
  switch (link.type) {
    case 'apim':
      return {
        url: deps.loopbackOrigin(),
        hostHeader: link.gatewayHostname,
        audience: deps.publicUrl(link.gatewayHostname),
        subscriptionKey: link.subscriptionKey,
      };
    case 'functionapp':
      return {
        url: deps.loopbackOrigin(),
        hostHeader: link.hostname,
        audience: deps.publicUrl(link.hostname),
        ...(deps.linkProof === undefined ? {} : { proofOf: deps.linkProof.sign }),
      };
    default:
      return { url: link.backendUrl, audience: new URL(link.backendUrl).origin };
  }
}

/** The `userId` inside a principal header, for the token's `sub`. */
function userIdOf(principalHeader: string | undefined): string | undefined {
  if (principalHeader === undefined) {
    return undefined;
  }
  try {
    const principal = JSON.parse(Buffer.from(principalHeader, 'base64').toString('utf8')) as {
      userId?: unknown;
    };
    return typeof principal.userId === 'string' ? principal.userId : undefined;
  } catch {
    return undefined;
  }
}

/** How a gateway link calls its gateway in process; undefined for other links or without local gateways. */
function inProcessOptions(link: ResolvedLink, deps: LinkedApiDeps): InProcessGatewayOptions | undefined {
  if (link.type !== 'apim' || deps.gateways === undefined) {
    return undefined;
  }
  return {
    gateways: deps.gateways,
    hostname: link.gatewayHostname,
    callerAddress: deps.loopbackAddress,
    timeoutMs: deps.timeoutMs,
    logger: deps.logger,
    knownKey: {
      header: SUBSCRIPTION_KEY_HEADER,
      value: link.subscriptionKey,
      digest: subscriptionKeyDigest(link.subscriptionKey),
    },
  };
}

/** How many extra-header lists a linked proxy keeps (one per token in use; oldest dropped first). */
const EXTRA_HEADERS_MAX = 256;

/**
 * The fields a linked call adds (the token twice, the link's subscription key, a function app's proof of
 * the token), built once per token:
 * a token is reused for a minute for the same principal, and the key is the link's, fixed for this proxy
 * (a changed link builds a new proxy). A new token (expired, another principal, rotated keys) makes a new
 * list at once, since the list is found by the token itself.
 */
function createExtraHeaders(upstream: Upstream): (token: string) => readonly string[] {
  const { subscriptionKey, proofOf } = upstream;
  const lists = new Map<string, readonly string[]>();
  return (token) => {
    let list = lists.get(token);
    if (list === undefined) {
      const built = ['authorization', `Bearer ${token}`, 'x-ms-auth-token', token];
      if (subscriptionKey !== undefined) {
        built.push(SUBSCRIPTION_KEY_HEADER, subscriptionKey);
      }
      if (proofOf !== undefined) {
        built.push(LINK_PROOF_FIELD, proofOf(token));
      }
      list = Object.freeze(built);
      if (lists.size >= EXTRA_HEADERS_MAX) {
        lists.delete(lists.keys().next().value as string);
      }
      lists.set(token, list);
    }
    return list;
  };
}

/** A flat `[name, value, …]` list of fields as an object, for a platform call's headers. */
function fieldsOf(list: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) {
    fields[list[i] as string] = list[i + 1] as string;
  }
  return fields;
}

/** The way to a linked backend: where it is, the proxy over the HTTP path, and the extra fields per token. */
interface Route {
  readonly upstream: Upstream;
  readonly proxy: ApiProxy;
  readonly extraHeadersOf: (token: string) => readonly string[];
}

function createRoute(link: ResolvedLink, deps: LinkedApiDeps): Route {
  const upstream = upstreamOf(link, deps);
  const proxy = createApiProxy({
    upstreamUrl: upstream.url,
    timeoutMs: deps.timeoutMs,
    ...(deps.clientBodyIdleMs === undefined ? {} : { clientBodyIdleMs: deps.clientBodyIdleMs }),
    logger: deps.logger,
    ...(upstream.hostHeader === undefined ? {} : { hostHeader: upstream.hostHeader }),
  });
  return { upstream, proxy, extraHeadersOf: createExtraHeaders(upstream) };
}

/**
 * Creates the `/api` proxy of an environment linked to a backend. Platform calls (`call`, the roles
 * function at sign-in) always take the HTTP path. The route is made on first use, not here: a function
 * app or gateway of this node is reached through the listener and named by its public URL, whose port is
 * known only once the listener listens (`--port 0`), after the environments loaded at start are built.
 */
export function createLinkedApi(entry: ServingEntry, link: ResolvedLink, shared: LinkedApiDeps): ApiProxy {
  // Its failures name the site and environment first, as a managed API's do: the operator of many
  // tenants learns whose request it was (the log only; public bodies never name them).
  const deps = {
    ...shared,
    logger: withPrefix(shared.logger, `api ${entry.siteName}/${entry.environmentName}: `),
  };
  const inProcess = inProcessOptions(link, deps);
  let route: Route | undefined;
  const routeOf = (): Route => {
    route ??= createRoute(link, deps);
    return route;
  };
  const send = (req: IncomingMessage, res: ServerResponse, target: ProxyTarget, token: string) => {
    const { proxy, extraHeadersOf } = routeOf();
    const linkedTarget: ProxyTarget = overlay(target, { extraHeaders: extraHeadersOf(token) });
    const local = inProcess === undefined ? undefined : forwardInProcess(inProcess, req, res, linkedTarget);
    return local ?? proxy.forward(req, res, linkedTarget);
  };
  /** Signs a token (none to reuse), then sends; a token that cannot be signed is the edge's 502. */
  const mintAndSend = async (req: IncomingMessage, res: ServerResponse, target: ProxyTarget) => {
    let token: string;
    try {
      token = await deps.tokens.mint(
        entry.siteId,
        entry.hostname,
        routeOf().upstream.audience,
        target.principalHeader,
        userIdOf(target.principalHeader),
      );
    } catch (cause) {
      deps.logger.error(`cannot sign the backend token: ${errorMessage(cause)}`);
      sendProxyError(
        req,
        res,
        new PorticoError(
          'PROXY_BACKEND_UNAVAILABLE',
          'The linked backend cannot be called: the site could not sign its token. Try again shortly.',
        ),
      );
      return;
    }
    return send(req, res, target, token);
  };
  return {
    timeoutMs: deps.timeoutMs,
    forward(req: IncomingMessage, res: ServerResponse, target: ProxyTarget): Promise<void> {
      try {
        // A token signed for this principal in the last minute is reused without a promise.
        const token = deps.tokens.cached(entry.hostname, routeOf().upstream.audience, target.principalHeader);
        return token === undefined ? mintAndSend(req, res, target) : send(req, res, target, token);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async call(request) {
      const { upstream, proxy, extraHeadersOf } = routeOf();
      const token = await deps.tokens.mint(
        entry.siteId,
        entry.hostname,
        upstream.audience,
        undefined,
        undefined,
      );
      // The same fields a proxied call carries (the token twice, the link's key), from the same list.
      return proxy.call({ ...request, headers: { ...request.headers, ...fieldsOf(extraHeadersOf(token)) } });
    },
    // A proxy never used has nothing open; made now, it refuses whatever still arrives, as a used one does.
    close: (graceMs?: number) => routeOf().proxy.close(graceMs),
  };
}
