import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeUndecodable, undecodableNameOf } from './file-names.js';

describe('escapeUndecodable', () => {
  it('writes each byte that is no part of a UTF-8 character as \\xNN and keeps the rest', () => {
    expect(escapeUndecodable(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74]))).toBe('caf\\xE9.t');
    expect(escapeUndecodable(Buffer.from('café 日本'))).toBe('café 日本');
    expect(escapeUndecodable(Buffer.from([0xe6, 0x97, 0x41]))).toBe('\\xE6\\x97A');
  });
});

describe('undecodableNameOf', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-names-'));
    await mkdir(dir, { recursive: true });
    await writeFile(
      Buffer.concat([Buffer.from(`${dir}/caf`), Buffer.from([0xe9]), Buffer.from('.txt')]),
      'x',
    );
    await writeFile(join(dir, 'real\uFFFD.txt'), 'x');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('names a file whose name is not UTF-8 by its bytes', async () => {
    expect(await undecodableNameOf(dir, 'caf\uFFFD.txt')).toBe('caf\\xE9.txt');
  });

  it('leaves alone a name that is what is on disk, a real U+FFFD included', async () => {
    expect(await undecodableNameOf(dir, 'real\uFFFD.txt')).toBeUndefined();
    expect(await undecodableNameOf(dir, 'plain.txt')).toBeUndefined();
  });
});
