/**
 * The CLI run in the test's own process against a management API (no spawn): what it wrote to stdout and
 * stderr, and its exit code. The output streams are captured while it runs and restored after.
 */
import { vi } from 'vitest';
import { runCli } from '../../src/cli/index.js';
import { ADMIN_TOKEN } from './service.js';

/** Runs `portico <args> --url <adminUrl> --token <admin token>` in this process. */
export async function runCliInProcess(
  args: readonly string[],
  adminUrl: string,
): Promise<{ stdout: string; stderr: string; code: number }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  process.exitCode = undefined;
  try {
    await runCli(['node', 'portico', ...args, '--url', adminUrl, '--token', ADMIN_TOKEN]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { stdout, stderr, code };
}
