/**
 * `portico start --ssl` (CONTRACT §2): HTTPS with a generated localhost certificate kept in the user's
 * cache folder and reused, or with the PEM files given; real TLS requests that verify the certificate.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeApp } from '../helpers/app.js';
import { type Backend, type EchoRequest, startBackend } from '../helpers/backend.js';
import { CLI_RUNS_TIMEOUT, runCli, startCli } from '../helpers/cli.js';

let backend: Backend;
let appDir: string;
beforeAll(async () => {
  backend = await startBackend();
  appDir = await writeApp({ 'index.html': 'secure hello' });
});
afterAll(async () => {
  await backend.close();
  await rm(appDir, { recursive: true, force: true });
});

/** GET over TLS, trusting only `ca`: the certificate must be valid for the URL's host. */
async function getTrusting(url: string, ca: string): Promise<{ status: number; text: string }> {
  const dispatcher = new Agent({ connect: { ca } });
  try {
    const response = await request(url, { dispatcher });
    return { status: response.statusCode, text: await response.body.text() };
  } finally {
    await dispatcher.close();
  }
}

/** POSTs a sign-in form over TLS and returns its Set-Cookie header. */
async function postTrusting(url: string, ca: string, body: string): Promise<string> {
  const dispatcher = new Agent({ connect: { ca } });
  try {
    const response = await request(url, {
      dispatcher,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    await response.body.text();
    const cookie = response.headers['set-cookie'];
    return Array.isArray(cookie) ? cookie.join('\n') : (cookie ?? '');
  } finally {
    await dispatcher.close();
  }
}

function envWithCache(cache: string): NodeJS.ProcessEnv {
  return { ...process.env, XDG_CACHE_HOME: cache };
}

describe('portico start --ssl', { timeout: CLI_RUNS_TIMEOUT.three }, () => {
  it('generates a localhost certificate in the cache folder (0600), serves HTTPS and reuses it next time', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'portico-cache-'));
    const args = ['start', appDir, '--port', '0', '--ssl', '--api-devserver-url', backend.url];
    try {
      const first = await startCli(args, 30_000, { env: envWithCache(cache) });
      const certFile = join(cache, 'portico', 'localhost-cert.pem');
      let cert: string;
      try {
        expect(first.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        expect(first.stderr()).toContain('generated a self-signed certificate');
        cert = await readFile(certFile, 'utf8');
        expect((await stat(certFile)).mode & 0o777).toBe(0o600);
        expect((await stat(join(cache, 'portico', 'localhost-key.pem'))).mode & 0o777).toBe(0o600);
        expect(await getTrusting(`${first.url}/`, cert)).toEqual({ status: 200, text: 'secure hello' });
        const echo = JSON.parse((await getTrusting(`${first.url}/api/who`, cert)).text) as EchoRequest;
        expect(echo.headers['x-forwarded-proto']).toBe('https');
        const login = await postTrusting(`${first.url}/.auth/login/github`, cert, 'userDetails=alice');
        expect(login).toMatch(/StaticWebAppsAuthCookie=.*; Secure/i);
      } finally {
        await first.stop();
      }
      const second = await startCli(args, 30_000, { env: envWithCache(cache) });
      try {
        expect(second.stderr()).toContain('reused a self-signed certificate');
        expect(await readFile(certFile, 'utf8')).toBe(cert);
        expect((await getTrusting(`${second.url}/`, cert)).text).toBe('secure hello');
      } finally {
        await second.stop();
      }
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });

  it('serves the certificate given with --ssl-cert and --ssl-key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-pem-'));
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    await writeFile(join(dir, 'cert.pem'), pems.cert);
    await writeFile(join(dir, 'key.pem'), pems.private);
    const cli = await startCli(
      [
        'start',
        appDir,
        '--port',
        '0',
        '--ssl',
        '--ssl-cert',
        join(dir, 'cert.pem'),
        '--ssl-key',
        join(dir, 'key.pem'),
      ],
      30_000,
      { env: envWithCache(join(dir, 'cache')) },
    );
    try {
      expect(await getTrusting(`${cli.url}/`, pems.cert)).toEqual({ status: 200, text: 'secure hello' });
      expect(cli.stderr()).not.toContain('self-signed');
    } finally {
      await cli.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a key that does not match the certificate, or a missing file, is a clear error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-pem-'));
    const [a, b] = await Promise.all([
      generate(undefined, { keyType: 'ec' }),
      generate(undefined, { keyType: 'ec' }),
    ]);
    await writeFile(join(dir, 'cert.pem'), a.cert);
    await writeFile(join(dir, 'other-key.pem'), b.private);
    try {
      const mismatch = await runCli(
        [
          'start',
          appDir,
          '--port',
          '0',
          '--ssl',
          '--ssl-cert',
          join(dir, 'cert.pem'),
          '--ssl-key',
          join(dir, 'other-key.pem'),
        ],
        30_000,
      );
      expect(mismatch.code).toBe(1);
      expect(mismatch.stderr).toContain('the key does not belong to the certificate');
      // One file given as both, not PEM at all: the message names it once, as the flag at fault.
      await writeFile(join(dir, 'bad.pem'), 'not a certificate\n');
      const bad = join(dir, 'bad.pem');
      const notPem = await runCli(
        ['start', appDir, '--port', '0', '--ssl', '--ssl-cert', bad, '--ssl-key', bad],
        30_000,
      );
      expect(notPem.code).toBe(1);
      expect(notPem.stderr).toContain(`--ssl-cert ${bad}: it is not a PEM X.509 certificate`);
      expect(notPem.stderr).not.toContain(`${bad} / ${bad}`);
      const missing = await runCli(
        [
          'start',
          appDir,
          '--port',
          '0',
          '--ssl',
          '--ssl-cert',
          join(dir, 'nope.pem'),
          '--ssl-key',
          join(dir, 'other-key.pem'),
        ],
        30_000,
      );
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('nope.pem: no such file');
      const half = await runCli(
        ['start', appDir, '--port', '0', '--ssl', '--ssl-cert', join(dir, 'cert.pem')],
        30_000,
      );
      expect(half.code).toBe(1);
      expect(half.stderr).toContain('--ssl-cert and --ssl-key go together');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
