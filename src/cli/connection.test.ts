import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_URL, findAdminToken, requireAdminToken, resolveUrl } from './connection.js';

describe('resolveUrl', () => {
  it('prefers --url, then PORTICO_URL (without trailing /), then the default', () => {
    expect(resolveUrl({ url: 'http://a:1' }, { PORTICO_URL: 'http://b:2' })).toBe('http://a:1');
    expect(resolveUrl({}, { PORTICO_URL: 'https://b:2/' })).toBe('https://b:2');
    expect(resolveUrl({}, {})).toBe(DEFAULT_URL);
    expect(resolveUrl({}, { PORTICO_URL: ' ' })).toBe(DEFAULT_URL);
  });

  it('refuses a PORTICO_URL that is not an http URL', () => {
    expect(() => resolveUrl({}, { PORTICO_URL: 'localhost:4281' })).toThrow(/PORTICO_URL must be/);
  });

  it('refuses a malformed PORTICO_URL as a usage error (exit 1), saying what a valid one looks like', () => {
    for (const [url, problem] of [
      ['http://u:s3cret@127.0.0.1:99999', 'its port 99999 is above 65535'],
      ['http://u:s3cret@127.0.0.1:45001:1', 'it has more than one :port after the host'],
      ['http://u:s3cret@[::1:45001', 'its IPv6 address has no closing ]'],
    ] as const) {
      expect(() => resolveUrl({}, { PORTICO_URL: url })).toThrow(
        expect.objectContaining({
          code: 'CLI_USAGE',
          exitCode: undefined,
          message: expect.stringContaining(
            `PORTICO_URL '${url.replace('s3cret', '***')}' is malformed: ${problem}`,
          ),
        }),
      );
    }
  });

  it('masks the whole password of a PORTICO_URL typed wrong', () => {
    for (const url of ['http//admin:s3cretPW@127.0.0.1:1', '//admin:s3cretPW@127.0.0.1:1']) {
      expect(() => resolveUrl({}, { PORTICO_URL: url })).toThrow(url.replace('s3cretPW', '***'));
    }
  });
});

describe('admin token', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-token-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prefers --token, then --token-file, then PORTICO_TOKEN', async () => {
    const file = join(dir, 'admin-token');
    await writeFile(file, 'from-file\n');
    const env = { PORTICO_TOKEN: 'from-env' };
    expect(await findAdminToken({ token: 'flag', tokenFile: file }, env)).toBe('flag');
    expect(await findAdminToken({ tokenFile: file }, env)).toBe('from-file');
    expect(await findAdminToken({}, env)).toBe('from-env');
    expect(await findAdminToken({}, {})).toBeUndefined();
  });

  it('explains a missing token or an unreadable or empty token file', async () => {
    await expect(requireAdminToken({}, {})).rejects.toMatchObject({
      code: 'CLI_CONNECTION_MISSING',
      message:
        'No admin token: pass --token or set PORTICO_TOKEN (portico serve writes it to <data>/admin-token).',
    });
    await expect(findAdminToken({ tokenFile: join(dir, 'nope') }, {})).rejects.toThrow(/ENOENT/);
    await writeFile(join(dir, 'empty'), '  \n');
    await expect(findAdminToken({ tokenFile: join(dir, 'empty') }, {})).rejects.toThrow(/is empty/);
  });
});
