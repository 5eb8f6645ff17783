/**
 * A Redis that refuses the credentials of `--redis-url` is a misconfiguration, not an outage: at start
 * `portico serve` refuses to run (test/e2e/serve-redis-auth.test.ts); a node whose password is rotated
 * on the server while it runs stays up, degraded, and says at every reconnection what to fix. Real
 * Redis: a user of the test's own (ACL) whose password the test changes, removed afterwards.
 * @see multi-node QA (/tmp/qa/multi): item 4
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, send } from '../helpers/app.js';
import { testRedisUrl } from '../helpers/databases.js';
import { recordingLogger } from '../helpers/functions-host.js';
import { removeData, startTestService, type TestService } from '../helpers/service.js';

const REDIS_URL = testRedisUrl();

describe.skipIf(REDIS_URL === undefined)('portico serve and Redis credentials', () => {
  const user = `portico-test-${randomBytes(4).toString('hex')}`;
  const [first, second] = [randomBytes(8).toString('hex'), randomBytes(8).toString('hex')];
  let admin: Redis;

  /** REDIS_URL with the test's user and `password`. */
  const urlWith = (password: string) => {
    const url = new URL(REDIS_URL ?? '');
    url.username = user;
    url.password = password;
    return url.toString();
  };

  beforeAll(async () => {
    admin = new Redis(REDIS_URL ?? '');
    await admin.call('ACL', 'SETUSER', user, 'on', `>${first}`, '~*', '&*', '+@all');
  });
  afterAll(async () => {
    await admin?.call('ACL', 'DELUSER', user).catch(() => undefined);
    admin?.disconnect();
  });

  it('refuses to start on refused credentials, naming the setting without the password', async () => {
    await expect(startTestService({ redisUrl: urlWith('not-the-password') })).rejects.toMatchObject({
      code: 'STORAGE_REDIS_AUTH_REFUSED',
      message: expect.stringMatching(/refused the credentials of --redis-url \(WRONGPASS/),
    });
  });

  it('a password rotated while the node runs: it stays up, degraded, and logs an error at every reconnection', async () => {
    const logger = recordingLogger();
    let node: TestService | undefined;
    try {
      node = await startTestService({ redisUrl: urlWith(first), logger });
      const readyz = async () =>
        (await send(`${node?.service.adminUrl}/readyz`)).json<{ status: string; degraded?: string[] }>();
      expect(await readyz()).toMatchObject({ status: 'ready' });
      await admin.call('ACL', 'SETUSER', user, 'resetpass', `>${second}`);
      await admin.call('CLIENT', 'KILL', 'USER', user);
      const refusals = () =>
        logger.lines.filter(
          (line) =>
            line.startsWith('error: ') &&
            line.includes('refused the credentials of --redis-url on reconnecting (WRONGPASS'),
        );
      await eventually(async () => refusals().length >= 2, 20_000);
      expect(refusals()[0]).toContain('PORTICO_REDIS_URL');
      expect(logger.text()).not.toContain(first);
      expect(await readyz()).toMatchObject({ status: 'degraded', degraded: ['redis'] });
    } finally {
      await node?.close();
      await removeData(node?.dataDir ?? '');
    }
  }, 40_000);
});
