/**
 * Debian's Chromium for browser tests, through playwright-core (nothing is downloaded). `PORTICO_CHROMIUM`
 * names the browser (default /usr/bin/chromium); without it a suite is skipped with a notice, unless
 * `PORTICO_REQUIRE_CHROMIUM=1` (CI), which turns a missing browser into a failure.
 */
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.PORTICO_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that keep Chromium off the network and quiet on this machine. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** True when Chromium is there; prints a notice (or throws, when it is required) otherwise. */
export function hasChromium(what: string): boolean {
  if (existsSync(CHROMIUM)) {
    return true;
  }
  if (process.env.PORTICO_REQUIRE_CHROMIUM === '1') {
    throw new Error(
      `PORTICO_REQUIRE_CHROMIUM=1 but there is no Chromium at ${CHROMIUM}; install it or set PORTICO_CHROMIUM.`,
    );
  }
  process.stderr.write(
    `\n[notice] ${what} are SKIPPED: no Chromium at ${CHROMIUM}; install chromium or set PORTICO_CHROMIUM=/path/to/chromium to run them.\n\n`,
  );
  return false;
}
