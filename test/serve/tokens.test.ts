/**
 * The backend tokens a site signs for its linked backends (spec/apim.md §4), and what the linked `/api`
 * path reads without a promise (`TokenService.cached`, decision 0037): a token is reused for the same call
 * for a minute, then signed again; another principal gets its own; rotated keys sign a new one at once.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ControlContext, createSite, rotateSigningKey } from '../../src/control-plane/index.js';
import { createTokenService, type TokenService } from '../../src/serve/tokens.js';
import { openDatabase, type StorageDatabase } from '../../src/storage/index.js';
import { testControlContext } from '../helpers/control-context.js';
import { createSqliteDatabase } from '../helpers/databases.js';

const HOST = 'shop.portico.test';
const AUDIENCE = 'http://contoso.azure-api.portico.test:4280';
const ALICE = Buffer.from(JSON.stringify({ userId: 'alice', userRoles: ['anonymous'] })).toString('base64');

describe('backend tokens of a site', () => {
  let storage: StorageDatabase;
  let cleanup: () => Promise<void>;
  let ctx: ControlContext;
  let siteId: string;
  let time: number;
  let tokens: TokenService;

  beforeAll(async () => {
    const created = await createSqliteDatabase();
    cleanup = created.cleanup;
    storage = await openDatabase(created.location);
    ctx = testControlContext(storage, created.dir, {
      domain: 'portico.test',
      now: () => new Date(time),
      publicUrl: (host) => `http://${host}:4280`,
      validateSettings: () => [],
    });
    time = Date.parse('2030-01-01T00:00:00Z');
    siteId = (await createSite(ctx, 'shop', 'Standard')).site.id;
  });
  afterAll(async () => {
    await storage?.close();
    await cleanup?.();
  });
  beforeEach(() => {
    tokens = createTokenService(ctx);
  });

  it('hands out the token it signed for the same call, without signing again, for a minute', async () => {
    expect(tokens.cached(HOST, AUDIENCE, undefined)).toBeUndefined();
    const token = await tokens.mint(siteId, HOST, AUDIENCE, undefined, undefined);
    expect(tokens.cached(HOST, AUDIENCE, undefined)).toBe(token);
    time += 59_000;
    expect(tokens.cached(HOST, AUDIENCE, undefined)).toBe(token);
    expect(await tokens.mint(siteId, HOST, AUDIENCE, undefined, undefined)).toBe(token);
    time += 1_000;
    expect(tokens.cached(HOST, AUDIENCE, undefined)).toBeUndefined();
    const next = await tokens.mint(siteId, HOST, AUDIENCE, undefined, undefined);
    expect(next).not.toBe(token);
    expect(decodeJwt(next).exp).toBe((decodeJwt(token).exp ?? 0) + 60);
    expect(tokens.cached(HOST, AUDIENCE, undefined)).toBe(next);
  });

  it('keeps one token per principal and audience', async () => {
    const anonymous = await tokens.mint(siteId, HOST, AUDIENCE, undefined, undefined);
    expect(tokens.cached(HOST, AUDIENCE, ALICE)).toBeUndefined();
    expect(tokens.cached(HOST, 'http://other.test', undefined)).toBeUndefined();
    const alice = await tokens.mint(siteId, HOST, AUDIENCE, ALICE, 'alice');
    expect(decodeJwt(alice)).toMatchObject({ sub: 'alice', prn: ALICE, aud: AUDIENCE });
    expect(tokens.cached(HOST, AUDIENCE, ALICE)).toBe(alice);
    expect(tokens.cached(HOST, AUDIENCE, undefined)).toBe(anonymous);
  });

  it('signs with the new key at once after a rotation', async () => {
    const before = await tokens.mint(siteId, HOST, AUDIENCE, undefined, undefined);
    await rotateSigningKey(ctx, siteId);
    // What the change log's `keys:<site>` entry makes every node do.
    tokens.forget(siteId);
    expect(tokens.cached(HOST, AUDIENCE, undefined)).toBeUndefined();
    const after = await tokens.mint(siteId, HOST, AUDIENCE, undefined, undefined);
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);
    expect(tokens.cached(HOST, AUDIENCE, undefined)).toBe(after);
  });
});
