/**
 * acme.ts names Let's Encrypt's directory itself so that acme-client is imported only when a certificate
 * is ordered (decision 0035); this keeps the two from drifting apart.
 */
import acme from 'acme-client';
import { describe, expect, it } from 'vitest';
import { LETS_ENCRYPT_DIRECTORY } from './acme.js';

describe('LETS_ENCRYPT_DIRECTORY', () => {
  it("is acme-client's Let's Encrypt production directory", () => {
    expect(LETS_ENCRYPT_DIRECTORY).toBe(acme.directory.letsencrypt.production);
  });
});
