import { describe, expect, it } from 'vitest';
import { droppedKeysLine, filterProjectNpmrc } from './project-npmrc.js';

describe('filterProjectNpmrc', () => {
  it('keeps registries, scoped registries, registry credentials and fetch settings', () => {
    const text = [
      '\uFEFFregistry=https://registry.example/',
      '@acme:registry = https://npm.acme.example/',
      `//npm.acme.example/:_authToken=\${ACME_TOKEN}`,
      '//npm.acme.example/path/:username=me',
      'strict-ssl=false',
      'legacy-peer-deps=true',
      'fetch-retries=5',
      '# a comment',
      '; another',
      '',
    ].join('\r\n');
    expect(filterProjectNpmrc(text)).toEqual({
      text: [
        'registry=https://registry.example/',
        '@acme:registry = https://npm.acme.example/',
        `//npm.acme.example/:_authToken=\${ACME_TOKEN}`,
        '//npm.acme.example/path/:username=me',
        'strict-ssl=false',
        'legacy-peer-deps=true',
        'fetch-retries=5',
        '',
      ].join('\n'),
      dropped: [],
    });
  });

  it('leaves out keys that name files or programs, or move the install, each named once', () => {
    const text = [
      'userconfig=../../../../admin-token',
      'globalconfig=/etc/portico/service-key',
      'global=true',
      'location=global',
      'prefix=/usr',
      'cache=/tmp/x',
      'git=/tmp/evil',
      'cafile=/etc/shadow',
      '//npm.example/:certfile=/etc/shadow',
      'script-shell=/bin/sh',
      'a line without equals',
      'global=true',
      'registry=https://registry.example/',
    ].join('\n');
    const filtered = filterProjectNpmrc(text);
    expect(filtered.text).toBe('registry=https://registry.example/\n');
    expect(filtered.dropped).toEqual([
      'userconfig',
      'globalconfig',
      'global',
      'location',
      'prefix',
      'cache',
      'git',
      'cafile',
      '//npm.example/:certfile',
      'script-shell',
      'a line without equals',
    ]);
  });

  it('says what was left out in one line, at most ten keys by name', () => {
    expect(droppedKeysLine([])).toBeUndefined();
    expect(droppedKeysLine(['global', 'prefix'])).toBe(
      ".npmrc: left out global, prefix: the server's npm takes only registries, registry credentials, TLS, fetch and peer-dependency settings from a project.",
    );
    const many = Array.from({ length: 12 }, (_, i) => `k${i}`);
    expect(droppedKeysLine(many)).toContain('k9 and 2 more:');
  });
});
