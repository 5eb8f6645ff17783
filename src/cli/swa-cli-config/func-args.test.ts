/** `funcArgs`: the worker's Node.js options out of what the SWA CLI would pass to `func start`. */
import { describe, expect, it } from 'vitest';
import { readFuncArgs } from './func-args.js';

describe('readFuncArgs', () => {
  it("keeps the --language-worker options of VS Code's Static Web Apps debugging, and names the rest", () => {
    expect(readFuncArgs('--javascript --language-worker -- "--inspect=9229"')).toEqual({
      nodeArguments: ['--inspect=9229'],
      ignored: ['--javascript'],
    });
  });

  it('takes everything after `--`, and keeps a value with spaces together', () => {
    expect(readFuncArgs(`--language-worker -- --inspect=9229 '--title=my api' --enable-source-maps`)).toEqual(
      {
        nodeArguments: ['--inspect=9229', '--title=my api', '--enable-source-maps'],
        ignored: [],
      },
    );
  });

  it('without `--`, as Core Tools, takes nothing: all is reported as ignored', () => {
    expect(readFuncArgs('--language-worker "--inspect=9229" --verbose')).toEqual({
      ignored: ['--language-worker', '--inspect=9229', '--verbose'],
    });
  });

  it('without --language-worker, everything is for Core Tools', () => {
    expect(readFuncArgs('--javascript  --cors \\*')).toEqual({ ignored: ['--javascript', '--cors', '*'] });
    expect(readFuncArgs('--language-worker --')).toEqual({ ignored: [] });
  });
});
