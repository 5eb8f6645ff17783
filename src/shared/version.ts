/**
 * Portico's version. `portico --version` and `/openapi.json` give package.json's version alone, as the
 * contract says; the surfaces an operator watches during a rolling upgrade (`portico serve`'s ready line,
 * `portico_build_info` in `/metrics`) add the commit the build was made from, as semver build metadata
 * (`0.1.0+5a7eb20`), when `scripts/build-info.js` recorded one.
 */
import { readFileSync } from 'node:fs';

let known: { readonly version: string; readonly build: string } | undefined;

/** package.json's version (read once, two folders up from dist/shared and src/shared). */
export function packageVersion(): string {
  known ??= readVersions();
  return known.version;
}

/** The version with the build's commit (`0.1.0+5a7eb20`), or the package version outside a git build. */
export function porticoVersion(): string {
  known ??= readVersions();
  return known.build;
}

function readVersions(): { version: string; build: string } {
  const pkg = readJson(new URL('../../package.json', import.meta.url)) as { version?: unknown } | undefined;
  const version = typeof pkg?.version === 'string' ? pkg.version : '0.0.0';
  const info = readJson(new URL('../build-info.json', import.meta.url)) as { commit?: unknown } | undefined;
  const commit = typeof info?.commit === 'string' && /^[0-9a-f]{4,40}$/.test(info.commit) ? info.commit : '';
  return { version, build: commit === '' ? version : `${version}+${commit}` };
}

function readJson(url: URL): unknown {
  try {
    return JSON.parse(readFileSync(url, 'utf8'));
  } catch {
    return undefined;
  }
}
