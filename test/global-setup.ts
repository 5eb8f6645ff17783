/**
 * One temporary folder per test run: every test's temp folders (apps, data folders, browser profiles)
 * are made under it through TMPDIR, which the test workers and the processes they start inherit, and it
 * is removed when the run ends, so a run leaves nothing behind in the system's temp folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), 'portico-test-run-'));
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) {
      delete process.env.TMPDIR;
    } else {
      process.env.TMPDIR = previous;
    }
    rmSync(root, { recursive: true, force: true });
  };
}
