import { describe, expect, it } from 'vitest';
import { warnOfShortAdminToken } from './serve.js';

describe('warnOfShortAdminToken', () => {
  it('warns of a PORTICO_ADMIN_TOKEN someone could guess, naming a way to make a good one', () => {
    expect(warnOfShortAdminToken('a')).toBe(
      "PORTICO_ADMIN_TOKEN has 1 character: whoever reaches the admin port could guess it, so 20 wrong tokens a minute from one address shut that address out (a site's function on this machine could shut you out). Use 24 random characters or more (e.g. openssl rand -hex 32), and keep the admin port private (--admin-host 127.0.0.1).",
    );
    expect(warnOfShortAdminToken('x'.repeat(23))).toContain('has 23 characters');
  });

  it('says nothing of a long token, or of the generated one', () => {
    expect(warnOfShortAdminToken('x'.repeat(24))).toBeUndefined();
    expect(warnOfShortAdminToken(undefined)).toBeUndefined();
  });
});
