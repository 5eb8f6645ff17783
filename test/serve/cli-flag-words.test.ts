/**
 * A management API refusal about a REST field, as the CLI user reads it: named by the flag they typed
 * (`--backend-url`, `--service-url`), not by the field the CLI sent (`properties.backendUrl`). In-process
 * CLI against a real `portico serve` (real sockets).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { PROVIDERS_PATH, removeData, startTestService, type TestService } from '../helpers/service.js';

describe('the CLI names the flags the user typed in the server refusals', () => {
  let t: TestService;
  let dir: string;

  /** Runs the CLI in this process against the service; what it printed and its exit code. */
  const cli = (args: string[]) => runCliInProcess(args, t.service.adminUrl);

  beforeAll(async () => {
    t = await startTestService();
    dir = await mkdtemp(join(tmpdir(), 'portico-flag-words-'));
    const created = await t.admin('PUT', `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/g1`, {
      properties: {},
    });
    expect(created.status).toBe(201);
  });
  afterEach(() => {
    process.exitCode = undefined;
  });
  afterAll(async () => {
    await t?.close();
    await removeData(t?.dataDir ?? '');
    await rm(dir ?? '', { recursive: true, force: true });
  });

  it('webapp create: --backend-url with credentials', async () => {
    const result = await cli(['webapp', 'create', 'w3', '--backend-url', 'http://user:pw@example.com']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      '--backend-url must be an absolute http:// or https:// URL without credentials',
    );
    expect(result.stderr).not.toContain('properties.');
  });

  it('apim api create: a --service-url that is no URL', async () => {
    const result = await cli([
      'apim',
      'api',
      'create',
      'g1',
      'a7',
      '--path',
      'a7',
      '--service-url',
      'notaurl',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--service-url must be an absolute http:// or https:// URL');
    expect(result.stderr).not.toContain('properties.');
  });

  it('apim api import: a document without servers asks for --service-url', async () => {
    const file = join(dir, 'no-servers.json');
    await writeFile(
      file,
      JSON.stringify({
        openapi: '3.0.3',
        info: { title: 't', version: '1' },
        paths: { '/x': { get: { responses: { 200: { description: 'ok' } } } } },
      }),
    );
    const result = await cli(['apim', 'api', 'import', 'g1', 'a9', file, '--path', 'a9']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      '--service-url is required: the document names no absolute server URL (OpenAPI servers[0].url, or Swagger host). Give the backend URL as --service-url, e.g. "https://backend.example.com/api".',
    );
  });
});
