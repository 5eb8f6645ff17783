/**
 * `portico start` and `portico deploy` of an API folder holding a Functions app Portico cannot run (.NET,
 * Python, a custom handler): both stop at once and say what was found and what to do, instead of starting
 * with "No functions found" (every /api call a 404), running the repo's build unasked, or deploying an API
 * that cannot load. @see docs/decisions/0077-non-node-api-folders.md
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileIn } from '../helpers/app.js';
import { CLI_RUNS_TIMEOUT, runCli } from '../helpers/cli.js';

const APIS: Record<string, Record<string, string>> = {
  dotnet: {
    'host.json': '{"version":"2.0"}',
    'api.csproj': '<Project Sdk="Microsoft.NET.Sdk" />',
    'HttpTrigger.cs': 'public static class HttpTrigger {}',
  },
  python: {
    'host.json': '{"version":"2.0"}',
    'requirements.txt': 'azure-functions',
    'function_app.py': 'import azure.functions as func\napp = func.FunctionApp()',
  },
  // A package.json for tooling (a formatter, a lint script) does not make these Node.js apps.
  'dotnet-tooling': {
    'host.json': '{"version":"2.0"}',
    'api.csproj': '<Project Sdk="Microsoft.NET.Sdk" />',
    'package.json': JSON.stringify({ devDependencies: { prettier: '^3.0.0' } }),
  },
  'python-tooling': {
    'host.json': '{\n  // func init\n  "version": "2.0",\n}',
    'requirements.txt': 'azure-functions',
    'package.json': JSON.stringify({ scripts: { lint: 'eslint .' } }),
    'local.settings.json': '{ "Values": { "FUNCTIONS_WORKER_RUNTIME": "python" } }',
  },
  'custom-handler': {
    'host.json': JSON.stringify({
      version: '2.0',
      customHandler: { description: { defaultExecutablePath: 'handler' } },
    }),
    // A build that must not run: start stops before it.
    'package.json': JSON.stringify({ main: 'dist/handler.js', scripts: { build: 'touch BUILT && exit 1' } }),
    'src/handler.ts': 'export {};',
    'hello/function.json': '{"bindings":[{"type":"httpTrigger","name":"req","direction":"in"}]}',
  },
};

const FOUND: Record<string, RegExp> = {
  dotnet: /api\.csproj: it is a \.NET Functions app/,
  python: /(requirements\.txt|function_app\.py): it is a Python Functions app/,
  'dotnet-tooling': /api\.csproj: it is a \.NET Functions app/,
  'python-tooling':
    /local\.settings\.json: it is a Python Functions app \(FUNCTIONS_WORKER_RUNTIME is "python"\)/,
  'custom-handler': /host\.json: it is a custom handler/,
};

describe('an API folder of another language', { timeout: CLI_RUNS_TIMEOUT.six }, () => {
  let project: string;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'portico-non-node-api-'));
    await writeFileIn(project, 'client/public/index.html', '<h1>app</h1>');
    for (const [name, files] of Object.entries(APIS)) {
      for (const [path, content] of Object.entries(files)) {
        await writeFileIn(project, `${name}/${path}`, content);
      }
    }
  });
  afterAll(() => rm(project, { recursive: true, force: true }));

  it.each(Object.keys(APIS))('start with a %s API stops and says how to run it', async (name) => {
    const run = await runCli(['start', 'client/public', '--api-location', name, '--port', '0'], undefined, {
      cwd: project,
    });
    expect(run.code, run.stdout).not.toBe(0);
    expect(run.stdout).not.toContain('ready at');
    expect(run.stderr).toMatch(FOUND[name] ?? /never/);
    expect(run.stderr).toContain('Portico runs Node.js Functions apps only');
    expect(run.stderr).toContain('func start');
    expect(run.stderr).toContain('--api-devserver-url http://localhost:7071');
    expect(run.stderr).not.toContain('npm run build');
    expect(existsSync(join(project, name, 'BUILT'))).toBe(false);
  });

  it.each(Object.keys(APIS))('deploy with a %s API sends nothing and says so', async (name) => {
    // No server listens there: the error comes before any connection.
    const run = await runCli(
      ['deploy', 'client/public', '--api', name, '--url', 'http://127.0.0.1:9', '--deployment-token', 'x'],
      undefined,
      { cwd: project },
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(FOUND[name] ?? /never/);
    expect(run.stderr).toContain('Portico runs Node.js Functions apps only');
    expect(run.stderr).toContain('Nothing was sent');
    expect(run.stderr).not.toMatch(/ECONNREFUSED|connect/i);
  });
});
