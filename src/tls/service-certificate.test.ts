/**
 * The service certificate's end is told in the log before browsers refuse it: from 14 days before, once
 * a day, and once it has passed.
 */
import { describe, expect, it } from 'vitest';
import { recordingLogger } from '../../test/helpers/functions-host.js';
import { createExpiryWarning } from './service-certificate.js';

const DAY = 86_400_000;

describe('the service certificate nearing its end', () => {
  it('warns from 14 days before, at most once a day, then that it expired; never earlier', () => {
    let now = Date.now();
    // The ends of a certificate issued now for 10 days, and of one for 90.
    const soon = new Date(now + 10 * DAY - 60_000);
    const later = new Date(now + 90 * DAY);
    const logger = recordingLogger();
    const expiry = createExpiryWarning('/etc/portico/cert.pem', logger, () => now);

    expiry.check(later);
    expect(logger.lines).toEqual([]);
    expiry.check(soon);
    expiry.check(soon);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(
      /^warn: the service certificate \/etc\/portico\/cert\.pem \(--tls-cert\) expires on \S+, in 10 day\(s\): renew it/,
    );
    now += DAY;
    expiry.check(soon);
    expect(logger.lines).toHaveLength(2);
    now += 10 * DAY;
    expiry.check(soon);
    expect(logger.lines[2]).toMatch(/expired on \S+: browsers refuse HTTPS .* Renew it now/);
  });
});
