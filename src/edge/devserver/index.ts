/** The dev-server content source of `portico start <url>`: public surface. */

export { rewriteDevServerLocation } from './location.js';
export { writeSocketAnswer } from './socket-answer.js';
export { createDevServerSource } from './source.js';
export { matchDevServerSlash } from './trailing-slash.js';
export type { DevServerAnswer, DevServerRequest, DevServerSource, DevServerSourceOptions } from './types.js';
export { sendDevServerUnreachable } from './unreachable.js';
