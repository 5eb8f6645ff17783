import { cp, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../shared/logger.js';
import { prepareApiBuild } from './build-scripts.js';

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/functions/ts-build/', import.meta.url));

async function withoutWatch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-ts-api-'));
  await cp(FIXTURE, dir, { recursive: true });
  const pkg = {
    name: 'x',
    type: 'module',
    main: 'dist/src/functions/*.js',
    scripts: { build: 'node compile.mjs' },
  };
  await writeFile(join(dir, 'package.json'), JSON.stringify(pkg));
  return dir;
}

function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger({ write: (line) => lines.push(line) }) };
}

describe('prepareApiBuild', () => {
  it('builds when the output is missing, skips when fresh, rebuilds when a source is newer', async () => {
    const dir = await withoutWatch();
    try {
      const first = capture();
      expect(await prepareApiBuild({ apiDir: dir, logger: first.logger })).toBeUndefined();
      expect(first.lines.join('\n')).toContain('is missing; running `npm run build`');
      const fresh = capture();
      await prepareApiBuild({ apiDir: dir, logger: fresh.logger });
      expect(fresh.lines).toEqual([]);
      const later = new Date(Date.now() + 60_000);
      await utimes(join(dir, 'src', 'functions', 'hello.ts'), later, later);
      const stale = capture();
      await prepareApiBuild({ apiDir: dir, logger: stale.logger });
      expect(stale.lines.join('\n')).toContain('older than its TypeScript sources');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves JavaScript apps and apps without a build script alone', async () => {
    const dir = await withoutWatch();
    try {
      await writeFile(join(dir, 'package.json'), JSON.stringify({ main: 'dist/src/functions/*.js' }));
      const quiet = capture();
      expect(await prepareApiBuild({ apiDir: dir, logger: quiet.logger })).toBeUndefined();
      await writeFile(
        join(dir, 'package.json'),
        JSON.stringify({ main: 'src/functions/*.js', scripts: { build: 'exit 1' } }),
      );
      await rm(join(dir, 'src', 'functions', 'hello.ts'));
      expect(await prepareApiBuild({ apiDir: dir, logger: quiet.logger })).toBeUndefined();
      expect(quiet.lines).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
