/**
 * Compiles a normalized config into the frozen rule set the pipeline uses per request. Done once per
 * config change, never per request.
 */
import type { NormalizedConfig } from '../../config/types.js';
import { type CompiledFallback, compileFallback } from './navigation-fallback.js';
import { type AccessCheck, compileAccessCheck } from './networking.js';
import { type CompiledRoute, compileRoutes, functionPathOf } from './routes.js';

/** Everything the edge needs from one `staticwebapp.config.json`, compiled. */
export interface SiteRules {
  readonly config: NormalizedConfig;
  readonly routes: readonly CompiledRoute[];
  readonly fallback?: CompiledFallback;
  readonly access?: AccessCheck;
  /** `auth.rolesSource` as {@link functionPathOf} writes it; requests from outside for it get 403 (D5). */
  readonly rolesSourcePath?: string;
}

/** Compiles `config` into frozen site rules. */
export function compileSiteRules(config: NormalizedConfig): SiteRules {
  return Object.freeze({
    config,
    routes: compileRoutes(config.routes),
    fallback: compileFallback(config.navigationFallback),
    access: compileAccessCheck(config),
    rolesSourcePath:
      config.auth.rolesSource === undefined ? undefined : functionPathOf(config.auth.rolesSource),
  });
}
