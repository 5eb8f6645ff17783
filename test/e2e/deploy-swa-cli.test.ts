/**
 * `portico deploy` of projects laid out for Azure Static Web Apps and `swa deploy`, unchanged: a
 * staticwebapp.config.json kept beside package.json while the build goes to build/ (Microsoft's
 * react-basic sample), the SWA CLI's location flags and swa-cli.config.json.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, send, writeFileIn } from '../helpers/app.js';
import { CLI_RUNS_TIMEOUT, type RunningCli, runCli, startCli } from '../helpers/cli.js';

const FALLBACK = { navigationFallback: { rewrite: '/index.html' } };

describe('portico deploy of a project laid out for the SWA CLI', { timeout: CLI_RUNS_TIMEOUT.four }, () => {
  let dataDir: string;
  let project: string;
  let server: RunningCli;
  let adminUrl: string;
  let token: string;
  let host: string;
  const cli = (args: string[]) =>
    runCli([...args, '--url', adminUrl, '--token', token], 60_000, { cwd: project });
  const get = (hostname: string, path: string) => {
    const port = new URL(server.url).port;
    return send(`http://127.0.0.1:${port}${path}`, { headers: { host: `${hostname}:${port}` } });
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'portico-e2e-deploy-swa-'));
    project = await mkdtemp(join(tmpdir(), 'portico-react-basic-'));
    await writeFileIn(project, 'staticwebapp.config.json', JSON.stringify(FALLBACK));
    await writeFileIn(project, 'build/index.html', '<h1>react basic</h1>');
    server = await startCli(
      ['serve', '--data', dataDir, '--port', '0', '--admin-port', '0', '--domain', 'portico.test'],
      20_000,
    );
    await eventually(async () => /Management API at (http:\/\/\S+)/.test(server.stdout()));
    adminUrl = /Management API at (http:\/\/\S+)/.exec(server.stdout())?.[1] ?? '';
    token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    const created = await cli(['site', 'create', 'basic', '--json']);
    expect(created.code, created.stderr).toBe(0);
    host = (JSON.parse(created.stdout) as { properties: { defaultHostname: string } }).properties
      .defaultHostname;
  }, 40_000);
  afterAll(async () => {
    await server?.stop();
    await Promise.all([dataDir, project].map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('warns when the config stays beside the build, and deploys it with --swa-config-location', async () => {
    const plain = await cli(['deploy', 'build', '--site', 'basic']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toContain(`${join(project, 'staticwebapp.config.json')} is left out`);
    expect(plain.stderr).toContain('Pass --swa-config-location . to deploy it');
    expect((await get(host, '/products/1')).status).toBe(404);

    const withConfig = await cli(['deploy', 'build', '--site', 'basic', '--swa-config-location', '.']);
    expect(withConfig.code, withConfig.stderr).toBe(0);
    expect(withConfig.stderr).not.toContain('Warning:');
    const deep = await get(host, '/products/1');
    expect(deep.status).toBe(200);
    expect(deep.text).toContain('react basic');
  });

  it('deploys appLocation/outputLocation of swa-cli.config.json with the config found under appLocation', async () => {
    const file = join(project, 'swa-cli.config.json');
    await writeFile(
      file,
      JSON.stringify({ configurations: { basic: { appLocation: '.', outputLocation: 'build' } } }),
    );
    try {
      const deployed = await cli(['deploy', '--site', 'basic', '--env', 'cfg']);
      expect(deployed.code, deployed.stderr).toBe(0);
      expect(deployed.stderr).toContain('Using configuration "basic"');
      expect((await get(host.replace('.', '-cfg.'), '/products/1')).text).toContain('react basic');
    } finally {
      await rm(file, { force: true });
    }
  });

  it("takes swa deploy's --app-location and --output-location", async () => {
    const deployed = await cli([
      'deploy',
      '--app-location',
      '.',
      '--output-location',
      'build',
      '--site',
      'basic',
      '--env',
      'flags',
    ]);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect((await get(host.replace('.', '-flags.'), '/products/1')).text).toContain('react basic');
  });

  it("leaves out what the API's .funcignore names, node_modules with devDependencies included", async () => {
    const api = join(project, 'api');
    const files = {
      'host.json': '{"version":"2.0"}',
      'package.json': '{"name":"api","main":"dist/index.js","devDependencies":{"typescript":"*"}}',
      'dist/index.js': '',
      'src/index.ts': '',
      'tsconfig.json': '{}',
      'node_modules/typescript/lib/tsc.js': 'x'.repeat(1000),
      '.funcignore': '# func init\n*.ts\ntsconfig.json\nnode_modules/\n',
    };
    for (const [path, text] of Object.entries(files)) {
      await writeFileIn(api, path, text);
    }
    const deployed = await cli([
      'deploy',
      'build',
      '--api-location',
      'api',
      '--site',
      'basic',
      '--env',
      'api',
    ]);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stderr).toContain(`Packed 4 files (`);
    expect(deployed.stderr).toContain(
      `Left out what ${join(api, '.funcignore')} names: node_modules, src/index.ts, tsconfig.json.`,
    );
    expect(deployed.stderr).toContain("the server installs package.json's dependencies");
  });

  it('reads a .funcignore saved as UTF-16 by its byte order mark, and refuses one without (@see tester finding)', async () => {
    const api = join(project, 'api16');
    await writeFileIn(api, 'host.json', '{"version":"2.0"}');
    await writeFileIn(api, 'index.js', '');
    await writeFileIn(api, 'secret.txt', 'not for the server');
    const lines = 'secret.txt\r\n';
    const deploy = () =>
      cli(['deploy', 'build', '--api-location', 'api16', '--site', 'basic', '--env', 'api']);
    // Windows PowerShell 5.1's `"secret.txt" > .funcignore`: UTF-16 LE with a byte order mark.
    await writeFile(join(api, '.funcignore'), Buffer.from(`\uFEFF${lines}`, 'utf16le'));
    const marked = await deploy();
    expect(marked.code, marked.stderr).toBe(0);
    expect(marked.stderr).toContain(`Left out what ${join(api, '.funcignore')} names: secret.txt.`);

    await writeFile(join(api, '.funcignore'), Buffer.from(lines, 'utf16le'));
    const unmarked = await deploy();
    expect(unmarked.code).toBe(1);
    expect(unmarked.stderr).toContain(`${join(api, '.funcignore')} is saved as UTF-16; save it as UTF-8`);
    expect(unmarked.stderr).toContain('nothing was sent');
  });

  it('says what to give when nothing names the folder to deploy', async () => {
    const none = await cli(['deploy', '--site', 'basic']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('Name the folder to deploy');
  });
});
