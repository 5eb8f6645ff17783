/** `portico serve`'s reverse-proxy flags refuse what cannot work and take what users write (decision 0085). */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('portico serve --trusted-proxy and --public-port', () => {
  it('refuses --public-port 0 (no client reaches port 0) and takes an IPv6 proxy written as in a URL', async () => {
    // Options are read in order: the refusal of --public-port shows that [::1] and [fd00::]/8 were taken.
    const run = await runCli(
      ['serve', '--trusted-proxy', '[::1],[fd00::]/8', '--public-port', '0', '--data', '/nonexistent'],
      60_000,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("option '--public-port <port>' argument '0' is invalid");
    expect(run.stderr).not.toContain('--trusted-proxy');
  });
});

describe('portico serve --identity-provider-address', () => {
  it('refuses an entry that is not an address or CIDR block, saying what to give, before starting', async () => {
    const run = await runCli(
      ['serve', '--identity-provider-address', '127.0.0.1,keycloak', '--data', '/nonexistent'],
      60_000,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      '--identity-provider-address: keycloak is not an IP address or a CIDR block',
    );
    expect(run.stderr).toContain('of the identity providers you run yourself');
  });
});
