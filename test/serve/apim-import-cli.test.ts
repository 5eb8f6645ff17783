/**
 * `portico apim api import <service> <apiId> <file|url> --path <suffix>` against a real `portico serve`
 * (in-process, real sockets): a YAML file, a JSON file, and an invalid document refused with where the
 * problem is. The CLI runs in this process, so no test waits on a process start.
 * @see issue 19 item 1 (OpenAPI import)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { PROVIDERS_PATH, removeData, startTestService, type TestService } from '../helpers/service.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/openapi/${name}`, import.meta.url));

describe('portico apim api import', () => {
  let t: TestService;

  /** Runs the CLI in this process against the service; what it printed and its exit code. */
  const cli = (args: string[]) => runCliInProcess(args, t.service.adminUrl);

  beforeAll(async () => {
    t = await startTestService();
    const created = await t.admin('PUT', `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/shop`, {
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
  });

  it('imports a YAML file and lists the operations it created', async () => {
    const result = await cli([
      'apim',
      'api',
      'import',
      'shop',
      'pets',
      fixture('petstore-3.0.yaml'),
      '--path',
      'pets',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/displayName:\s+Pet store/);
    expect(result.stdout).toMatch(/serviceUrl:\s+https:\/\/pets\.example\.com\/v1/);
    expect(result.stdout).toContain('GET /pets/{petId}');
    expect(result.stdout).toContain('POST /pets  (createPet)');
  });

  it('imports a JSON file with --json, --service-url and --no-subscription', async () => {
    const result = await cli([
      'apim',
      'api',
      'import',
      'shop',
      'inventory',
      fixture('inventory-3.1.json'),
      '--path',
      'inventory',
      '--service-url',
      'https://inventory.example.com',
      '--no-subscription',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const body = JSON.parse(result.stdout) as {
      properties: { serviceUrl: string; subscriptionRequired: boolean };
      operations: { name: string }[];
    };
    expect(body.properties).toMatchObject({
      serviceUrl: 'https://inventory.example.com',
      subscriptionRequired: false,
    });
    expect(body.operations.map((op) => op.name).sort()).toEqual(['delete-item', 'getItem']);
  });

  it('refuses an invalid document, saying where the problem is', async () => {
    const result = await cli([
      'apim',
      'api',
      'import',
      'shop',
      'broken',
      fixture('broken.yaml'),
      '--path',
      'broken',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("$.paths['/widgets'].get.responses['200'] (line 9, column 9)");
    expect(result.stderr).toContain("must have required property 'description'");
  });

  it('prints every problem the message says are listed in details, although they share their words', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-import-'));
    const file = join(dir, 'oa3.json');
    await writeFile(
      file,
      JSON.stringify({
        openapi: '3.0.3',
        info: { title: 't', version: '1' },
        paths: { '/x': { get: {} }, '/y': { get: {} } },
      }),
    );
    try {
      const result = await cli(['apim', 'api', 'import', 'shop', 'twice', file, '--path', 'twice']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('(and 1 more problem(s), listed in details)');
      expect(result.stderr).toMatch(
        /\n {2}\$\.paths\['\/y'\]\.get \(line 1, column \d+\): must have required property 'responses'/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says which file it cannot read', async () => {
    const result = await cli([
      'apim',
      'api',
      'import',
      'shop',
      'x',
      '/nonexistent/openapi.yaml',
      '--path',
      'x',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Cannot read the API definition '/nonexistent/openapi.yaml' (ENOENT)");
  });
});
