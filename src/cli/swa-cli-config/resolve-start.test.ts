import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toSwaCliFlags } from './flags.js';
import type { ResolveInput } from './layers.js';
import { resolveStartOptions } from './resolve-start.js';

let project: string;

beforeEach(async () => {
  project = await mkdtemp(join(tmpdir(), 'portico-swa-cli-'));
  await mkdir(join(project, 'app', 'dist'), { recursive: true });
  await mkdir(join(project, 'api'), { recursive: true });
});
afterEach(async () => {
  await rm(project, { recursive: true, force: true });
});

async function writeConfig(configurations: unknown): Promise<void> {
  await writeFile(join(project, 'swa-cli.config.json'), JSON.stringify({ configurations }, null, 2));
}

function resolveIn(input: Partial<ResolveInput> = {}) {
  return resolveStartOptions({ flags: {}, env: {}, cwd: project, ...input });
}

describe('resolveStartOptions', () => {
  it('neither uses nor checks the deploy variables a pipeline shell may keep', async () => {
    const env = { SWA_CLI_DEPLOY_ENV: 'feature/x', SWA_CLI_DEPLOY_DRY_RUN: 'maybe' };
    expect((await resolveIn({ env })).port).toBe(4280);
  });

  it('takes an IPv6 host written as in a URL ([::1]) as the bare address', async () => {
    expect((await resolveIn({ flags: { host: '[::1]' } })).host).toBe('::1');
    expect((await resolveIn({ env: { SWA_CLI_HOST: '[::]' } })).host).toBe('::');
    expect((await resolveIn({ flags: { host: '[example]' } })).host).toBe('[example]');
  });

  it('without a file or flags serves the working directory on 127.0.0.1:4280', async () => {
    const resolved = await resolveIn();
    expect(resolved).toMatchObject({ appDir: project, configDir: project, port: 4280, host: '127.0.0.1' });
    expect(resolved.ssl).toBe(false);
    expect(resolved.configuration).toBeUndefined();
  });

  it('a swa-cli.config.json folder in the working folder is refused without speaking of a --config not given', async () => {
    await mkdir(join(project, 'swa-cli.config.json'));
    const file = join(project, 'swa-cli.config.json');
    await expect(resolveIn()).rejects.toThrow(
      `${file} is a folder, where Portico reads the SWA CLI's project file (options of start, build and deploy) unasked: rename or remove that folder, or pass --config <file> to read another file.`,
    );
    await expect(resolveIn({ configPath: file })).rejects.toThrow(
      `${file} is a folder: --config takes the file itself`,
    );
  });

  it('a positional folder without a file is the app folder and holds the config (portico start <appDir>)', async () => {
    const resolved = await resolveIn({ positional: 'app/dist' });
    expect(resolved.appDir).toBe(join(project, 'app', 'dist'));
    expect(resolved.configDir).toBe(join(project, 'app', 'dist'));
  });

  it('the only configuration applies: appLocation/outputLocation served, appLocation holds the config', async () => {
    await writeConfig({
      web: { appLocation: 'app', outputLocation: 'dist', apiLocation: 'api', port: 4000, host: '0.0.0.0' },
    });
    const resolved = await resolveIn();
    expect(resolved).toMatchObject({
      appDir: join(project, 'app', 'dist'),
      configDir: join(project, 'app'),
      apiDir: join(project, 'api'),
      port: 4000,
      host: '0.0.0.0',
      configuration: { name: 'web', file: join(project, 'swa-cli.config.json') },
    });
  });

  it('reads empty folder flags as not set, as "" in the file: a workflow\'s empty input means no API, not "."', async () => {
    await writeConfig({ web: { appLocation: 'app', outputLocation: 'dist' } });
    const flags = toSwaCliFlags({
      apiLocation: '',
      appLocation: '',
      outputLocation: ' ',
      swaConfigLocation: '',
    });
    const resolved = await resolveIn({ flags });
    expect(resolved.apiDir).toBeUndefined();
    expect(resolved.appDir).toBe(join(project, 'app', 'dist'));
    expect(resolved.configDir).toBe(join(project, 'app'));
    expect(toSwaCliFlags({ api: '', apiLocation: 'api' })).toEqual({ apiLocation: 'api' });
  });

  it('reads Windows separators as /, saying so, and refuses a drive letter', async () => {
    await writeConfig({ web: { appLocation: '.\\app', outputLocation: 'dist\\', apiLocation: 'api\\' } });
    const resolved = await resolveIn();
    expect(resolved.appDir).toBe(join(project, 'app', 'dist'));
    expect(resolved.apiDir).toBe(join(project, 'api'));
    expect(resolved.warnings.join('\n')).toContain('"api\\\\" uses Windows separators; read as "api/"');
    await writeConfig({ web: { appLocation: 'C:\\Users\\dev\\proj\\app' } });
    await expect(resolveIn()).rejects.toThrow(/is a Windows absolute path, which names no folder here/);
  });

  it('paths in the file are relative to the file, wherever the command runs', async () => {
    await writeConfig({ web: { appLocation: 'app', outputLocation: 'dist' } });
    const resolved = await resolveIn({
      cwd: join(project, 'api'),
      configPath: join(project, 'swa-cli.config.json'),
    });
    expect(resolved.appDir).toBe(join(project, 'app', 'dist'));
  });

  it('swaConfigLocation, ssl, sslCert, sslKey, open and the dev-server keys are read', async () => {
    await writeConfig({
      web: {
        appLocation: 'app',
        swaConfigLocation: 'api',
        ssl: true,
        sslCert: 'c.pem',
        sslKey: 'k.pem',
        open: true,
        appDevserverUrl: 'http://localhost:5173/',
        run: 'npm run dev',
        devserverTimeout: 90,
      },
    });
    const resolved = await resolveIn();
    expect(resolved).toMatchObject({
      configDir: join(project, 'api'),
      ssl: true,
      sslCert: join(project, 'c.pem'),
      sslKey: join(project, 'k.pem'),
      open: true,
      appDevserverUrl: 'http://localhost:5173',
      run: 'npm run dev',
      devserverTimeoutSeconds: 90,
      devserverTimeoutSetting: 'devserverTimeout in swa-cli.config.json',
      appLocation: join(project, 'app'),
    });
    expect(resolved.appDir).toBeUndefined();
  });

  it('in dev-server mode, the config is not looked for in the build output (its copy is the old one)', async () => {
    await writeConfig({
      web: { appLocation: 'app', outputLocation: 'dist', appDevserverUrl: 'http://localhost:5173' },
    });
    const resolved = await resolveIn();
    expect(resolved).toMatchObject({
      configDir: join(project, 'app'),
      configSkipDir: join(project, 'app', 'dist'),
    });
    // A config location the developer names is searched as it is.
    await writeConfig({
      web: {
        appLocation: 'app',
        outputLocation: 'dist',
        appDevserverUrl: 'http://localhost:5173',
        swaConfigLocation: 'app',
      },
    });
    expect((await resolveIn()).configSkipDir).toBeUndefined();
  });

  it('warns of what it does not use: a folder beside --app-devserver-url, a certificate without ssl', async () => {
    const resolved = await resolveIn({
      positional: 'app',
      flags: { appDevserverUrl: 'http://localhost:5173', sslCert: 'c.pem' },
    });
    expect(resolved.warnings).toEqual([
      'the folder app is not served: with --app-devserver-url the dev server serves the app (as in the SWA CLI); use --swa-config-location for where its staticwebapp.config.json is',
      'sslCert is given without ssl, so Portico serves plain HTTP and does not read it; add --ssl (or "ssl": true) to serve HTTPS with it',
    ]);
  });

  it('names where a missing apiLocation came from: the file or SWA_CLI_API_LOCATION', async () => {
    await writeConfig({ web: { appLocation: 'app', outputLocation: 'dist', apiLocation: 'functions' } });
    await expect(resolveIn()).rejects.toThrow(
      `swa-cli.config.json: apiLocation "functions" names ${join(project, 'functions')}, which is not a folder. Fix the path (it is relative to the file's folder), or remove it to start without an API.`,
    );
    await writeConfig({ web: { appLocation: 'app', outputLocation: 'dist' } });
    await expect(resolveIn({ env: { SWA_CLI_API_LOCATION: 'nope' } })).rejects.toThrow(
      /^SWA_CLI_API_LOCATION "nope" names .*nope, which is not a folder/,
    );
  });

  it('flags win over the file, which wins over SWA_CLI_* variables', async () => {
    await writeConfig({ web: { port: 4000, host: 'localhost', outputLocation: 'app' } });
    const env = {
      SWA_CLI_PORT: '5000',
      SWA_CLI_HOST: '::1',
      SWA_CLI_APP_SSL: 'true',
      SWA_CLI_OUTPUT_LOCATION: 'api',
    };
    const resolved = await resolveIn({ flags: { port: 0 }, env });
    expect(resolved).toMatchObject({ port: 0, host: 'localhost', ssl: true, appDir: join(project, 'app') });
  });

  it('SWA_CLI_* variables apply without a file', async () => {
    const env = {
      SWA_CLI_APP_LOCATION: 'app',
      SWA_CLI_OUTPUT_LOCATION: 'dist',
      SWA_CLI_API_DEVSERVER_URL: 'http://127.0.0.1:7071',
      SWA_CLI_OPEN_BROWSER: '1',
      SWA_RUNTIME_CONFIG_LOCATION: 'api',
    };
    const resolved = await resolveIn({ env });
    expect(resolved).toMatchObject({
      appDir: join(project, 'app', 'dist'),
      configDir: join(project, 'api'),
      apiDevserverUrl: 'http://127.0.0.1:7071',
      open: true,
    });
  });

  it('a bad SWA_CLI_* value names the variable', async () => {
    await expect(resolveIn({ env: { SWA_CLI_PORT: 'eighty' } })).rejects.toThrow(
      /SWA_CLI_PORT: expected a port/,
    );
  });

  it('a devserverTimeout longer than a timer can wait is refused, with the limit', async () => {
    await writeConfig({ web: { devserverTimeout: 3_000_000 } });
    await expect(resolveIn()).rejects.toThrow(
      /devserverTimeout: expected a positive number of seconds up to 2147483/,
    );
  });

  it('an /api URL flag replaces the file apiLocation (the /api backend moves as one)', async () => {
    await writeConfig({ web: { apiLocation: 'api' } });
    const resolved = await resolveIn({ flags: { apiDevserverUrl: 'http://127.0.0.1:7071' } });
    expect(resolved.apiDir).toBeUndefined();
    expect(resolved.apiDevserverUrl).toBe('http://127.0.0.1:7071');
  });

  it('a positional configuration name selects it; a positional folder or URL leaves the file unused, as the SWA CLI does', async () => {
    await writeConfig({
      one: { outputLocation: 'api', run: 'vite --port 5999', apiLocation: 'api' },
      two: { appLocation: 'app', outputLocation: 'dist' },
    });
    expect((await resolveIn({ positional: 'two' })).appDir).toBe(join(project, 'app', 'dist'));
    const folder = await resolveIn({ positional: 'app' });
    expect(folder.appDir).toBe(join(project, 'app'));
    expect(folder.configuration).toBeUndefined();
    expect(folder.apiDir).toBeUndefined();
    expect(folder.notes.join('\n')).toContain('a folder was given, not one of its configurations (one, two)');
    const url = await resolveIn({ positional: 'http://localhost:5173' });
    expect([url.appDevserverUrl, url.run, url.configuration]).toEqual([
      'http://localhost:5173',
      undefined,
      undefined,
    ]);
    // --config-name still picks one beside the argument.
    expect((await resolveIn({ positional: 'app', configName: 'one' })).configuration?.name).toBe('one');
    // A folder missing here is not looked for under a configuration's appLocation (app/dist exists).
    await writeConfig({ web: { appLocation: 'app', outputLocation: 'public', port: 1 } });
    await expect(resolveIn({ positional: 'dist' })).rejects.toThrow(
      /"dist" is neither a folder nor a configuration name/,
    );
  });

  it('with several configurations and no name, the first is used and the note lists the names', async () => {
    await writeConfig({ one: {}, two: {} });
    const resolved = await resolveIn();
    expect(resolved.configuration?.name).toBe('one');
    expect(resolved.notes.join('\n')).toContain('one, two');
  });

  it('an unknown configuration name lists the names the file has', async () => {
    await writeConfig({ one: {}, two: {} });
    await expect(resolveIn({ positional: 'three' })).rejects.toThrow(
      /no configuration named "three" \(it has: one, two\)/,
    );
    await expect(resolveIn({ configName: 'three' })).rejects.toThrow(/it has: one, two/);
  });

  it("funcArgs' --language-worker options go to the API's worker; the rest is named as ignored", async () => {
    await writeConfig({
      web: { apiLocation: 'api', funcArgs: '--javascript --language-worker -- "--inspect=9229"' },
    });
    const resolved = await resolveIn();
    expect(resolved.apiNodeArguments).toEqual(['--inspect=9229']);
    expect(resolved.warnings).toContain(
      'swa-cli.config.json: funcArgs: Portico runs the Functions app without Core Tools (`func`), so it ignores --javascript; it keeps only --language-worker -- <Node.js options>',
    );
    const flagged = await resolveIn({ flags: { funcArgs: '--language-worker -- --inspect-brk' } });
    expect(flagged.apiNodeArguments).toEqual(['--inspect-brk']);
    expect(flagged.warnings).toEqual([]);
  });

  it('--func-args without an API Portico runs is said to apply to nothing', async () => {
    const resolved = await resolveIn({ flags: { funcArgs: '--language-worker -- --inspect' } });
    expect(resolved.apiNodeArguments).toBeUndefined();
    expect(resolved.warnings).toContain(
      '--func-args: --language-worker applies to the API Portico runs (apiLocation); there is none',
    );
  });

  it('a per-command "start" object overrides the configuration for start', async () => {
    await writeConfig({ web: { port: 4000, start: { port: 4100 } } });
    expect((await resolveIn()).port).toBe(4100);
  });

  it('unknown and ignored keys are warnings that say why; quoted numbers are accepted with a warning', async () => {
    await writeConfig({ web: { prot: 1, apiPort: 7071, dataApiLocation: 'db', port: '4000' } });
    const resolved = await resolveIn();
    const warnings = resolved.warnings.join('\n');
    expect(warnings).toContain('configurations.web.prot is not an option');
    expect(warnings).toContain('did you mean "port"');
    expect(warnings).toContain('configurations.web.apiPort is ignored');
    expect(warnings).toContain('configurations.web.dataApiLocation is ignored');
    expect(warnings).toContain('configurations.web.port: write the number without quotes');
    expect(resolved.port).toBe(4000);
  });

  it('an empty location is read as not set, as the SWA CLI and workflow files do', async () => {
    await writeConfig({ web: { appLocation: '', outputLocation: '', apiLocation: '' } });
    const resolved = await resolveIn();
    expect(resolved.appDir).toBe(project);
    expect(resolved.apiDir).toBeUndefined();
    expect(resolved.warnings.join('\n')).toContain(
      'configurations.web.apiLocation is "", so it is read as not set',
    );
  });

  it('an API in another language than Node.js is an error that says how to run it, not a warning', async () => {
    await writeConfig({ web: { apiLocation: 'api', apiLanguage: 'python', apiVersion: '3.11' } });
    await expect(resolveIn()).rejects.toThrow(
      /apiLanguage: the API is "python".*func start.*apiDevserverUrl/,
    );
  });

  it('says nothing of apiLanguage "node" (in any case): it is what Portico runs', async () => {
    await writeConfig({ web: { apiLocation: 'api', apiLanguage: 'Node' } });
    expect((await resolveIn()).warnings.join('\n')).not.toContain('apiLanguage');
  });

  it('wrong types are errors listing every path, and nothing is applied', async () => {
    await writeConfig({ web: { port: 'x', ssl: 'maybe', appDevserverUrl: 'localhost:3000' } });
    const error = (await resolveIn().then(
      () => new Error('resolved'),
      (e: unknown) => e,
    )) as Error;
    expect(error.message).toContain('configurations.web.port: expected a port number');
    expect(error.message).toContain('configurations.web.ssl: expected true or false');
    expect(error.message).toContain(
      'configurations.web.appDevserverUrl: expected an http:// or https:// URL',
    );
  });

  it('invalid JSON names the line and column', async () => {
    await writeFile(
      join(project, 'swa-cli.config.json'),
      '{\n  "configurations": {\n    "web": { "port": 1, }\n  }\n}',
    );
    await expect(resolveIn()).rejects.toThrow(/swa-cli\.config\.json:3:25: expected a property name/);
  });

  it('a file saved as UTF-16, with or without its mark, says so instead of a JSON error (@see tester finding)', async () => {
    const json = JSON.stringify({ configurations: { web: { appLocation: 'app' } } });
    for (const text of [`\uFEFF${json}`, json]) {
      await writeFile(join(project, 'swa-cli.config.json'), Buffer.from(text, 'utf16le'));
      await expect(resolveIn()).rejects.toThrow(
        `${join(project, 'swa-cli.config.json')} is saved as UTF-16; save it as UTF-8 (in PowerShell: Set-Content -Encoding utf8`,
      );
    }
  });

  it('the positional URL and --app-devserver-url cannot both be given', async () => {
    await expect(
      resolveIn({ positional: 'http://localhost:3000', flags: { appDevserverUrl: 'http://localhost:4000' } }),
    ).rejects.toThrow(/not both/);
  });

  it('a missing outputLocation says which folder was expected', async () => {
    await writeConfig({ web: { appLocation: 'app', outputLocation: 'build' } });
    await expect(resolveIn()).rejects.toThrow(/build.*does not exist.*portico build/);
  });
});
