import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from './load.js';
import { EMPTY_CONFIG } from './types.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, readFile: vi.fn(actual.readFile) };
});

const CONFIG = 'staticwebapp.config.json';
let appDir: string;

async function put(relativePath: string, content: string): Promise<string> {
  const file = join(appDir, relativePath);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content);
  return file;
}

function configWithRoute(route: string): string {
  return JSON.stringify({ routes: [{ route, allowedRoles: ['authenticated'] }] });
}

beforeEach(async () => {
  appDir = await mkdtemp(join(tmpdir(), 'portico-config-'));
});

afterEach(async () => {
  await rm(appDir, { recursive: true, force: true });
});

describe('loadConfig: finding the file', () => {
  it('loads the config at the root of the app', async () => {
    const file = await put(CONFIG, configWithRoute('/admin/*'));
    const loaded = await loadConfig({ appDir });
    expect(loaded).toMatchObject({ ok: true, file, diagnostics: [] });
    expect(loaded.ok && loaded.config.routes[0]?.route).toBe('/admin/*');
  });

  it('prefers the root copy without walking the folders', async () => {
    const file = await put(CONFIG, configWithRoute('/root'));
    await put(`sub/${CONFIG}`, configWithRoute('/sub'));
    expect(await loadConfig({ appDir })).toMatchObject({ ok: true, file, diagnostics: [] });
  });

  it('finds a nested config and uses the shallowest of several, warning about the others', async () => {
    await put(`b/c/${CONFIG}`, configWithRoute('/deep'));
    const shallow = await put(`z/${CONFIG}`, configWithRoute('/shallow'));
    await put(`a/b/${CONFIG}`, configWithRoute('/deep-too'));
    const loaded = await loadConfig({ appDir });
    expect(loaded.file).toBe(shallow);
    expect(loaded.ok && loaded.config.routes[0]?.route).toBe('/shallow');
    expect(loaded.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'warning',
        file: shallow,
        message: expect.stringContaining('"a/b/staticwebapp.config.json"'),
      }),
    ]);
    expect(loaded.diagnostics[0]?.message).toContain('"b/c/staticwebapp.config.json"');
  });

  it('breaks ties between copies at the same depth by name', async () => {
    await put(`b/${CONFIG}`, configWithRoute('/b'));
    const first = await put(`a/${CONFIG}`, configWithRoute('/a'));
    const loaded = await loadConfig({ appDir });
    expect(loaded.file).toBe(first);
    expect(loaded.diagnostics[0]?.message).toContain('(the shallowest, and first by name at that depth)');
  });

  it('skips the folders it is told to (the build output in dev-server mode), with no duplicate warning', async () => {
    await put(`dist/${CONFIG}`, configWithRoute('/built'));
    const source = await put(`public/${CONFIG}`, configWithRoute('/source'));
    const loaded = await loadConfig({ appDir, skipDirs: [join(appDir, 'dist')] });
    expect(loaded).toMatchObject({ ok: true, file: source, diagnostics: [] });
    expect(loaded.ok && loaded.config.routes[0]?.route).toBe('/source');
  });

  it('skips node_modules and .git folders', async () => {
    await put(`node_modules/pkg/${CONFIG}`, configWithRoute('/x'));
    await put(`.git/${CONFIG}`, configWithRoute('/x'));
    await put(`.github/${CONFIG}`, configWithRoute('/x'));
    expect(await loadConfig({ appDir })).toEqual({ ok: true, config: EMPTY_CONFIG, diagnostics: [] });
  });

  it('looks in configDir instead of appDir when given', async () => {
    await put(`app/${CONFIG}`, configWithRoute('/app'));
    const file = await put(`config/${CONFIG}`, configWithRoute('/config'));
    const loaded = await loadConfig({ appDir: join(appDir, 'app'), configDir: join(appDir, 'config') });
    expect(loaded.file).toBe(file);
  });

  it('uses the empty config when there is no file', async () => {
    expect(await loadConfig({ appDir })).toEqual({ ok: true, config: EMPTY_CONFIG, diagnostics: [] });
  });

  it('fails on a config named in another case, which a case-insensitive disk would apply, instead of serving without its rules', async () => {
    const file = await put('StaticWebApp.config.json', configWithRoute('/admin/*'));
    expect(await loadConfig({ appDir })).toEqual({
      ok: false,
      diagnostics: [
        expect.objectContaining({
          severity: 'error',
          file,
          message: expect.stringContaining('rename it to staticwebapp.config.json'),
        }),
      ],
    });
  });

  it('fails when the folder to search does not exist, instead of serving without rules', async () => {
    const missing = join(appDir, 'missing');
    expect(await loadConfig({ appDir, configDir: missing })).toEqual({
      ok: false,
      diagnostics: [expect.objectContaining({ severity: 'error', file: missing })],
    });
  });
});

describe('loadConfig: legacy routes.json', () => {
  it('warns that routes.json is not supported when it is the only file', async () => {
    const legacy = await put('routes.json', '{"routes": []}');
    const loaded = await loadConfig({ appDir });
    expect(loaded).toMatchObject({ ok: true, config: EMPTY_CONFIG });
    expect(loaded.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'warning',
        file: legacy,
        message: expect.stringContaining('not supported'),
      }),
    ]);
  });

  it('serves nothing when routes.json alone limits routes to roles: its pages would be open to anyone', async () => {
    const legacy = await put(
      'routes.json',
      '{"routes": [{"route": "/secret.txt", "allowedRoles": ["admin"]}]}',
    );
    const loaded = await loadConfig({ appDir });
    expect(loaded.ok).toBe(false);
    expect(loaded.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        file: legacy,
        message: expect.stringContaining('limits routes to roles'),
      }),
    ]);
  });

  it('warns that routes.json is ignored next to a config', async () => {
    await put(CONFIG, '{}');
    const legacy = await put('routes.json', '{"routes": []}');
    const loaded = await loadConfig({ appDir });
    expect(loaded.ok).toBe(true);
    expect(loaded.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'warning',
        file: legacy,
        message: expect.stringContaining('ignored'),
      }),
    ]);
  });
});

describe('loadConfig: problems', () => {
  it('rejects a file over 20 KB and still reports its other problems', async () => {
    const padding = ' '.repeat(20 * 1024);
    const file = await put(CONFIG, `{"routez": []}${padding}`);
    const loaded = await loadConfig({ appDir });
    expect(loaded.ok).toBe(false);
    expect(loaded.diagnostics.map((d) => [d.severity, d.path, d.file])).toEqual([
      ['error', '', file],
      ['error', 'routez', file],
    ]);
    expect(loaded.diagnostics[0]?.message).toContain('20480');
  });

  it('accepts a file of exactly 20 KB', async () => {
    const text = '{}';
    await put(CONFIG, text + ' '.repeat(20 * 1024 - text.length));
    expect((await loadConfig({ appDir })).ok).toBe(true);
  });

  it('names the encoding of a file saved as UTF-16 or Latin-1, and how to save it as UTF-8', async () => {
    const json = JSON.stringify({ globalHeaders: { 'X-Cafe': 'café' } });
    const utf16 = await put(CONFIG, '');
    await writeFile(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]));
    expect(await loadConfig({ appDir })).toMatchObject({
      ok: false,
      diagnostics: [
        { severity: 'error', message: expect.stringContaining('is saved as UTF-16; save it as UTF-8') },
      ],
    });
    await writeFile(utf16, Buffer.from(json, 'latin1'));
    expect(await loadConfig({ appDir })).toMatchObject({
      ok: false,
      diagnostics: [{ severity: 'error', message: expect.stringContaining('is not UTF-8 text') }],
    });
  });

  it('reports an unreadable file as an error instead of throwing', async () => {
    const file = await put(CONFIG, '{}');
    vi.mocked(readFile).mockRejectedValueOnce(
      Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }),
    );
    const loaded = await loadConfig({ appDir });
    expect(loaded).toMatchObject({ ok: false, file });
    expect(loaded.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        file,
        message: expect.stringContaining('permission denied'),
      }),
    ]);
  });

  it('marks every diagnostic with the file and freezes the result', async () => {
    const file = await put(CONFIG, '{"routes": [{"route": "a", "statusCode": "404"}], "trailingSlash": 1}');
    const loaded = await loadConfig({ appDir });
    expect(loaded.ok).toBe(false);
    expect(loaded.diagnostics).toHaveLength(3);
    expect(loaded.diagnostics.every((d) => d.file === file)).toBe(true);
    expect(Object.isFrozen(loaded)).toBe(true);
    expect(Object.isFrozen(loaded.diagnostics)).toBe(true);
  });
});
