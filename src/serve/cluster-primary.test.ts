/**
 * The V8 flags the primary starts its workers with (decisions 0040, 0048): added by default, never over
 * a flag of the operator's own. @see test/ops/workers.test.ts (the flags on real worker processes)
 */
import { describe, expect, it } from 'vitest';
import { workerExecArgv } from './cluster-primary.js';

describe('workerExecArgv', () => {
  it('adds the larger semi-space and turns the memory reducer off', () => {
    expect(workerExecArgv(['--enable-source-maps'])).toEqual([
      '--enable-source-maps',
      '--min-semi-space-size=32',
      '--no-memory-reducer',
    ]);
  });

  it("keeps the operator's own choice of each", () => {
    expect(workerExecArgv(['--max-semi-space-size=8', '--memory-reducer'])).toEqual([
      '--max-semi-space-size=8',
      '--memory-reducer',
    ]);
    expect(workerExecArgv(['--min_semi_space_size=4'])).toEqual([
      '--min_semi_space_size=4',
      '--no-memory-reducer',
    ]);
    for (const own of ['--no_memory_reducer', '--nomemory-reducer', '--memory-reducer=false']) {
      expect(workerExecArgv([own])).toEqual([own, '--min-semi-space-size=32']);
    }
  });
});
