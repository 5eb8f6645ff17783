import { describe, expect, it } from 'vitest';
import { userConfigOf } from './install.js';

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
