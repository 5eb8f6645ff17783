/**
 * A function app's content list follows the deploy's rules for each listed file (one schema,
 * `manifest.ts`), so a file a deploy refuses is refused here with the same detail.
 */
import { describe, expect, it } from 'vitest';
import { PorticoError } from '../../shared/errors.js';
import { parseDeploymentRequest } from '../manifest.js';
import { parseFunctionContent } from './function-content.js';

const GOOD = { path: 'host.json', size: 2, sha256: 'a'.repeat(64) };

function detailsOf(parse: () => unknown): unknown {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(PorticoError);
    return (error as PorticoError).details;
  }
  throw new Error('expected the list to be refused');
}

describe('function app content list', () => {
  it('takes a list of files', () => {
    expect(parseFunctionContent({ api: [GOOD] })).toEqual([GOOD]);
  });

  it.each([
    ['a hash that is not 64 lower-case hex digits', { ...GOOD, sha256: 'A'.repeat(64) }],
    ['a size that is not a whole number', { ...GOOD, size: 1.5 }],
    ['a field no file has', { ...GOOD, mode: 'x' }],
  ])('refuses %s with the detail a deploy gives', (_name, file) => {
    const content = detailsOf(() => parseFunctionContent({ api: [file] }));
    const deploy = detailsOf(() => parseDeploymentRequest({ app: [], api: [file] }, 'Free'));
    expect(content).toEqual(deploy);
  });
});
