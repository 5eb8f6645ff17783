import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planInstall, userConfigOf } from './install.js';

/** An API folder with `files` (JSON values written as JSON). */
async function apiWith(files: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-plan-'));
  for (const [name, value] of Object.entries(files)) {
    await writeFile(join(dir, name), JSON.stringify(value));
  }
  return dir;
}

/** @see decision 0104: the server installs no dependency over ssh, but a hosted repository's is fetched over https. */
describe('planInstall and ssh dependencies', () => {
  it('refuses a repository over ssh, in package.json or a lockfile, naming where', async () => {
    const direct = await apiWith({
      'package.json': { dependencies: { x: 'git+ssh://git@10.0.0.7:2222/x.git' } },
    });
    await expect(planInstall(direct)).rejects.toThrow(
      /^ssh dependencies cannot be installed by the server: use an https URL, a github: shorthand, or a tarball\.\n {2}- package\.json dependencies\.x: "git\+ssh:/,
    );
    const locked = await apiWith({
      'package.json': { dependencies: { x: '1.0.0' } },
      'package-lock.json': {
        packages: { 'node_modules/x': { resolved: 'ssh://git@git.example/x.git#abc' } },
      },
    });
    await expect(planInstall(locked)).rejects.toThrow(/package-lock\.json node_modules\/x: resolved "ssh:/);
  });

  it('plans a GitHub dependency, as a shorthand or as the ssh URL npm writes in a lockfile', async () => {
    const api = await apiWith({
      'package.json': {
        dependencies: { a: 'github:octo/a', b: 'octo/b', c: 'git+ssh://git@github.com/octo/c.git' },
      },
      'package-lock.json': {
        packages: { 'node_modules/a': { resolved: 'git+ssh://git@github.com/octo/a.git#0123456789abcdef' } },
      },
    });
    expect(await planInstall(api)).toBeDefined();
  });
});

/** A dev-only git dependency over ssh, as npm writes it: `npm install --omit=dev` never fetches it. */
const LINT_SPEC = 'git+ssh://git@git.corp.example/team/lint.git#semver:^1.0.0';
const LINT_PACKAGE = { dependencies: { ms: '2.1.3' }, devDependencies: { 'corp-lint': LINT_SPEC } };
const LINT_LOCKED = {
  version: '1.0.0',
  resolved: 'git+ssh://git@git.corp.example/team/lint.git#0123456789abcdef0123456789abcdef01234567',
  dev: true,
};

/** A lockfile of {@link LINT_PACKAGE} whose `node_modules/corp-lint` entry is `lint`. */
function lintLock(lint: Record<string, unknown> | undefined): unknown {
  return {
    lockfileVersion: 3,
    packages: {
      '': LINT_PACKAGE,
      ...(lint === undefined ? {} : { 'node_modules/corp-lint': lint }),
      'node_modules/ms': { version: '2.1.3', resolved: 'https://registry.npmjs.org/ms/-/ms-2.1.3.tgz' },
    },
  };
}

/** @see decision 0104: what `npm install --omit=dev` leaves alone is not refused. */
describe('planInstall and ssh development dependencies', () => {
  it('plans an ssh devDependency its lockfile holds as dev-only, from the same repository', async () => {
    const api = await apiWith({ 'package.json': LINT_PACKAGE, 'package-lock.json': lintLock(LINT_LOCKED) });
    expect(await planInstall(api)).toBeDefined();
    const shrinkwrapped = await apiWith({
      'package.json': LINT_PACKAGE,
      'npm-shrinkwrap.json': lintLock(LINT_LOCKED),
    });
    expect(await planInstall(shrinkwrapped)).toBeDefined();
  });

  it('plans a lockfile’s dev-only entry over ssh, a dependency of a devDependency', async () => {
    const api = await apiWith({
      'package.json': { dependencies: { ms: '2.1.3' }, devDependencies: { tool: '1.0.0' } },
      'package-lock.json': {
        packages: {
          'node_modules/tool': { version: '1.0.0', dev: true },
          'node_modules/tool/node_modules/x': { resolved: 'git+ssh://git@10.0.0.7/x.git#abc', dev: true },
        },
      },
    });
    expect(await planInstall(api)).toBeDefined();
  });

  it('refuses an ssh devDependency npm would resolve: no lockfile, not in it, or from elsewhere', async () => {
    const refused =
      /^ssh dependencies cannot be installed by the server: .*\n {2}- package\.json devDependencies\.corp-lint: "git\+ssh:/;
    for (const files of [
      { 'package.json': LINT_PACKAGE },
      { 'package.json': LINT_PACKAGE, 'package-lock.json': lintLock(undefined) },
      {
        'package.json': LINT_PACKAGE,
        'package-lock.json': lintLock({ ...LINT_LOCKED, resolved: 'git+ssh://git@other.example/x.git#0123' }),
      },
      { 'package.json': LINT_PACKAGE, 'package-lock.json': lintLock({ ...LINT_LOCKED, dev: undefined }) },
      // npm reads the shrinkwrap, and ignores package-lock.json.
      {
        'package.json': LINT_PACKAGE,
        'package-lock.json': lintLock(LINT_LOCKED),
        'npm-shrinkwrap.json': lintLock(undefined),
      },
    ]) {
      await expect(planInstall(await apiWith(files))).rejects.toThrow(refused);
    }
  });

  it('refuses a lockfile entry over ssh that --omit=dev keeps: devOptional, or not dev', async () => {
    for (const flags of [{ devOptional: true }, { optional: true }, {}]) {
      const api = await apiWith({
        'package.json': { dependencies: { ms: '2.1.3' } },
        'package-lock.json': {
          packages: { 'node_modules/x': { resolved: 'git+ssh://git@10.0.0.7/x.git#abc', ...flags } },
        },
      });
      await expect(planInstall(api)).rejects.toThrow(
        /package-lock\.json node_modules\/x: resolved "git\+ssh:/,
      );
    }
  });
});

describe('userConfigOf', () => {
  it('writes the operator’s npm and proxy variables under the keys npm reads them as', () => {
    expect(
      userConfigOf({
        npm_config_registry: 'https://mirror.example/',
        NPM_CONFIG_FETCH_RETRIES: '5',
        'npm_config_//mirror.example/:_authToken': 'tok',
        HTTPS_PROXY: 'http://ops:pw@proxy:3128',
        http_proxy: 'http://proxy:3128',
        NO_PROXY: 'localhost',
      }),
    ).toBe(
      [
        'registry=https://mirror.example/',
        'fetch-retries=5',
        '//mirror.example/:_authToken=tok',
        'https-proxy=http://ops:pw@proxy:3128',
        'proxy=http://proxy:3128',
        'noproxy=localhost',
        '',
      ].join('\n'),
    );
  });

  it('leaves out a value that would start another line', () => {
    expect(userConfigOf({ npm_config_registry: 'https://a.example/\nalways-auth=true' })).toBe('');
  });
});
