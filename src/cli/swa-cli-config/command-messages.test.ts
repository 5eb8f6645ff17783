/**
 * The messages `portico deploy` and `portico build` give about swa-cli.config.json speak of their own
 * command, not of `portico start` whose resolver they share (@see tester finding: "choose another with
 * `portico start <name>`" and "nothing was started" printed by a deploy).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResolveInput } from './layers.js';
import { resolveBuildOptions } from './resolve-build.js';
import { resolveDeployOptions } from './resolve-deploy.js';
import { resolveStartOptions } from './resolve-start.js';

let project: string;

beforeEach(async () => {
  project = await mkdtemp(join(tmpdir(), 'portico-swa-cli-messages-'));
  await mkdir(join(project, 'app', 'dist'), { recursive: true });
});
afterEach(async () => {
  await rm(project, { recursive: true, force: true });
});

async function writeConfig(configurations: unknown): Promise<void> {
  await writeFile(join(project, 'swa-cli.config.json'), JSON.stringify({ configurations }, null, 2));
}

function input(extra: Partial<ResolveInput> = {}): ResolveInput {
  return { flags: {}, env: {}, cwd: project, ...extra };
}

describe('swa-cli.config.json messages of portico deploy and build', () => {
  it('with several configurations, the note says how to choose another with the same command', async () => {
    await writeConfig({ app: { appLocation: 'app', outputLocation: 'dist' }, other: {} });
    const deploy = await resolveDeployOptions(input());
    expect(deploy.notes.join('\n')).toContain(
      '(the first of 2: app, other; choose another with `portico deploy <name>` or --config-name)',
    );
    const build = await resolveBuildOptions(input());
    expect(build.notes.join('\n')).toContain('choose another with `portico build <name>`');
    const start = await resolveStartOptions(input());
    expect(start.notes.join('\n')).toContain('choose another with `portico start <name>`');
  });

  it('an invalid configuration says nothing was deployed, or built', async () => {
    await writeConfig({ app: { appLocation: 'C:\\Users\\dev\\proj\\app', outputLocation: 'dist' } });
    await expect(resolveDeployOptions(input())).rejects.toThrow(
      /swa-cli\.config\.json is invalid, so nothing was deployed:\n {2}- configurations\.app\.appLocation: .* is a Windows absolute path/,
    );
    await expect(resolveBuildOptions(input())).rejects.toThrow(/is invalid, so nothing was built:/);
    await expect(resolveStartOptions(input())).rejects.toThrow(/is invalid, so nothing was started:/);
  });

  it('a missing output folder is the folder to deploy, a usage error', async () => {
    await writeConfig({ app: { appLocation: 'app', outputLocation: 'build' } });
    await expect(resolveDeployOptions(input())).rejects.toMatchObject({
      code: 'CLI_USAGE',
      message: expect.stringMatching(/^The folder to deploy .*build does not exist/),
    });
  });

  it('a file saved as UTF-16 says so (@see tester finding)', async () => {
    const json = JSON.stringify({ configurations: { app: { appLocation: 'app', outputLocation: 'dist' } } });
    await writeFile(join(project, 'swa-cli.config.json'), Buffer.from(`\uFEFF${json}`, 'utf16le'));
    await expect(resolveDeployOptions(input())).rejects.toMatchObject({
      code: 'CLI_SWA_CONFIG_INVALID',
      message: `${join(project, 'swa-cli.config.json')} is saved as UTF-16; save it as UTF-8 (in PowerShell: Set-Content -Encoding utf8, or "Save with encoding" in your editor).`,
    });
  });
});
