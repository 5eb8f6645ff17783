export { compileSiteRules, type SiteRules } from './compile.js';
export { mergeHeaderRules } from './headers.js';
export { matchFallback } from './navigation-fallback.js';
export { compilePattern, type PathMatcher } from './pattern.js';
export { matchOverride, type OverrideAction } from './response-overrides.js';
export { apiRouteQuery, type CompiledRoute, functionPathOf, isApiPath, matchRoute } from './routes.js';
export { resolveStaticPath, type StaticResolution, servedFileOf } from './trailing-slash.js';
