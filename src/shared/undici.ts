/**
 * undici, required on first use and only the parts Portico calls (decision 0045). Only an edge with an
 * API backend or a dev server, or a gateway that forwards a call or fetches a JWKS, needs it (decisions
 * 0024 and 0035). The package's entry point also loads fetch, WebSocket, EventSource, the cache stores,
 * the mock agents and an HTTP/2 client, none of which Portico uses: about 110 ms and 20 MB here, where
 * the dispatchers, errors and header parser below take about 45 ms and 12 MB. Each part is required on
 * its first use and kept. Synchronous, so pools are still created where they were.
 *
 * The parts are undici's own modules (`undici/lib/…`, which the package does not close off with an
 * `exports` map), so they are the same classes its entry point exports: `undici.test.ts` checks that,
 * and fails first if an upgrade of undici moves one.
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const requireHere = createRequire(import.meta.url);

/** The parts of undici Portico uses; the same objects the package's entry point exports. */
class UndiciParts {
  #Pool: typeof Undici.Pool | undefined;
  #Agent: typeof Undici.Agent | undefined;
  #buildConnector: typeof Undici.buildConnector | undefined;
  #errors: typeof Undici.errors | undefined;
  #util: typeof Undici.util | undefined;

  get Pool(): typeof Undici.Pool {
    this.#Pool ??= withRequestMethods<typeof Undici.Pool>(requireHere('undici/lib/dispatcher/pool.js'));
    return this.#Pool;
  }

  get Agent(): typeof Undici.Agent {
    this.#Agent ??= withRequestMethods<typeof Undici.Agent>(requireHere('undici/lib/dispatcher/agent.js'));
    return this.#Agent;
  }

  get buildConnector(): typeof Undici.buildConnector {
    this.#buildConnector ??= requireHere('undici/lib/core/connect.js') as typeof Undici.buildConnector;
    return this.#buildConnector;
  }

  get errors(): typeof Undici.errors {
    this.#errors ??= requireHere('undici/lib/core/errors.js') as typeof Undici.errors;
    return this.#errors;
  }

  get util(): typeof Undici.util {
    if (this.#util === undefined) {
      const { parseHeaders, headerNameToString } = requireHere(
        'undici/lib/core/util.js',
      ) as typeof Undici.util;
      this.#util = { parseHeaders, headerNameToString };
    }
    return this.#util;
  }
}

const PARTS = new UndiciParts();

/** The undici parts (each loaded on its first use, then kept). */
export function undici(): UndiciParts {
  return PARTS;
}

let requestMethodsAdded = false;

/**
 * What undici's entry point does when it loads: gives every dispatcher its `request`, `stream`,
 * `pipeline`, `connect` and `upgrade` methods. Done once, before the first dispatcher class is handed out;
 * the same functions again if the entry point was loaded too (by a test, or by another package).
 */
function withRequestMethods<T>(dispatcherClass: unknown): T {
  if (!requestMethodsAdded) {
    const Dispatcher = requireHere('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
    Object.assign(Dispatcher.prototype, requireHere('undici/lib/api/index.js'));
    requestMethodsAdded = true;
  }
  return dispatcherClass as T;
}
