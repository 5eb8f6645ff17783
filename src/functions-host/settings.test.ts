/** Settings of the worker (spec §11): local.settings.json, app-setting validation, the merged environment. */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordingLogger } from '../../test/helpers/functions-host.js';
import { PorticoError } from '../shared/errors.js';
import {
  buildWorkerEnv,
  matchReservedPrefix,
  readLocalSettings,
  SETTING_NAME,
  validateAppSettings,
} from './settings.js';

async function folderWith(settings?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-settings-'));
  if (settings !== undefined) {
    await writeFile(join(dir, 'local.settings.json'), settings);
  }
  return dir;
}

describe('readLocalSettings', () => {
  it('reads Values as strings, stringifying other values with a warning', async () => {
    const dir = await folderWith(
      '\uFEFF{ "IsEncrypted": false, "Values": { "A": "1", "N": 2, "B": true, "O": { "x": 1 } } }',
    );
    const settings = await readLocalSettings(dir);
    expect(settings.values).toEqual({ A: '1', N: '2', B: 'true', O: '{"x":1}' });
    expect(settings.warnings).toHaveLength(3);
    expect(settings.warnings[0]).toContain('Values.N is not a string; using "2"');
  });

  it('sets no variable for a null value, and warns of encrypted values and a runtime other than node', async () => {
    const dir = await folderWith(
      '{ "IsEncrypted": true, "Values": { "GONE": null, "FUNCTIONS_WORKER_RUNTIME": "python" } }',
    );
    const settings = await readLocalSettings(dir);
    expect(settings.values).toEqual({ FUNCTIONS_WORKER_RUNTIME: 'python' });
    expect(settings.warnings.join('\n')).toContain('Values.GONE is null, so it is not set');
    expect(settings.warnings.join('\n')).toContain('IsEncrypted is true');
    expect(settings.warnings.join('\n')).toContain('FUNCTIONS_WORKER_RUNTIME is "python"');
  });

  it('treats a missing file or missing Values as no settings', async () => {
    expect(await readLocalSettings(await folderWith())).toEqual({ values: {}, warnings: [] });
    expect(await readLocalSettings(await folderWith('{ "Host": {} }'))).toEqual({ values: {}, warnings: [] });
  });

  it('accepts comments and trailing commas, as Core Tools reads the file (Newtonsoft.Json)', async () => {
    const dir = await folderWith('{\n  "Values": { "A": "1", } // dev\n  /* "B": "2" */\n}');
    expect(await readLocalSettings(dir)).toEqual({ values: { A: '1' }, warnings: [] });
  });

  it('reports invalid JSON with the file, line and column', async () => {
    const dir = await folderWith('{\n  "Values": { "A": "1" } // dev\n  "Host": {}\n}');
    const error = await readLocalSettings(dir).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PorticoError);
    expect((error as PorticoError).code).toBe('FUNCTIONS_INVALID_SETTINGS');
    expect((error as PorticoError).message).toContain(`${join(dir, 'local.settings.json')}:3:3`);
    expect((error as PorticoError).message).toContain('expected "," or "}"');
  });

  it('refuses Values that is not an object', async () => {
    await expect(readLocalSettings(await folderWith('{ "Values": ["A"] }'))).rejects.toThrow(
      /"Values" must be/,
    );
    await expect(readLocalSettings(await folderWith('[]'))).rejects.toThrow(/JSON object/);
  });
});

describe('validateAppSettings', () => {
  it('accepts letters, digits, dots and underscores outside reserved prefixes', () => {
    expect(validateAppSettings({ API_KEY: 'x', 'my.setting_2': 'y', WEBSITEX: 'z' })).toEqual([]);
  });

  it('accepts FUNCTIONS_WORKER_PROCESS_COUNT from 1 to 10 despite its prefix, and refuses other values', () => {
    for (const count of ['1', '10', ' 4 ']) {
      expect(validateAppSettings({ FUNCTIONS_WORKER_PROCESS_COUNT: count }), count).toEqual([]);
    }
    for (const count of ['0', '11', '2.5', 'two', '']) {
      expect(validateAppSettings({ FUNCTIONS_WORKER_PROCESS_COUNT: count }), count).toEqual([
        expect.stringMatching(/FUNCTIONS_WORKER_PROCESS_COUNT.*whole number from 1 to 10/),
      ]);
    }
  });

  it('refuses reserved prefixes whatever their case', () => {
    for (const name of ['WEBSITE_SITE_NAME', 'websites_x', 'AzureWebJobsStorage', 'azurewebjobs', 'scm_x']) {
      expect(validateAppSettings({ [name]: 'x' }), name).toEqual([expect.stringContaining('reserved')]);
    }
    expect(matchReservedPrefix('FUNCTIONS_WORKER_RUNTIME')).toBe('FUNCTIONS_');
    expect(matchReservedPrefix('MY_FUNCTIONS_X')).toBeUndefined();
  });

  it('refuses names with other characters', () => {
    for (const name of ['my-setting', 'a b', '', 'ünicode']) {
      expect(validateAppSettings({ [name]: 'x' }), name).toEqual([expect.stringContaining("'.' and '_'")]);
    }
  });
});

describe('special JavaScript names', () => {
  it('refuses __proto__, constructor and prototype as app setting names', () => {
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      const settings = Object.fromEntries([[name, 'x']]);
      expect(validateAppSettings(settings), name).toEqual([
        expect.stringContaining(`"${name}": this name is reserved`),
      ]);
    }
    expect(validateAppSettings({ CONSTRUCTOR: 'x', my_prototype: 'x' })).toEqual([]);
  });

  it('passes such names from local settings through unharmed (a Map, not an object, holds them)', () => {
    const env = buildWorkerEnv({
      base: { PATH: '/bin' },
      localSettings: Object.fromEntries([
        ['constructor', 'local'],
        ['__proto__', 'odd'],
      ]),
    });
    expect(Object.hasOwn(env, 'constructor') && env.constructor).toBe('local');
    expect(Object.getOwnPropertyDescriptor(env, '__proto__')?.value).toBe('odd');
  });
});

describe('buildWorkerEnv', () => {
  it('never lets local settings override the real environment, and logs the skipped names', () => {
    const logger = recordingLogger();
    const env = buildWorkerEnv({
      base: { PATH: '/bin', SET: 'real', UNSET: undefined },
      localSettings: { SET: 'local', UNSET: 'local', NEW: 'local' },
      logger,
    });
    expect(env).toEqual({ PATH: '/bin', SET: 'real', UNSET: 'local', NEW: 'local' });
    expect(logger.lines).toEqual([
      "info: Skipping 'SET' from local settings as it's already defined in the environment.",
    ]);
  });

  it('never passes on the server’s own PORTICO_* variables (admin token, service key, provider secrets)', () => {
    const env = buildWorkerEnv({
      base: { PATH: '/bin', PORTICO_ADMIN_TOKEN: 'secret', portico_secret_key: 'key', PORTICOX: 'kept' },
    });
    expect(env).toEqual({ PATH: '/bin', PORTICOX: 'kept' });
  });

  it('applies app settings over both', () => {
    const env = buildWorkerEnv({
      base: { A: 'real' },
      localSettings: { B: 'local' },
      appSettings: { A: 'app', B: 'app', C: 'app' },
    });
    expect(env).toEqual({ A: 'app', B: 'app', C: 'app' });
  });
});

describe('SETTING_NAME', () => {
  it('is the rule the portal setting form checks names with before Save', async () => {
    const form = await readFile(new URL('../portal/assets/configuration.js', import.meta.url), 'utf8');
    expect(form).toContain(`const SETTING_NAME = ${String(SETTING_NAME)};`);
  });
});
