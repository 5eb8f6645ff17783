import { describe, expect, it } from 'vitest';
import type { DirectorySource, StaticFile } from '../edge/index.js';
import { matchRetiredFile, type RetiredDeployment, retireOnReplace } from './retired-deployments.js';

/** A source with `paths`, recording whether it was closed. */
function source(paths: readonly string[]): DirectorySource & { closed: boolean } {
  const files = new Map(paths.map((path) => [path, { path } as StaticFile]));
  const made = {
    root: '/',
    fileCount: files.size,
    closed: false,
    get: (path: string) => (made.closed ? undefined : files.get(path)),
    refresh: async () => undefined,
    close: async () => {
      made.closed = true;
    },
  };
  return made;
}

describe('retireOnReplace', () => {
  it('keeps the deployment a rebuild replaced, newest first, at most three, and only in their grace', async () => {
    let kept: readonly RetiredDeployment[] = [];
    const sources = ['d1', 'd2', 'd3', 'd4'].map((id) => ({ id, files: source([`/${id}.js`]) }));
    for (const [index, { id, files }] of sources.entries()) {
      kept = retireOnReplace(
        { before: { deploymentId: id, files }, kept, servedId: `d${index + 2}` },
        1_000,
        0,
      );
    }
    expect(kept.map((retired) => retired.deploymentId)).toEqual(['d4', 'd3', 'd2']);
    expect(matchRetiredFile(kept, '/d3.js', 500)?.source).toBe(sources[2]?.files);
    expect(matchRetiredFile(kept, '/d3.js', 1_000)).toBeUndefined();
    expect(retireOnReplace({ kept, servedId: 'd5' }, 1_000, 1_000)).toEqual([]);
    await Promise.all(kept.map((retired) => retired.close()));
  });

  it('does not keep a deployment served again (a rollback), nor any when nothing is served', async () => {
    const d1 = source(['/a.js']);
    const d2 = source(['/b.js']);
    const kept = retireOnReplace(
      { before: { deploymentId: 'd1', files: d1 }, kept: [], servedId: 'd2' },
      1_000,
      0,
    );
    const back = retireOnReplace(
      { before: { deploymentId: 'd2', files: d2 }, kept, servedId: 'd1' },
      1_000,
      1,
    );
    expect(back.map((retired) => retired.deploymentId)).toEqual(['d2']);
    expect(
      retireOnReplace({ before: { deploymentId: 'd1', files: d1 }, kept, servedId: null }, 1_000, 1),
    ).toEqual([]);
    expect(
      retireOnReplace({ before: { deploymentId: 'd2', files: d2 }, kept, servedId: 'd2' }, 1_000, 1),
    ).toEqual(kept);
    await Promise.all([...kept, ...back].map((retired) => retired.close()));
    expect(d1.closed && d2.closed).toBe(true);
  });
});
