/** Loader hooks of module-recorder.mjs: appends each resolved module URL to the log file. */
import { appendFileSync } from 'node:fs';

let log = '';

/** Receives the log file from `register`. */
export function initialize(data) {
  log = data.log;
}

/** Resolves as Node does, then records the result. */
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(log, `${resolved.url}\n`);
  return resolved;
}
