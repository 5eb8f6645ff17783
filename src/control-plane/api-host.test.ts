import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileIn } from '../../test/helpers/app.js';
import { checkApiHostJson } from './api-host.js';

describe('checkApiHostJson', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-api-host-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads host.json as the Functions host does: comments and trailing commas are accepted', async () => {
    await writeFileIn(
      dir,
      'host.json',
      '{\n  // written by func init\n  "version": "2.0",\n  "extensions": { "http": { "routePrefix": "api", /* SWA */ }, },\n}\n',
    );
    await expect(checkApiHostJson(dir, 'api/host.json')).resolves.toBeUndefined();
  });

  it('still reads the settings of a host.json with comments: another routePrefix is refused', async () => {
    await writeFileIn(
      dir,
      'host.json',
      '{ "version": "2.0", // v4\n "extensions": { "http": { "routePrefix": "v1", } } }',
    );
    await expect(checkApiHostJson(dir, 'api/host.json')).rejects.toThrow(
      'api/host.json sets extensions.http.routePrefix to "v1"',
    );
  });

  it('refuses what the host refuses too, with the line and column', async () => {
    await writeFileIn(dir, 'host.json', '{\n  "version": "2.0"\n  "logging": {}\n}');
    await expect(checkApiHostJson(dir, 'api/host.json')).rejects.toThrow(
      /api\/host\.json is not valid JSON \(line 3, column 3/,
    );
  });
});
