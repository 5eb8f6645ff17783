/**
 * Build step after `tsc`: records which commit the build was made from in `dist/build-info.json`, so
 * that `portico --version`, the start-up lines of `portico serve`, `/openapi.json` and `/metrics` tell
 * apart nodes built from different commits of one package version (during a rolling upgrade). Outside a
 * git checkout (an installed package) nothing is recorded and the version is the package's alone.
 *
 *   node scripts/build-info.js      (run by `npm run build`)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function gitOutput(args) {
  try {
    return execFileSync('git', args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

const commit = gitOutput(['rev-parse', '--short=7', 'HEAD']);
const info = commit === '' ? {} : { commit };
mkdirSync(join(ROOT, 'dist'), { recursive: true });
writeFileSync(join(ROOT, 'dist', 'build-info.json'), `${JSON.stringify(info)}\n`);
