import { describe, expect, it } from 'vitest';
import { droppedKeysLines, filterProjectNpmrc } from './project-npmrc.js';

describe('filterProjectNpmrc', () => {
  it('keeps registries, scoped registries, registry credentials and fetch settings', () => {
    const text = [
      '\uFEFFregistry=https://registry.example/',
      '@acme:registry = https://npm.acme.example/',
      '//npm.acme.example/:_authToken=acme-token',
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
        '//npm.acme.example/:_authToken=acme-token',
        '//npm.acme.example/path/:username=me',
        'strict-ssl=false',
        'legacy-peer-deps=true',
        'fetch-retries=5',
        '',
      ].join('\n'),
      dropped: [],
      withVariables: [],
      malformed: [],
    });
  });

  /** @see the QA finding: a credential without `=` was echoed, token and all, into the deployment log. */
  it('names a line that is not key=value by its number and at most its key, never the rest', () => {
    const filtered = filterProjectNpmrc(
      [
        'registry=https://registry.example/',
        '//npm.pkg.github.com/:_authToken ghp_R3alLookingSecret0123',
        'glpat-AbCdEfGhIj0123',
        '//x.example/:_authToken abc=def',
        '',
      ].join('\r\n'),
    );
    expect(filtered.malformed).toEqual([
      'line 2 (//npm.pkg.github.com/:_authToken …)',
      'line 3',
      'line 4 (//x.example/:_authToken …)',
    ]);
    expect(filtered.dropped).toEqual([]);
    const lines = droppedKeysLines(filtered).join('\n');
    expect(lines).toContain('.npmrc: left out line 2 (//npm.pkg.github.com/:_authToken …), line 3, line 4');
    expect(lines).not.toMatch(/ghp_|glpat|abc/);
  });

  it('splits lines at a lone carriage return, as npm does, so no key hides behind a kept one', () => {
    const filtered = filterProjectNpmrc(
      'registry=http://registry.example/\rgit=./pwn.sh\r\rproxy=http://evil/\n',
    );
    expect(filtered.text).toBe('registry=http://registry.example/\n');
    expect(filtered.dropped).toEqual(['git', 'proxy']);
  });

  it('leaves out a line naming a variable: npm would fill it from the server’s environment', () => {
    const filtered = filterProjectNpmrc(
      [
        `//npm.acme.example/:_authToken=\${NPM_TOKEN}`,
        `//\${HOME}/:_authToken=x`,
        'registry=https://r.example/',
      ].join('\n'),
    );
    expect(filtered.text).toBe('registry=https://r.example/\n');
    expect(filtered.withVariables).toEqual(['//npm.acme.example/:_authToken', `//\${HOME}/:_authToken`]);
    expect(droppedKeysLines(filtered)).toEqual([
      `.npmrc: left out //npm.acme.example/:_authToken, //\${HOME}/:_authToken: the server's npm has none of your environment variables to fill \${…} with; write the value itself, or deploy the API with its node_modules folder.`,
    ]);
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
    ]);
    expect(filtered.malformed).toEqual(['line 11 (a …)']);
  });

  it('says what was left out in one line, at most ten keys by name', () => {
    expect(droppedKeysLines({ dropped: [], withVariables: [] })).toEqual([]);
    expect(droppedKeysLines({ dropped: ['global', 'prefix'], withVariables: [] })).toEqual([
      ".npmrc: left out global, prefix: the server's npm takes only registries, registry credentials, TLS, fetch and peer-dependency settings from a project.",
    ]);
    const many = Array.from({ length: 12 }, (_, i) => `k${i}`);
    expect(droppedKeysLines({ dropped: many, withVariables: [] })[0]).toContain('k9 and 2 more:');
  });
});
