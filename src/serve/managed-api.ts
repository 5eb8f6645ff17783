/**
 * Managed functions of one environment in `portico serve`: the functions host starts on the first
 * `/api` request, stops after a quiet period, runs in the service's sandbox, and gets the environment's
 * app settings as environment variables (and nothing of the server's own environment, which holds its
 * secrets: fixed PATH, LANG and TZ instead, and TMPDIR and HOME set by the sandbox to its temp folder).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApiProxy, createApiProxy, describeUnavailable, sendProxyError } from '../edge/index.js';
import {
  type ByteBudget,
  createFunctionsHost,
  type FunctionSummary,
  type FunctionsHost,
  type Sandbox,
} from '../functions-host/index.js';
import { countOf } from '../shared/count.js';
import { PorticoError } from '../shared/errors.js';
import { errorMessage } from '../shared/guards.js';
import { type Logger, withPrefix } from '../shared/logger.js';

/** Options of {@link createManagedApi}. */
export interface ManagedApiOptions {
  readonly apiDir: string;
  readonly appSettings: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** See `ApiProxyOptions.clientBodyIdleMs` (default 20 s). */
  readonly clientBodyIdleMs?: number;
  /** Quiet time after which the worker is stopped. */
  readonly idleMs: number;
  readonly logger: Logger;
  /** For messages: `site/env`. */
  readonly label: string;
  /** The service's sandbox (from `resolveSandbox`). */
  readonly sandbox?: Sandbox;
  /** Who the functions run for (a site id; its uid under a uid-per-site sandbox). */
  readonly identity: string;
  /** The request-body bytes every managed API of the process may hold at once (decision 0112). */
  readonly requestBodies?: ByteBudget;
}

/** An `/api` proxy that owns a lazily started functions host. */
export interface ManagedApi extends ApiProxy {
  /** True while a worker runs. */
  readonly running: boolean;
  /** The app's HTTP functions, as its worker listed them when it loaded (starts the worker if needed). */
  functions(): Promise<readonly FunctionSummary[]>;
  /** Its functions and the warnings its worker gave when it loaded (starts the worker if needed). */
  loaded(): Promise<LoadedApi>;
  /** Waits for in-flight calls (at most `graceMs`), then stops the worker. */
  close(graceMs?: number): Promise<void>;
}

/**
 * The fixed variables every managed worker starts from (app settings and the sandbox's TMPDIR/HOME come on
 * top): nothing is inherited from the server, whose environment holds its secrets. The Functions variables
 * are the ones Azure sets for a Node.js app on Functions 4.x.
 */
export const MANAGED_BASE_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  LANG: 'C.UTF-8',
  TZ: 'UTC',
  FUNCTIONS_WORKER_RUNTIME: 'node',
  FUNCTIONS_EXTENSION_VERSION: '~4',
};

/** What a loaded API app serves, and what its worker warned about (what Static Web Apps would not run). */
export interface LoadedApi {
  readonly functions: readonly FunctionSummary[];
  readonly warnings: readonly string[];
}

interface Running extends LoadedApi {
  readonly host: FunctionsHost;
  readonly proxy: ApiProxy;
}

/** Creates the managed API of an environment; nothing starts until the first request. */
export function createManagedApi(options: ManagedApiOptions): ManagedApi {
  // Everything about this API, the worker's and the functions' own lines included, names the site and
  // environment first: a tenant cannot pass its output off as another site's or the server's.
  const log = withPrefix(options.logger, `api ${options.label}: `);
  let starting: Promise<Running> | undefined;
  let inFlight = 0;
  let lastUsed = Date.now();
  let closed = false;
  // The worker's warnings are logged when it first loads (a restart after a crash logs them again, as
  // the supervisor does); a start after an idle stop does not repeat them.
  let warned = false;
  const idleTimer = setInterval(() => void stopIfIdle(), Math.max(250, Math.floor(options.idleMs / 4)));
  idleTimer.unref();

  const start = (): Promise<Running> => {
    starting ??= startHost(options, log).then(
      (running) => {
        if (!warned) {
          warned = true;
          for (const warning of running.warnings) {
            log.warn(warning);
          }
        }
        return running;
      },
      (error: unknown) => {
        starting = undefined;
        throw error;
      },
    );
    return starting;
  };
  const stop = async (): Promise<void> => {
    const current = starting;
    starting = undefined;
    const running = await current?.catch(() => undefined);
    await Promise.all([running?.proxy.close(), running?.host.close()]);
  };
  const stopIfIdle = async () => {
    if (starting !== undefined && inFlight === 0 && Date.now() - lastUsed > options.idleMs) {
      log.info('idle, stopping its worker');
      await stop();
    }
  };
  return {
    timeoutMs: options.timeoutMs,
    get running() {
      return starting !== undefined;
    },
    async forward(req: IncomingMessage, res: ServerResponse, target) {
      inFlight += 1;
      lastUsed = Date.now();
      try {
        if (closed) {
          return sendUnavailable(req, res, 'the environment was redeployed or removed; retry the request.');
        }
        const running = await start().catch((error: unknown) => {
          // The public answer names what failed; the message (folders, ports) goes to the log only.
          log.error(errorMessage(error));
          sendProxyError(req, res, describeUnavailable(error, 'The API of this site is unavailable'));
          return undefined;
        });
        await running?.proxy.forward(req, res, target);
      } finally {
        inFlight -= 1;
        lastUsed = Date.now();
      }
    },
    async call(request) {
      if (closed) {
        throw new Error('the environment was redeployed or removed');
      }
      inFlight += 1;
      lastUsed = Date.now();
      try {
        return await (await start()).proxy.call(request);
      } finally {
        inFlight -= 1;
        lastUsed = Date.now();
      }
    },
    async functions() {
      return (await this.loaded()).functions;
    },
    async loaded() {
      if (closed) {
        throw new Error('the environment was redeployed or removed; ask again');
      }
      lastUsed = Date.now();
      const { functions, warnings } = await start();
      return { functions, warnings };
    },
    async close(graceMs = 0) {
      closed = true;
      clearInterval(idleTimer);
      const deadline = Date.now() + graceMs;
      while (inFlight > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await stop();
    },
  };
}

async function startHost(options: ManagedApiOptions, log: Logger): Promise<Running> {
  const host = createFunctionsHost({
    apiDir: options.apiDir,
    appSettings: options.appSettings,
    useLocalSettings: false,
    deployed: true,
    watch: false,
    // Only the edge of this process may reach the worker: no loopback port for other sites to call.
    listenTcp: false,
    baseEnv: MANAGED_BASE_ENV,
    logger: log,
    sandboxIdentity: options.identity,
    ...(options.requestBodies === undefined ? {} : { requestBodies: options.requestBodies }),
    ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }),
  });
  try {
    const info = await host.start();
    log.info(`worker ready (${countOf(info.functions.length, 'function')})`);
    return {
      host,
      functions: info.functions,
      warnings: info.warnings,
      proxy: createApiProxy({
        upstreamUrl: info.url,
        ...(info.socketPath === undefined ? {} : { upstreamSocketPath: info.socketPath }),
        keepSiteHost: true,
        dispatcher: host.createDispatcher(),
        // No edits restart a deployed API: a worker stops mid-request when a function ends it, or is
        // stopped for it. The public hears the possibilities; the log line, which it was.
        cutReason: SERVE_CUT_REASON,
        stopCause: () => host.stopCause(),
        timeoutMs: options.timeoutMs,
        ...(options.clientBodyIdleMs === undefined ? {} : { clientBodyIdleMs: options.clientBodyIdleMs }),
        logger: log,
        // Requests wait while a crashed worker restarts; one that cannot load answers at once.
        whenUpstreamReady: () =>
          host.whenReady().catch((error: unknown) => {
            throw describeUnavailable(error, 'The API of this site is unavailable');
          }),
      }),
    };
  } catch (error) {
    await host.close();
    throw error;
  }
}

/** Why a worker of a deployed API stops in the middle of a request, as the public 502 says it. */
const SERVE_CUT_REASON =
  'its worker stopped: a function called process.exit, threw where nothing caught it, ran out of memory, or blocked the worker until it was stopped; a new worker is starting';

/** The edge's own D12 answer (which also drains an unread request body before closing). */
function sendUnavailable(req: IncomingMessage, res: ServerResponse, reason: string): void {
  sendProxyError(
    req,
    res,
    new PorticoError('PROXY_BACKEND_UNAVAILABLE', `The API of this site is unavailable: ${reason}`),
  );
}
