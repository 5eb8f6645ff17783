import { describe, expect, it } from 'vitest';
import { problemOfNodeSetting } from './node-settings.js';
import { validateAppSettings } from './settings.js';

describe('problemOfNodeSetting', () => {
  it('lets NODE_OPTIONS tune the worker', () => {
    for (const value of [
      '',
      '--max-old-space-size=4096',
      '--max-old-space-size=512  --enable-source-maps\t--unhandled-rejections=strict',
      '--no-warnings --dns-result-order=ipv4first --stack-trace-limit=50',
    ]) {
      expect(problemOfNodeSetting('NODE_OPTIONS', value), value).toBeUndefined();
    }
  });

  it('refuses any option that could widen the sandbox or run code, and every form it cannot read plainly', () => {
    for (const value of [
      '--allow-fs-read=*',
      '--max-old-space-size=256 --allow-child-process',
      '--require=/tmp/x.js',
      '-r /tmp/x.js',
      '--import=data:text/javascript,1',
      '--experimental-permission',
      '--inspect=0.0.0.0:9229',
      '"--allow-fs-read=*"',
      '--max-old-space-size="1 --allow-fs-read=*"',
      '--max-old-space-size=1\n--allow-fs-read=*',
      '--max_old_space_size=256',
      '--max-old-space-size',
      '--max-old-space-size=lots',
      '--enable-source-maps=yes',
      '--unhandled-rejections=maybe',
      '/tmp/script.js',
    ]) {
      expect(problemOfNodeSetting('NODE_OPTIONS', value), JSON.stringify(value)).toMatch(
        /is not (allowed|a value --[a-z-]+ takes here)\. A site's functions may only take --max-old-space-size=…/,
      );
    }
  });

  it('refuses the variables with which Node.js writes files, and leaves every other name alone', () => {
    for (const name of ['NODE_REDIRECT_WARNINGS', 'NODE_V8_COVERAGE', 'NODE_COMPILE_CACHE']) {
      expect(problemOfNodeSetting(name, '/tmp/out'), name).toContain(
        `Node.js writes files of its own with ${name}`,
      );
    }
    for (const name of [
      'NODE_ENV',
      'NODE_EXTRA_CA_CERTS',
      'node_options',
      'DATABASE_URL',
      'ld_preload',
      'PATH',
    ]) {
      expect(problemOfNodeSetting(name, '--allow-fs-read=*'), name).toBeUndefined();
    }
  });

  it('refuses what the loader, the C library or OpenSSL load code or files from, and the host’s own', () => {
    for (const name of [
      'LD_PRELOAD',
      'LD_LIBRARY_PATH',
      'LD_AUDIT',
      'GCONV_PATH',
      'GLIBC_TUNABLES',
      'OPENSSL_CONF',
    ]) {
      expect(problemOfNodeSetting(name, '/home/site/wwwroot/evil.so'), name).toContain(
        `the system loads code or files named by ${name}`,
      );
    }
    for (const name of ['NODE_CHANNEL_FD', 'NODE_UNIQUE_ID']) {
      expect(problemOfNodeSetting(name, '3'), name).toContain('a site cannot set it');
    }
  });

  it('is one of the app setting checks, so a stored setting from before fails the start instead of running', () => {
    expect(validateAppSettings({ NODE_OPTIONS: '--allow-fs-read=*', GREETING: 'hi' })).toEqual([
      expect.stringMatching(/^app setting "NODE_OPTIONS": --allow-fs-read=\* is not allowed\./),
    ]);
  });
});
