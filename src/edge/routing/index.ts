export { compileSiteRules, type SiteRules } from './compile.js';
export { mergeHeaderRules } from './headers.js';
export { matchFallback } from './navigation-fallback.js';
export { compilePattern, type PathMatcher } from './pattern.js';
export { matchOverride, type OverrideAction } from './response-overrides.js';
export { type CompiledRoute, isApiPath, matchRoute } from './routes.js';
export { folderIndexOf, resolveStaticPath, type StaticResolution } from './trailing-slash.js';
