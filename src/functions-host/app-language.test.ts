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

  it('says nothing of a folder that is not there (that is reported elsewhere)', () => {
    expect(findOtherFunctionsApp(join(dir, 'missing'))).toBeUndefined();
  });
});
