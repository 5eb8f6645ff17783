/**
 * `portico serve` with a `--redis-url` whose credentials Redis refuses exits 1 at once, saying so without
 * the password, instead of serving "degraded" for good with gateway limits uncounted; a Redis that is
 * only unreachable at start still lets it serve (test/serve/multi-node.test.ts, test/ops/readiness.test.ts).
 * @see multi-node QA (/tmp/qa/multi): item 4
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_RUNS_TIMEOUT, runCli } from '../helpers/cli.js';
import { testRedisUrl } from '../helpers/databases.js';

const REDIS_URL = testRedisUrl();

describe.skipIf(REDIS_URL === undefined)('portico serve --redis-url with refused credentials', () => {
  it('exits 1 naming the setting, the password masked', { timeout: CLI_RUNS_TIMEOUT.one }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-e2e-redis-auth-'));
    const url = new URL(REDIS_URL ?? '');
    // A user the server does not have: Redis answers WRONGPASS, as for a wrong password.
    url.username = 'portico-nobody';
    url.password = 'wrong-pw-0123';
    try {
      const run = await runCli([
        'serve',
        '--data',
        join(dir, 'data'),
        '--port',
        '0',
        '--admin-port',
        '0',
        '--redis-url',
        url.toString(),
      ]);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain('refused the credentials of --redis-url (WRONGPASS');
      expect(run.stderr).toContain('PORTICO_REDIS_URL');
      expect(run.stderr).toContain('portico-nobody:***@');
      expect(run.stderr).not.toContain('wrong-pw-0123');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
