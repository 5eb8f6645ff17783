/** The worker's young generation (decision 0120): Portico's size unless the app or the operator set one. */
import { describe, expect, it } from 'vitest';
import { youngGenerationArgs } from './young-generation.js';

describe('youngGenerationArgs', () => {
  it('gives a dev worker 64 MB semi-spaces and a deployed one 32 MB', () => {
    expect(youngGenerationArgs({ deployed: false, env: {}, appArgs: [] })).toEqual([
      '--max-semi-space-size=64',
    ]);
    expect(youngGenerationArgs({ deployed: true, env: {}, appArgs: [] })).toEqual([
      '--max-semi-space-size=32',
    ]);
  });

  it("leaves the size to the app's own options and to NODE_OPTIONS (min or max, either spelling)", () => {
    for (const appArgs of [
      ['--max-semi-space-size=8'],
      ['--min_semi_space_size=128'],
      ['--max-semi-space-size'],
    ]) {
      expect(youngGenerationArgs({ deployed: false, env: {}, appArgs })).toEqual([]);
    }
    const env = { NODE_OPTIONS: '--enable-source-maps  --max-semi-space-size=4' };
    expect(youngGenerationArgs({ deployed: true, env, appArgs: [] })).toEqual([]);
  });

  it('is not fooled by other options that start alike', () => {
    const env = { NODE_OPTIONS: '--max-semi-space-sizes=4 --max-old-space-size=256' };
    expect(youngGenerationArgs({ deployed: true, env, appArgs: ['--semi-space-growth-factor=2'] })).toEqual([
      '--max-semi-space-size=32',
    ]);
  });
});
