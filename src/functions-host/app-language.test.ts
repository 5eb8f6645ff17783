import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileIn } from '../../test/helpers/app.js';
import { findOtherFunctionsApp } from './app-language.js';

describe('findOtherFunctionsApp', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-app-language-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('names the .NET project file', async () => {
    await writeFileIn(dir, 'host.json', '{"version":"2.0"}');
    await writeFileIn(dir, 'Api.csproj', '<Project />');
    expect(findOtherFunctionsApp(dir)).toEqual({ file: 'Api.csproj', kind: 'a .NET Functions app' });
  });

  it('names a Python, Java or PowerShell project file', async () => {
    await writeFileIn(dir, 'function_app.py', 'import azure.functions');
    expect(findOtherFunctionsApp(dir)?.kind).toBe('a Python Functions app');
    await rm(join(dir, 'function_app.py'));
    await writeFileIn(dir, 'pom.xml', '<project />');
    expect(findOtherFunctionsApp(dir)).toEqual({ file: 'pom.xml', kind: 'a Java Functions app' });
    await rm(join(dir, 'pom.xml'));
    await writeFileIn(dir, 'profile.ps1', '');
    expect(findOtherFunctionsApp(dir)?.kind).toBe('a PowerShell Functions app');
  });

  it('names a custom handler, even beside a package.json', async () => {
    await writeFileIn(dir, 'package.json', '{"name":"handler","main":"server.js"}');
    await writeFileIn(
      dir,
      'host.json',
      '{\n  // the host reads comments\n  "version": "2.0",\n  "customHandler": { "description": { "defaultExecutablePath": "handler" } }\n}',
    );
    expect(findOtherFunctionsApp(dir)?.file).toBe('host.json');
  });

  it('leaves Node.js apps alone: host.json without customHandler, a TypeScript app not built yet', async () => {
    await writeFileIn(
      dir,
      'host.json',
      '{"version":"2.0","extensionBundle":{"id":"Microsoft.Azure.Functions.ExtensionBundle"}}',
    );
    await writeFileIn(dir, 'package.json', '{"main":"dist/src/functions/*.js","scripts":{"build":"tsc"}}');
    await writeFileIn(dir, 'src/functions/hello.ts', 'export {};');
    expect(findOtherFunctionsApp(dir)).toBeUndefined();
    // A stray project file beside package.json does not turn a Node.js app into another one.
    await writeFileIn(dir, 'requirements.txt', 'requests');
    expect(findOtherFunctionsApp(dir)).toBeUndefined();
  });

  it('names a .NET or Python app that also holds a package.json for tooling', async () => {
    await writeFileIn(dir, 'host.json', '{"version":"2.0"}');
    await writeFileIn(dir, 'package.json', '{"devDependencies":{"prettier":"^3.0.0"}}');
    await writeFileIn(dir, 'Api.csproj', '<Project />');
    expect(findOtherFunctionsApp(dir)).toEqual({ file: 'Api.csproj', kind: 'a .NET Functions app' });
    await rm(join(dir, 'Api.csproj'));
    await writeFileIn(dir, 'function_app.py', 'import azure.functions');
    await writeFileIn(dir, 'requirements.txt', 'azure-functions');
    expect(findOtherFunctionsApp(dir)).toEqual({ file: 'function_app.py', kind: 'a Python Functions app' });
  });

  it("goes by local.settings.json's FUNCTIONS_WORKER_RUNTIME first, comments and all, as the host does", async () => {
    await writeFileIn(dir, 'package.json', '{"scripts":{"lint":"eslint ."}}');
    await writeFileIn(dir, 'requirements.txt', 'azure-functions');
    await writeFileIn(
      dir,
      'local.settings.json',
      '{\n  "IsEncrypted": false,\n  "Values": { "FUNCTIONS_WORKER_RUNTIME": "python", } // v1 model\n}',
    );
    expect(findOtherFunctionsApp(dir)).toEqual({
      file: 'local.settings.json',
      kind: 'a Python Functions app (FUNCTIONS_WORKER_RUNTIME is "python")',
    });
    await writeFileIn(
      dir,
      'local.settings.json',
      '{"Values":{"FUNCTIONS_WORKER_RUNTIME":"dotnet-isolated"}}',
    );
    expect(findOtherFunctionsApp(dir)?.kind).toBe(
      'a .NET (isolated) Functions app (FUNCTIONS_WORKER_RUNTIME is "dotnet-isolated")',
    );
    // "node" says it is a Node.js app, whatever project file lies beside it.
    await writeFileIn(dir, 'local.settings.json', '{"Values":{"FUNCTIONS_WORKER_RUNTIME":"node"}}');
    await writeFileIn(dir, 'tools.csproj', '<Project />');
    expect(findOtherFunctionsApp(dir)).toBeUndefined();
  });

  it('a customHandler that is commented out in host.json is no custom handler', async () => {
    await writeFileIn(dir, 'package.json', '{"main":"src/functions/*.js"}');
    await writeFileIn(
      dir,
      'host.json',
      '{\n  "version": "2.0",\n  // "customHandler": { "description": { "defaultExecutablePath": "handler" } },\n}',
    );
    expect(findOtherFunctionsApp(dir)).toBeUndefined();
  });

  it('says nothing of a folder that is not there (that is reported elsewhere)', () => {
    expect(findOtherFunctionsApp(join(dir, 'missing'))).toBeUndefined();
  });
});
