/** The worker's young generation (decision 0120): Portico's size unless the app or the operator set one. */
import { describe, expect, it } from 'vitest';
import { youngGenerationArgs } from './young-generation.js';

const DEV = { deployed: false, heapLimitMb: 512, env: {}, appArgs: [] };

describe('youngGenerationArgs', () => {
  it('gives semi-spaces of an eighth of the heap limit to a dev worker, a sixteenth to a deployed one', () => {
    expect(youngGenerationArgs(DEV)).toEqual(['--max-semi-space-size=64']);
    expect(youngGenerationArgs({ ...DEV, deployed: true })).toEqual(['--max-semi-space-size=32']);
    expect(youngGenerationArgs({ ...DEV, heapLimitMb: 2048 })).toEqual(['--max-semi-space-size=256']);
  });

  it("gives none when that is no larger than V8's own 16 MB (a small heap limit)", () => {
    expect(youngGenerationArgs({ ...DEV, heapLimitMb: 128 })).toEqual([]);
    expect(youngGenerationArgs({ ...DEV, deployed: true, heapLimitMb: 256 })).toEqual([]);
  });

  it("leaves the size to the app's own options and to NODE_OPTIONS (min or max, either spelling)", () => {
    for (const appArgs of [
      ['--max-semi-space-size=8'],
      ['--min_semi_space_size=128'],
      ['--max-semi-space-size'],
    ]) {
      expect(youngGenerationArgs({ ...DEV, appArgs })).toEqual([]);
    }
    const env = { NODE_OPTIONS: '--enable-source-maps  --max-semi-space-size=4' };
    expect(youngGenerationArgs({ ...DEV, deployed: true, env })).toEqual([]);
  });

  it('is not fooled by other options that start alike', () => {
    const env = { NODE_OPTIONS: '--max-semi-space-sizes=4 --max-old-space-size=256' };
    expect(
      youngGenerationArgs({ ...DEV, deployed: true, env, appArgs: ['--semi-space-growth-factor=2'] }),
    ).toEqual(['--max-semi-space-size=32']);
  });
});
