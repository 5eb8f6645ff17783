import { describe, expect, it } from 'vitest';
import { windowsShellHint } from './run.js';

describe('windowsShellHint', () => {
  it('names the cmd words that do something else, or nothing, in sh', () => {
    expect(windowsShellHint('set NODE_ENV=production&& npm run build')).toContain(
      '`set NAME=value` sets no variable',
    );
    expect(windowsShellHint('npm run build && copy a.txt dist')).toContain('use `cp`');
    expect(windowsShellHint('if exist dist rmdir /s /q dist')).toContain('`if exist` is cmd');
  });

  it('says nothing of POSIX commands', () => {
    for (const command of [
      'NODE_ENV=production npm run build',
      'npm run build && cp a b',
      'npx vite build --mode set',
    ]) {
      expect(windowsShellHint(command), command).toBeUndefined();
    }
  });
});
