/**
 * An undici Agent that connects only to public internet addresses (and to those the operator allows), for
 * requests a tenant chooses the destination of: the server resolves the host itself, checks every address
 * it got ({@link nonPublicAddress}: loopback, link-local and metadata, the server's own addresses, private,
 * unique-local, documentation, multicast, reserved, unspecified, also written inside IPv6), and connects to the very address it checked, so a name
 * that resolves elsewhere the second time (DNS rebinding) gains nothing. Each new connection is checked;
 * redirects are never followed (the Agent has no redirect handling). Decision 0092.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Agent, buildConnector } from 'undici';
import { nonPublicAddress, ownAddresses } from './address-ranges.js';
import { undici } from './undici.js';

/** A connection not made because of the address its host resolved to; its message is for the operator. */
export class RefusedAddressError extends Error {
  readonly code = 'ERR_REFUSED_ADDRESS';
  /** The address refused. */
  readonly address: string;

  constructor(host: string, address: string, why: string, hint: string) {
    const named = host === address ? address : `${host} (${address})`;
    super(`${named} is ${why}, refused; ${hint.replaceAll('<address>', address)}`);
    this.name = 'RefusedAddressError';
    this.address = address;
  }
}

/** Options of {@link createPublicAgent}. */
export interface PublicAgentOptions {
  /** Addresses reached whatever they are (the operator's list). */
  readonly isAllowed: (address: string) => boolean;
  /** How an operator allows a refused address, for the refusal's message (`<address>` is replaced). */
  readonly hint: string;
  /** The resolver (tests give their own); the system's by default. */
  readonly resolve?: (hostname: string) => Promise<readonly string[]>;
  /** How long a connection may take to open, in ms (default 10 s). */
  readonly connectTimeoutMs?: number;
}

/**
 * Creates the agent. A host whose every address is refused fails the request with
 * {@link RefusedAddressError} before any byte is sent; one with a refused and an allowed address connects
 * to the allowed one.
 *
 * @example
 * const agent = createPublicAgent({ isAllowed: () => false, hint: 'allow it with --x <address>' });
 * await agent.request({ origin: 'http://127.0.0.1:4281', path: '/', method: 'GET' }); // RefusedAddressError
 */
export function createPublicAgent(options: PublicAgentOptions): Agent {
  const base = undici().buildConnector({ timeout: options.connectTimeoutMs ?? 10_000 });
  const resolve = options.resolve ?? resolveAll;
  const connect: buildConnector.connector = (connectOptions, callback) => {
    pickAddress(connectOptions.hostname, resolve, options).then(
      // `host` stays the name: TLS sends it as the server name and checks the certificate against it.
      (address) => base({ ...connectOptions, hostname: address }, callback),
      (error: Error) => callback(error, null),
    );
  };
  return new (undici().Agent)({ connect });
}

/** The first address of `hostname` that may be reached. */
async function pickAddress(
  hostname: string,
  resolve: (hostname: string) => Promise<readonly string[]>,
  options: PublicAgentOptions,
): Promise<string> {
  const addresses = isIP(hostname) === 0 ? await resolve(hostname) : [hostname];
  // Read at each connection: the server's interfaces may have changed since the last one (decision 0104).
  const own = ownAddresses();
  let refused: RefusedAddressError | undefined;
  for (const address of addresses) {
    const why = options.isAllowed(address) ? undefined : nonPublicAddress(address, own);
    if (why === undefined) {
      return address;
    }
    refused ??= new RefusedAddressError(hostname, address, why, options.hint);
  }
  throw refused ?? new Error(`${hostname} has no address`);
}

async function resolveAll(hostname: string): Promise<string[]> {
  const found = await lookup(hostname, { all: true, verbatim: true });
  return found.map(({ address }) => address);
}
