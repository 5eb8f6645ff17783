/**
 * Docs as tests (issue 19 item 4): the command blocks of README's `portico serve` section run as written,
 * from the repository root, against an in-process serve. Only the admin URL and token are substituted
 * (`portico` runs this checkout's built CLI, as README's alias does); `set -e` stops at the first command that fails.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { ADMIN_TOKEN, removeData, startTestService, type TestService } from '../helpers/service.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The ```sh blocks between README's `## \`portico serve\`` heading and the next `## ` heading. */
function serveBlocks(readme: string): string[] {
  const start = readme.indexOf('## `portico serve`');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

function runBash(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-c', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe("README's portico serve commands", () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService();
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('run as written against a serve', async () => {
    const blocks = serveBlocks(await readFile(`${ROOT}/README.md`, 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    const commands = blocks
      .join('\n')
      .replaceAll('http://127.0.0.1:4281', t.service.adminUrl)
      .replaceAll('$(cat .portico/admin-token)', ADMIN_TOKEN);
    const script = [
      'set -euo pipefail',
      // README's \`portico\` is \`node bin/portico.js\` in a checkout (its alias): here the checkout's built CLI.
      `portico() { node '${BIN}' "$@"; }`,
      `trap 'echo "README command failed: $BASH_COMMAND" >&2' ERR`,
      commands,
      'echo README-DONE',
    ].join('\n');
    const result = await runBash(script);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('README-DONE');
    const listed = result.stdout.indexOf('{\n  "value"');
    const sites = JSON.parse(result.stdout.slice(listed, result.stdout.indexOf('\n}\n', listed) + 2)) as {
      value: { name: string }[];
    };
    expect(sites.value.map((site) => site.name)).toContain('blog');
  }, 600_000);
});
