import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { StaticFile } from '../types.js';
import { createCompressionCache } from './compression-cache.js';

/** An in-memory StaticFile counting its reads. */
function memoryFile(path: string, content: string, etag = '"1"'): StaticFile & { reads: number } {
  const body = Buffer.from(content);
  const file = {
    path,
    size: body.length,
    mtimeMs: 0,
    etag,
    reads: 0,
    read: async () => {
      file.reads++;
      return body;
    },
    stream: async () => Readable.from([body]),
  };
  return file;
}

const TEXT = 'lorem ipsum dolor sit amet '.repeat(400);

describe('createCompressionCache', () => {
  it('compresses with br and gzip', async () => {
    const cache = createCompressionCache();
    const file = memoryFile('/a.txt', TEXT);

    expect(brotliDecompressSync(await cache.compress(file, 'br')).toString()).toBe(TEXT);
    expect(gunzipSync(await cache.compress(file, 'gzip')).toString()).toBe(TEXT);
    expect(cache.stats()).toMatchObject({ compressions: 2, hits: 0, entries: 2 });
  });

  it('compresses a version once, including concurrent calls', async () => {
    const cache = createCompressionCache();
    const file = memoryFile('/a.txt', TEXT);
    const bodies = await Promise.all([cache.compress(file, 'br'), cache.compress(file, 'br')]);
    const again = await cache.compress(file, 'br');

    expect(file.reads).toBe(1);
    expect(bodies[0]).toBe(bodies[1]);
    expect(again).toBe(bodies[0]);
    expect(cache.stats()).toMatchObject({ compressions: 1, hits: 1 });
  });

  it('recompresses when the ETag changes and keeps one entry per path', async () => {
    const cache = createCompressionCache();
    await cache.compress(memoryFile('/a.txt', TEXT, '"1"'), 'gzip');
    const changed = await cache.compress(memoryFile('/a.txt', `${TEXT}!`, '"2"'), 'gzip');

    expect(gunzipSync(changed).toString()).toBe(`${TEXT}!`);
    expect(cache.stats()).toMatchObject({ compressions: 2, entries: 1 });
  });

  it('stays within maxBytes, evicting the oldest entry', async () => {
    const cache = createCompressionCache({ maxBytes: 2500 });
    const incompressible = (path: string) => memoryFile(path, randomBytes(1200).toString('base64'));
    const files = ['/a', '/b', '/c'].map(incompressible);
    for (const file of files) {
      await cache.compress(file, 'gzip');
    }
    const { bytes, entries } = cache.stats();

    expect(bytes).toBeLessThanOrEqual(2500);
    expect(entries).toBe(2);
    await cache.compress(files[2] ?? memoryFile('/never', ''), 'gzip');
    expect(cache.stats().hits).toBe(1);
  });

  it('does not keep a body larger than the whole budget', async () => {
    const cache = createCompressionCache({ maxBytes: 10 });
    await cache.compress(memoryFile('/a.txt', TEXT), 'gzip');

    expect(cache.stats()).toMatchObject({ compressions: 1, entries: 0, bytes: 0 });
  });

  it('forgets a failed compression so the next call retries', async () => {
    const cache = createCompressionCache();
    const file = memoryFile('/a.txt', TEXT);
    let fail = true;
    const flaky = { ...file, read: () => (fail ? Promise.reject(new Error('gone')) : file.read()) };

    await expect(cache.compress(flaky, 'br')).rejects.toThrow('gone');
    fail = false;
    expect(brotliDecompressSync(await cache.compress(flaky, 'br')).toString()).toBe(TEXT);
  });
});
