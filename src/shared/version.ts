/**
 * Portico's version as every surface shows it (`--version`, `portico serve`'s start-up lines,
 * `/openapi.json`, `portico_build_info` in `/metrics`): package.json's version, with the commit the build
 * was made from as semver build metadata (`0.1.0+5a7eb20`) when `scripts/build-info.js` recorded one.
 */
import { readFileSync } from 'node:fs';

let known: string | undefined;

/** The version, read once (package.json two folders up, build-info.json one up, from dist/shared). */
export function porticoVersion(): string {
  known ??= readVersion();
  return known;
}

function readVersion(): string {
  const pkg = readJson(new URL('../../package.json', import.meta.url)) as { version?: unknown } | undefined;
  const version = typeof pkg?.version === 'string' ? pkg.version : '0.0.0';
  const build = readJson(new URL('../build-info.json', import.meta.url)) as { commit?: unknown } | undefined;
  const commit =
    typeof build?.commit === 'string' && /^[0-9a-f]{4,40}$/.test(build.commit) ? build.commit : '';
  return commit === '' ? version : `${version}+${commit}`;
}

function readJson(url: URL): unknown {
  try {
    return JSON.parse(readFileSync(url, 'utf8'));
  } catch {
    return undefined;
  }
}
