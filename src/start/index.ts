/** The dev server side of `portico start <url>` (the `--run` command): public surface. */
export { type CommandExit, type DevCommand, type DevCommandOptions, startDevCommand } from './dev-command.js';
export {
  DEFAULT_DEVSERVER_TIMEOUT_SECONDS,
  type DevServerTarget,
  type StartCommandOptions,
  startDevServerCommand,
  startFolderCommand,
  toListenError,
  watchCommandExit,
} from './dev-server.js';
export { type RunOptions, runDevServerCommand } from './run.js';
export { type WaitOptions, waitForDevServer } from './wait-ready.js';
