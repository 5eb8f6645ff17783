/** The `--run` dev server command of `portico start`: public surface. */
export { type CommandExit, type DevCommand, type DevCommandOptions, startDevCommand } from './dev-command.js';
export { type RunOptions, runDevServerCommand } from './run.js';
export { type WaitOptions, waitForDevServer } from './wait-ready.js';
