/**
 * undici, required on first use: only an edge with an API backend or a dev server, or a gateway that
 * forwards a call or fetches a JWKS, needs it, and loading undici costs `portico start` of a plain static
 * folder or an idle `portico serve` about 20 MB and 0.1–0.2 s (decisions 0024 and 0035). Synchronous, so
 * pools are still created where they were.
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const requireHere = createRequire(import.meta.url);

/** The undici module (loaded once, then cached by Node's module cache). */
export function undici(): typeof Undici {
  return requireHere('undici') as typeof Undici;
}
