/**
 * Public surface of the functions host: runs an Azure Functions Node.js app (v4 or v3 model) in a
 * supervised child process and serves it as a plain HTTP upstream on loopback.
 */

export { type ApiBuildOptions, type ApiBuildWatch, prepareApiBuild } from './build-scripts.js';
export { ByteBudget, TOTAL_REQUEST_BODY_BYTES } from './byte-budget.js';
export { DEFAULT_MAX_MEMORY_MB } from './constants.js';
export { describeFunctions } from './describe.js';
export { type DevFunctions, type DevFunctionsOptions, startDevFunctions } from './dev-functions.js';
export type { ApiDispatcher } from './frame-dispatcher.js';
export { parseSandboxChoice } from './sandbox/choice.js';
export { resolveSandbox, type SandboxRequest } from './sandbox/select.js';
export { type SweepResult, sweepAtStart } from './sandbox/stale-folders.js';
export {
  FUNCTIONS_NETWORKS,
  type FunctionsNetwork,
  SANDBOX_CHOICES,
  type Sandbox,
  type SandboxChoice,
} from './sandbox/types.js';
export {
  buildWorkerEnv,
  LOCAL_SETTINGS_FILE,
  type LocalSettings,
  matchReservedPrefix,
  RESERVED_SETTING_PREFIXES,
  readLocalSettings,
  validateAppSettings,
  type WorkerEnvSources,
} from './settings.js';
export { createFunctionsHost } from './supervisor.js';
export type {
  FunctionSummary,
  FunctionsHost,
  FunctionsHostInfo,
  FunctionsHostOptions,
  HostTimings,
} from './types.js';
