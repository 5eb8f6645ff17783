/**
 * `localhost` on both loopback families. A dev server started with `localhost` may listen on `::1` only
 * or on `127.0.0.1` only, depending on the machine's resolver (Node 17+ keeps the resolver's order), while
 * `localhost` may resolve to the other one: the SWA CLI's best-known failure here. For `localhost`, both
 * addresses are tried, the one that answered first, and the other when it refuses.
 */

const LOOPBACK = ['127.0.0.1', '::1'] as const;

/** Error codes after which the other loopback address is worth a try. */
const RETRY_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'EADDRNOTAVAIL',
  'ENETUNREACH',
  'EAFNOSUPPORT',
]);

/** Which addresses to connect to for one host name, remembering the one that worked. */
export interface AddressPicker {
  /** Addresses to try, in order: the host name itself unless it is `localhost`. */
  candidates(): readonly string[];
  /** Remembers the address that accepted a connection, so it is tried first next time. */
  remember(address: string): void;
}

/** Creates the picker for `hostname` (as in a URL: IPv6 in brackets). */
export function createAddressPicker(hostname: string): AddressPicker {
  if (hostname.toLowerCase() !== 'localhost') {
    const plain = hostname.replace(/^\[(.*)\]$/, '$1');
    return { candidates: () => [plain], remember() {} };
  }
  let order: readonly string[] = LOOPBACK;
  return {
    candidates: () => order,
    remember(address) {
      if (address !== order[0]) {
        order = [address, ...LOOPBACK.filter((other) => other !== address)];
      }
    },
  };
}

/** True when a connection error means "nothing listens on this address", so the next one may. */
export function isRetryableConnectError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string' &&
    RETRY_CODES.has(error.code)
  );
}
