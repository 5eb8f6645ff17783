/**
 * The identity host, `identity.<domain>`: the one callback URL the operator registers with each
 * preconfigured provider (GitHub OAuth apps take a single callback URL), as Azure's central identity
 * host does. A provider returns there with the code; the state, sealed when the site started the
 * sign-in, names the site, and the browser is sent on to that site's own callback, which finishes the
 * sign-in against its flow cookie. Only sites this service serves are ever targets.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SignInFlows } from '../edge/index.js';

/** The identity host's name under the service's domain. */
export const IDENTITY_HOST_LABEL = 'identity';

const CALLBACK = /^\/\.auth\/login\/([A-Za-z0-9_.-]{1,64})\/callback\/?$/;

/** Options of {@link createIdentityHost}. */
export interface IdentityHostOptions {
  readonly hostname: string;
  readonly flows: SignInFlows;
  /** True when `origin` is a site environment this service serves. */
  isSiteOrigin(origin: string): boolean;
}

/** The identity host: `handle` answers its requests and returns false for any other host. */
export interface IdentityHost {
  handle(hostname: string, req: IncomingMessage, res: ServerResponse): boolean;
}

function send(res: ServerResponse, status: number, text: string, location?: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    ...(location === undefined ? {} : { location }),
  });
  res.end(`${text}\n`);
}

/** Creates the identity host of a service. */
export function createIdentityHost(options: IdentityHostOptions): IdentityHost {
  return {
    handle(hostname, req, res) {
      if (hostname !== options.hostname) {
        return false;
      }
      req.resume();
      const url = new URL(req.url ?? '/', 'http://identity');
      const match = CALLBACK.exec(url.pathname);
      if (match === null || (req.method !== 'GET' && req.method !== 'HEAD')) {
        send(res, 404, 'This host only returns sign-ins to the sites they started on.');
        return true;
      }
      const target = options.flows.relayTarget(url.searchParams.get('state') ?? '');
      if (target === undefined || !options.isSiteOrigin(target)) {
        send(res, 400, 'This sign-in cannot be returned to its site; start again from the site.');
        return true;
      }
      send(res, 302, 'Returning to the site.', `${target}/.auth/login/${match[1]}/callback${url.search}`);
      return true;
    },
  };
}
