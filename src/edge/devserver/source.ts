/**
 * The dev-server content source: one undici `Pool` to the framework's dev server, with a connector that
 * tries both loopback families for `localhost` and accepts the dev server's self-signed certificate
 * (Angular `--ssl`, Blazor). That leniency is for this one upstream only: it is the developer's own
 * machine, named by the developer on the command line.
 */
import type { buildConnector, Dispatcher } from 'undici';
import { SILENT_LOGGER } from '../../shared/logger.js';
import { undici } from '../../shared/undici.js';
import { DevServerExchange } from './_exchange.js';
import { type AddressPicker, createAddressPicker, isRetryableConnectError } from './_loopback.js';
import { createUpgradeCarrier } from './carry-upgrade.js';
import { createOutageReport } from './outage.js';
import type { DevServerAnswer, DevServerRequest, DevServerSource, DevServerSourceOptions } from './types.js';

/** How long the dev server may take to send response headers (a first compile can be slow). */
const HEADERS_TIMEOUT_MS = 300_000;

/**
 * Creates the content source for the dev server at `options.url`. Nothing connects until the first
 * request.
 *
 * @example
 * const devServer = createDevServerSource({ url: 'http://localhost:5173' });
 * const answer = await devServer.fetch({ pathAndQuery: '/', method: 'GET', headers: ['host', devServer.host], body: null });
 */
export function createDevServerSource(options: DevServerSourceOptions): DevServerSource {
  const url = new URL(options.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`the dev server URL must be http(s), got ${options.url}`);
  }
  const logger = options.logger ?? SILENT_LOGGER;
  const picker = createAddressPicker(url.hostname);
  const pool = new (undici().Pool)(url.origin, {
    connect: createConnector(picker, url.hostname),
    headersTimeout: HEADERS_TIMEOUT_MS,
    // Event streams and long polls stay open as long as the dev server keeps them open.
    bodyTimeout: 0,
  });
  const basePath = url.pathname.replace(/\/+$/, '');
  const outage = createOutageReport(options.url, logger);
  const upgrades = createUpgradeCarrier({ url, picker, logger, outage });
  return {
    url: options.url,
    host: url.host,
    origin: url.origin,
    isOwnHost: options.isOwnHost ?? (() => false),
    fetch(request: DevServerRequest): Promise<DevServerAnswer> {
      const ticket = outage.ticket();
      return new Promise<DevServerAnswer>((resolve, reject) => {
        const options: Dispatcher.DispatchOptions = {
          path: basePath + request.pathAndQuery,
          method: request.method,
          headers: request.headers,
          body: request.body,
        };
        pool.dispatch(options, new DevServerExchange(resolve, reject));
      }).then(
        (answer) => {
          outage.answered(ticket);
          return answer;
        },
        (error: unknown) => {
          outage.failed(error);
          throw error;
        },
      );
    },
    async probe(): Promise<boolean> {
      try {
        const answer = await pool.request({
          path: `${basePath}/`,
          method: 'GET',
          headers: { host: url.host },
        });
        await answer.body.dump();
        outage.answeredQuietly();
        return true;
      } catch {
        outage.failedQuietly();
        return false;
      }
    },
    carryUpgrade: upgrades.carry,
    async close(): Promise<void> {
      upgrades.closeAll();
      await pool.destroy();
    },
  };
}

type Connect = ReturnType<typeof buildConnector>;

/** undici's connector, run once per candidate address until one accepts. */
function createConnector(picker: AddressPicker, hostname: string): Connect {
  const base = undici().buildConnector({ rejectUnauthorized: false });
  const servername = /^[\d.]+$|:/.test(hostname) ? undefined : hostname;
  return (options, callback) => {
    const candidates = picker.candidates();
    const tryAt = (index: number): void => {
      const address = candidates[index] ?? hostname;
      base({ ...options, hostname: address, ...(servername ? { servername } : {}) }, (error, socket) => {
        if (error !== null && isRetryableConnectError(error) && index + 1 < candidates.length) {
          return tryAt(index + 1);
        }
        if (error === null) {
          picker.remember(address);
        }
        return error === null ? callback(null, socket) : callback(error, null);
      });
    };
    tryAt(0);
  };
}
