import { describe, expect, it } from 'vitest';
import { formatBytes, formatTable } from './output.js';
import { createUploadProgress, describeUpload } from './progress.js';

function recorder(isTTY: boolean): { isTTY: boolean; text: string; write(text: string): void } {
  return {
    isTTY,
    text: '',
    write(text) {
      this.text += text;
    },
  };
}

describe('upload progress', () => {
  it('describes files and bytes', () => {
    expect(describeUpload(12, 40, 1_200_000, 3_400_000)).toBe('Uploading 12/40 files, 1.2 MB/3.4 MB');
  });

  it('redraws one line on a terminal', () => {
    const stream = recorder(true);
    const progress = createUploadProgress(2, 2000, stream);
    progress.advance(1000);
    progress.advance(1000);
    progress.finish();
    expect(stream.text).toBe(
      '\rUploading 0/2 files, 0 B/2.0 kB\rUploading 1/2 files, 1.0 kB/2.0 kB\rUploading 2/2 files, 2.0 kB/2.0 kB\n',
    );
  });

  it('writes a line about every 10 % elsewhere', () => {
    const stream = recorder(false);
    const progress = createUploadProgress(100, 100, stream);
    for (let i = 0; i < 100; i += 1) {
      progress.advance(1);
    }
    progress.finish();
    const lines = stream.text.trimEnd().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe('Uploading 0/100 files, 0 B/100 B');
    expect(lines[10]).toBe('Uploading 100/100 files, 100 B/100 B');
  });
});

describe('output helpers', () => {
  it('formats sizes in powers of 1000', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1234)).toBe('1.2 kB');
    expect(formatBytes(3_400_000)).toBe('3.4 MB');
    expect(formatBytes(999_990)).toBe('1.0 MB');
  });

  it('aligns table columns', () => {
    expect(
      formatTable(
        ['NAME', 'PLAN'],
        [
          ['blog', 'Free'],
          ['my-shop', 'Standard'],
        ],
      ),
    ).toEqual(['NAME     PLAN', 'blog     Free', 'my-shop  Standard']);
  });
});
