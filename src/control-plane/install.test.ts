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
