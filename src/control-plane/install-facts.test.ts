import { describe, expect, it } from 'vitest';
import {
  describeOperatorCause,
  INSTALL_TIMEOUT_MS,
  installStartupNotes,
  installTimeoutMs,
} from './install-facts.js';

describe('installStartupNotes', () => {
  it('says nothing when nothing would surprise the operator', () => {
    expect(
      installStartupNotes({ npm_config_cafile: '/etc/ssl/certs/corp.pem', PATH: '/usr/bin' }, true),
    ).toEqual([]);
  });

  /** @see the QA finding: a CA file under /tmp was ignored without a word in the sandbox. */
  it('names a CA file npm cannot read in the sandbox, and where to put it', () => {
    const [note] = installStartupNotes({ npm_config_cafile: '/tmp/corp-ca.pem' }, true);
    expect(note).toContain(
      'npm_config_cafile=/tmp/corp-ca.pem is outside the folders npm sees in the functions sandbox',
    );
    expect(note).toContain('/usr/local/share/ca-certificates/');
    expect(installStartupNotes({ npm_config_cafile: '/tmp/corp-ca.pem' }, false)).toEqual([]);
  });

  it('has nothing to say of NODE_EXTRA_CA_CERTS, which installs trust as the server does', () => {
    expect(installStartupNotes({ NODE_EXTRA_CA_CERTS: '/opt/corp.pem' }, true)).toEqual([]);
  });

  it('says the guard still refuses loopback when the no-proxy list names it', () => {
    const [note] = installStartupNotes(
      { HTTPS_PROXY: 'http://127.0.0.1:3128', NO_PROXY: 'localhost,127.0.0.1,.corp' },
      true,
    );
    expect(note).toMatch(/^Your no-proxy list names localhost, 127\.0\.0\.1: .*PORTICO_NPM_ALLOWED_HOSTS/);
  });

  it('says a SOCKS proxy is used without the no-proxy list', () => {
    const [note] = installStartupNotes(
      { npm_config_proxy: 'socks5://127.0.0.1:1080', NO_PROXY: 'corp' },
      true,
    );
    expect(note).toMatch(/SOCKS proxy without the install guard, and without your no-proxy list \(corp\)/);
  });
});

describe('installTimeoutMs', () => {
  it('reads PORTICO_NPM_INSTALL_TIMEOUT in seconds, and warns of a value it cannot use', () => {
    expect(installTimeoutMs({})).toBe(INSTALL_TIMEOUT_MS);
    expect(installTimeoutMs({ PORTICO_NPM_INSTALL_TIMEOUT: '900' })).toBe(900_000);
    expect(installTimeoutMs({ PORTICO_NPM_INSTALL_TIMEOUT: '15m' })).toBe(INSTALL_TIMEOUT_MS);
    expect(installStartupNotes({ PORTICO_NPM_INSTALL_TIMEOUT: '15m' }, true)).toEqual([
      expect.stringMatching(/^PORTICO_NPM_INSTALL_TIMEOUT=15m is not a whole number of seconds/),
    ]);
  });
});

describe('describeOperatorCause', () => {
  const failure = { timedOut: false, timeoutMs: 300_000, refused: [] };

  it('tells the operator of a registry or proxy that did not answer', () => {
    const cause = describeOperatorCause({
      ...failure,
      output: 'npm error code E502\nnpm error 502 Bad Gateway - GET https://registry.npmjs.org/left-pad',
    });
    expect(cause).toBe(
      'the registry or a proxy between the server and it did not answer (E502); if it lasts, check HTTPS_PROXY/HTTP_PROXY and the registry',
    );
  });

  it("leaves a missing package to the deployer's files", () => {
    const cause = describeOperatorCause({
      ...failure,
      output: 'npm error code E404\nnpm error 404 Not Found',
    });
    expect(cause).toBeUndefined();
  });
});
