import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quoteShellWord } from './shell-quote.js';

describe('quoteShellWord', () => {
  it('leaves a plain path as it is', () => {
    expect(quoteShellWord('/etc/portico/service-key')).toBe('/etc/portico/service-key');
  });

  it.each(['/tmp/x/dåta dir/service-key', "it's here", '$HOME/`x`', 'a\tb', '', '-n'])(
    'keeps %j one word that the shell reads back as it was',
    (word) => {
      const echoed = execFileSync('sh', ['-c', `printf '%s' ${quoteShellWord(word)}`], { encoding: 'utf8' });
      expect(echoed).toBe(word);
    },
  );
});
