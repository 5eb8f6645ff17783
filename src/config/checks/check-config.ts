import type { Diagnostic } from '../types.js';
import type { SalvagedConfig } from '../validate.js';
import { checkAuth } from './auth.js';
import { checkRewriteTargets } from './chaining.js';
import { checkRoutes } from './routes.js';
import {
  checkNavigationFallback,
  checkNetworking,
  checkPlatform,
  checkResponseOverrides,
} from './sections.js';

/**
 * Step 3 of the pipeline (raw → validate → **check** → normalize → freeze): rules the schema cannot express
 * (combinations, limits across the file) and the warnings of D9. Runs on every part that passed validation,
 * so one broken section does not hide problems in the others.
 */
export function checkConfig(config: SalvagedConfig): Diagnostic[] {
  return [
    ...(config.routes === undefined ? [] : checkRoutes(config.routes)),
    ...(config.navigationFallback === undefined ? [] : checkNavigationFallback(config.navigationFallback)),
    ...(config.responseOverrides === undefined ? [] : checkResponseOverrides(config.responseOverrides)),
    ...(config.auth === undefined ? [] : checkAuth(config.auth)),
    ...(config.networking === undefined ? [] : checkNetworking(config.networking)),
    ...(config.platform === undefined ? [] : checkPlatform(config.platform)),
    ...checkRewriteTargets(config),
  ];
}
