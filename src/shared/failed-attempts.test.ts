import { describe, expect, it } from 'vitest';
import { createFailedAttempts } from './failed-attempts.js';

describe('createFailedAttempts', () => {
  it('lets an address fail up to the limit, then refuses it until its window ends', () => {
    let now = 1_000_000;
    const failures = createFailedAttempts({ max: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(failures.retryAfter('10.0.0.1')).toBe(0);
      failures.fail('10.0.0.1');
    }
    expect(failures.retryAfter('10.0.0.1')).toBe(60);
    expect(failures.retryAfter('10.0.0.2')).toBe(0);
    now += 45_500;
    expect(failures.retryAfter('10.0.0.1')).toBe(15);
    now += 14_500;
    expect(failures.retryAfter('10.0.0.1')).toBe(0);
    failures.fail('10.0.0.1');
    expect(failures.retryAfter('10.0.0.1')).toBe(0);
  });
});
