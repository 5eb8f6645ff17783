/** `splitWords`: the two ways Portico reads a line of arguments. */
import { describe, expect, it } from 'vitest';
import { splitWords } from './words.js';

describe('splitWords', () => {
  it('shell: both quotes group, a backslash escapes, and inside double quotes only " and \\', () => {
    expect(splitWords(`--a  "b c" 'd e' f\\ g \\* "h\\"i" "j\\k" ''`, 'shell')).toEqual([
      '--a',
      'b c',
      'd e',
      'f g',
      '*',
      'h"i',
      'j\\k',
      '',
    ]);
    expect(splitWords(`'single \\ keeps' x`, 'shell')).toEqual(['single \\ keeps', 'x']);
  });

  it('plain: white space and double quotes only; backslashes and single quotes stay', () => {
    expect(splitWords(` --require=C:\\app\\setup.js "--title=my api"\t'x' `, 'plain')).toEqual([
      '--require=C:\\app\\setup.js',
      '--title=my api',
      "'x'",
    ]);
    expect(splitWords('   ', 'plain')).toEqual([]);
  });
});
