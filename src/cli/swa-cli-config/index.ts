/**
 * Microsoft's SWA CLI project file, `swa-cli.config.json`, and its `SWA_CLI_*` variables, read as the SWA
 * CLI reads them: read → check (diagnostics with paths) → merge with the command line.
 */
export { readSwaCliEnv, SWA_CLI_ENV_VARIABLES } from './env.js';
export {
  addConfigFileOptions,
  addSwaCliStartOptions,
  commandLineInput,
  type SwaCliStartFlags,
  toSwaCliFlags,
} from './flags.js';
export { IGNORED_SWA_CLI_KEYS, SWA_CLI_KEYS, type SwaCliOptions } from './keys.js';
export { type OptionLayer, pick, pickPath } from './layers.js';
export { parseSwaCliConfigText, readSwaCliConfigFile, SWA_CLI_CONFIG_FILE } from './read.js';
export { type ResolvedDeploy, readDeployVariables, resolveDeployOptions } from './resolve-deploy.js';
export { type ResolvedStart, resolveStartOptions, START_DEFAULTS } from './resolve-start.js';
export { type SelectedConfiguration, selectConfiguration } from './select.js';
