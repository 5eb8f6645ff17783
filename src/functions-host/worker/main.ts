/**
 * Entry point of a functions worker process: `node dist/functions-host/worker/main.js`, one process per
 * API app, started by the functions host with its JSON configuration as last argument and an IPC channel.
 *
 * Order matters (spec §2, §3): the `@azure/functions-core` interception and the default v3 model are in
 * place before any user code loads (the v3 model is set up when first asked for, decision 0050); then the
 * app loads; then the server listens (or, with `connections: 'parent'`, takes the connections its parent
 * hands over, decision 0029) and `ready` is sent.
 * A load error sends `fatal` and exits with code 3; SIGTERM (or losing the parent) runs the appTerminate
 * hooks, closes the server, lets a debugger go (decision 0057) and exits 0. Started with `waitForLoad`
 * (a worker made ready while the app's files still change, decision 0056), it boots and then waits for
 * the parent's `load` before the app loads.
 */
import type { Server } from 'node:http';
import { keepInspectorClosed } from '../../shared/inspector-signal.js';
import type { WorkerApp } from './app-state.js';
import { createWorkerApp } from './app-state.js';
import { parseWorkerConfig, type WorkerConfig } from './config.js';
import { createCoreApi, installCoreModule, setupDefaultProgrammingModel } from './core-module.js';
import { releaseDebugger } from './debugger.js';
import { errorDetail, WorkerLoadError } from './errors.js';
import { serveFrames } from './frame-server.js';
import { createLogEmitter, runHooks, withReadOnly } from './hooks.js';
import { createWorkerServer } from './http-server.js';
import { type LoadedApp, loadApp } from './load-app.js';
import { hideAppDir } from './load-errors.js';
import { createParentChannel, type FunctionSummary, type ParentChannel } from './messages.js';
import { acceptFromParent, answerPings, waitForLoad } from './parent-connections.js';
import { guardSignals } from './sandbox-guards.js';
import { captureConsole, createWorkerLog, type WorkerLog } from './worker-log.js';

/** Exit code of a worker whose app could not be loaded (a user error: restarting will not help). */
export const EXIT_LOAD_ERROR = 3;
/** Exit code of a worker that could not start for another reason (bad config, port in use). */
export const EXIT_START_FAILED = 1;

async function main(): Promise<void> {
  // An operator's `pkill -USR1 node` (logrotate's habit) must not open an inspector on a tenant's worker.
  keepInspectorClosed();
  const channel = createParentChannel();
  const config = await parseConfigOrExit(channel);
  if (config.sandboxed) {
    guardSignals();
  }
  const log = createWorkerLog(channel);
  const app = createWorkerApp();
  const emitLog = createLogEmitter(app, log);
  installCoreModule(createCoreApi(app, emitLog));
  captureConsole(log);
  app.setUpDefaultModel = setupDefaultProgrammingModel;
  if (config.waitForLoad) {
    await waitForLoad(channel);
  }
  enterAppDir(config.appDir);
  installCrashHandler(channel, log);
  const loaded = await loadOrExit(channel, app, config);
  const serverDeps = {
    app,
    emitLog,
    log,
    model: loaded.model,
    table: loaded.table,
    functions: new Map(loaded.functions.map((fn) => [fn.name, fn])),
    streamUri: loaded.streamUri,
  };
  const server = createWorkerServer(serverDeps);
  answerPings(channel);
  const closeConnections =
    config.connections === 'parent'
      ? acceptFromParent(server, (socket) => serveFrames(socket, serverDeps)).close
      : () => closeServer(server);
  // Before `ready`: a parent may send SIGTERM the moment it reads it.
  installShutdown(app, closeConnections, channel, log);
  const port = config.connections === 'parent' ? 0 : await listenOrExit(channel, server, config);
  channel.send({
    type: 'ready',
    functions: summarize(loaded),
    warnings: loaded.warnings.map((warning) => hideAppDir(warning, config.appDir)),
    model: loaded.model,
    streaming: loaded.streamUri !== undefined,
    port,
  });
}

/** Runs the app from its folder, as Core Tools does; a missing folder is reported by `loadApp`. */
function enterAppDir(appDir: string): void {
  try {
    process.chdir(appDir);
  } catch {
    // loadApp reports FUNCTIONS_APP_DIR_MISSING with a clear message.
  }
}

async function parseConfigOrExit(channel: ParentChannel): Promise<WorkerConfig> {
  try {
    return parseWorkerConfig(process.argv[2]);
  } catch (error) {
    return exitWith(channel, EXIT_START_FAILED, 'FUNCTIONS_WORKER_CONFIG', errorDetail(error));
  }
}

async function loadOrExit(channel: ParentChannel, app: WorkerApp, config: WorkerConfig): Promise<LoadedApp> {
  try {
    return await loadApp({
      appDir: config.appDir,
      app,
      env: process.env,
      requiredRoutePrefix: config.routePrefixRequired,
      audience: config.deployed ? 'deployed' : 'dev',
    });
  } catch (error) {
    // Said to a deploy's output and logs: paths within the API folder, never the server's folders.
    if (error instanceof WorkerLoadError) {
      return exitWith(channel, EXIT_LOAD_ERROR, error.code, hideAppDir(error.userMessage, config.appDir));
    }
    return exitWith(
      channel,
      EXIT_LOAD_ERROR,
      'FUNCTIONS_LOAD_FAILED',
      hideAppDir(`Loading the app failed: ${errorDetail(error)}`, config.appDir),
    );
  }
}

function listenOrExit(channel: ParentChannel, server: Server, config: WorkerConfig): Promise<number> {
  return new Promise((resolve) => {
    server.once('error', (error) => {
      void exitWith(
        channel,
        EXIT_START_FAILED,
        'FUNCTIONS_LISTEN_FAILED',
        `Cannot listen on ${config.host}:${config.port}: ${errorDetail(error)}`,
      );
    });
    server.listen(config.port, config.host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : config.port);
    });
  });
}

async function exitWith(
  channel: ParentChannel,
  exitCode: number,
  code: string,
  message: string,
): Promise<never> {
  channel.send({ type: 'fatal', code, message });
  await channel.flush();
  releaseDebugger();
  process.exit(exitCode);
}

function summarize(loaded: LoadedApp): FunctionSummary[] {
  return loaded.functions.map((fn) => ({
    name: fn.name,
    methods: fn.trigger.methods ?? null,
    route: fn.trigger.route ?? fn.name,
    authLevel: fn.trigger.authLevel,
  }));
}

/** An exception nobody caught (a user timer throwing, a rejected promise) ends the worker, as on Azure. */
function installCrashHandler(channel: ParentChannel, log: WorkerLog): void {
  process.on('uncaughtException', (error) => {
    log.write('error', 'system', `Uncaught exception, the worker stops: ${errorDetail(error)}`);
    void channel
      .flush()
      .then(releaseDebugger)
      .then(() => process.exit(1));
  });
}

function installShutdown(
  app: WorkerApp,
  closeConnections: () => Promise<void>,
  channel: ParentChannel,
  log: WorkerLog,
): void {
  let stopping = false;
  const stop = async () => {
    if (stopping) {
      return;
    }
    stopping = true;
    await runTerminateHooks(app, log);
    await closeConnections();
    await channel.flush();
    releaseDebugger();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  // Under bubblewrap the parent cannot signal the worker (bwrap does not pass signals on): it asks by IPC.
  process.on('message', (message: unknown) => {
    if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'stop') {
      void stop();
    }
  });
}

async function runTerminateHooks(app: WorkerApp, log: WorkerLog): Promise<void> {
  const context = withReadOnly({}, { hookData: app.appLevelOnlyHookData, appHookData: app.appHookData });
  try {
    await runHooks(app.hooks.appTerminate, context);
  } catch (error) {
    log.write('error', 'system', `An appTerminate hook failed: ${errorDetail(error)}`);
  }
}

/** Stops accepting connections; in-flight requests get 5 s before their connections are closed. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), 5_000);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

void main();
