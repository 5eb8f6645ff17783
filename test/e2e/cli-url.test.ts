/**
 * A management command given a URL typed wrong: the password never shows, whichever way the URL reached
 * the CLI (--url refused by the parser, PORTICO_URL refused by the command) and whatever it holds; and a
 * malformed URL is a usage error (exit 1), never "cannot reach" (exit 75, try again).
 */
import { describe, expect, it } from 'vitest';
import { runCli, timeoutFor } from '../helpers/cli.js';

/** `portico site list` with `args` and `PORTICO_URL` (when given), no server needed. */
const siteList = (args: string[], url?: string) =>
  runCli(['site', 'list', '--token', 't', ...args], 60_000, {
    env: { ...process.env, ...(url === undefined ? {} : { PORTICO_URL: url }) },
  });

describe('a mistyped admin URL', () => {
  it('never shows its password, however it was mistyped', { timeout: timeoutFor(6) }, async () => {
    const runs = await Promise.all([
      siteList(['--url', 'http//admin:s3cretPW@127.0.0.1:45001']),
      siteList([], 'http//admin:s3cretPW@127.0.0.1:45001'),
      siteList([], '//admin:s3cretPW@127.0.0.1:45001'),
      siteList(['--url', "ftp://admin:s3cret'PW@127.0.0.1:45001"]),
      siteList(['--url', 'htp://admin:s3cret PW@127.0.0.1:45001']),
      siteList(['--url=htp://admin:s3cret PW@127.0.0.1:45001']),
    ]);
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain('admin:***@127.0.0.1:45001');
      expect(run.stderr).not.toContain('PW');
      expect(run.stderr).not.toContain('s3cret');
    }
  });

  it('refuses a malformed one as a usage error that says what a valid one looks like', {
    timeout: timeoutFor(4),
  }, async () => {
    const runs = await Promise.all([
      siteList([], 'http://u:s3cret@127.0.0.1:99999'),
      siteList([], 'http://u:s3cret@127.0.0.1:45001:1'),
      siteList([], 'http://u:s3cret@[::1:45001'),
      siteList(['--url', 'http://u:s3cret@127.0.0.1:99999']),
    ]);
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain('is malformed');
      expect(run.stderr).toMatch(/a valid one looks like http\(s\):\/\/\[user:password@\]host\[:port\]/i);
      expect(run.stderr).toContain('u:***@');
      expect(run.stderr).not.toContain('s3cret');
      expect(run.stderr).not.toContain('Cannot reach');
    }
  });

  it('refuses a bare % in the password as malformed, saying to write it %25', {
    timeout: timeoutFor(4),
  }, async () => {
    const runs = await Promise.all([
      siteList(['--url', 'http://ci:s3cret%zz@127.0.0.1:45011']),
      siteList(['--url', 'http://ci:s3cret%@127.0.0.1:45011']),
      siteList([], 'http://ci:s3cret%zz@127.0.0.1:45011'),
      siteList([], 'http://ci:s3cret%@127.0.0.1:45011'),
    ]);
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain('is malformed');
      expect(run.stderr).toContain('write a % itself as %25');
      expect(run.stderr).toContain('e.g. http://127.0.0.1:4281.');
      expect(run.stderr).toContain('ci:***@');
      expect(run.stderr).not.toContain('s3cret');
      expect(run.stderr).not.toContain('Cannot reach');
    }
  });
});
