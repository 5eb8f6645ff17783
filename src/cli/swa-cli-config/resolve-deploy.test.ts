/**
 * What `portico deploy` takes from the SWA CLI's deploy settings: the environment (`--env`, the
 * configuration's `env`, `SWA_CLI_DEPLOY_ENV`, in that order) and the dry run it refuses.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResolveInput } from './layers.js';
import { readDeployVariables, resolveDeployOptions } from './resolve-deploy.js';

let project: string;

beforeEach(async () => {
  project = await mkdtemp(join(tmpdir(), 'portico-swa-deploy-'));
  await mkdir(join(project, 'dist'), { recursive: true });
});
afterEach(async () => {
  await rm(project, { recursive: true, force: true });
});

async function writeConfig(options: Record<string, unknown>): Promise<void> {
  const configurations = { web: { outputLocation: 'dist', ...options } };
  await writeFile(join(project, 'swa-cli.config.json'), JSON.stringify({ configurations }));
}

function resolveIn(input: Partial<ResolveInput> = {}) {
  return resolveDeployOptions({ positional: 'dist', flags: {}, env: {}, cwd: project, ...input });
}

describe('resolveDeployOptions: the environment', () => {
  it('is production unless something names another', async () => {
    expect((await resolveIn()).environment).toBe('production');
  });

  it('comes from --env, else the configuration, else SWA_CLI_DEPLOY_ENV', async () => {
    await writeConfig({ env: 'fromfile' });
    const env = { SWA_CLI_DEPLOY_ENV: 'fromvar' };
    expect((await resolveIn({ positional: undefined, env })).environment).toBe('fromfile');
    expect((await resolveIn({ positional: undefined, env, flags: { env: 'fromflag' } })).environment).toBe(
      'fromflag',
    );
    expect((await resolveIn({ env })).environment).toBe('fromvar');
    expect((await resolveIn({ env: { SWA_CLI_DEPLOY_ENV: 'Default' } })).environment).toBe('production');
  });

  it('names the variable when its value is no environment name', async () => {
    await expect(resolveIn({ env: { SWA_CLI_DEPLOY_ENV: 'feature/x' } })).rejects.toThrow(
      /SWA_CLI_DEPLOY_ENV: expected 'production'.*got "feature\/x"/,
    );
  });
});

describe('resolveDeployOptions: a dry run', () => {
  it('is refused, from the variable or the file, naming where it was asked for', async () => {
    await expect(resolveIn({ env: { SWA_CLI_DEPLOY_DRY_RUN: '1' } })).rejects.toThrow(
      /SWA_CLI_DEPLOY_DRY_RUN=1 asks for a dry run.*nothing was sent/,
    );
    await writeConfig({ dryRun: true });
    await expect(resolveIn({ positional: undefined })).rejects.toThrow(
      /"dryRun": true in swa-cli.config.json asks for a dry run/,
    );
  });

  it('quotes the variable as the user set it, for rollback and close too', () => {
    for (const value of ['1', 'TRUE']) {
      expect(() => readDeployVariables({ SWA_CLI_DEPLOY_DRY_RUN: value }, 'rollback')).toThrow(
        `SWA_CLI_DEPLOY_DRY_RUN=${value} asks for a dry run, which portico deploy rollback does not have`,
      );
    }
  });

  it('set to false deploys, with a warning for each SWA CLI deploy variable Portico ignores', async () => {
    const env = { SWA_CLI_DEPLOY_DRY_RUN: 'false', SWA_CLI_APP_NAME: 'my-app', SWA_CLI_API_VERSION: '' };
    const resolved = await resolveIn({ env });
    expect(resolved.warnings).toEqual([
      expect.stringMatching(/^SWA_CLI_APP_NAME is set, and portico deploy ignores it/),
    ]);
  });
});
