export type { ClientPrincipal, FileSource, StaticFile } from './types.js';
