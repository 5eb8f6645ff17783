/**
 * Receiving a deployment's uploads on each database and its blob store (a folder on SQLite, the
 * database on PostgreSQL): contents larger than {@link IN_MEMORY_CONTENT_BYTES} go through a temporary
 * file, which never outlives the upload; a body is refused at the size its file list declares; and an
 * upload does not read the deployment's whole file list again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commitDeployment,
  createDeployment,
  uploadDeploymentFile,
} from '../../src/control-plane/deployments.js';
import type { ControlContext } from '../../src/control-plane/index.js';
import { IN_MEMORY_CONTENT_BYTES, uploadsFolder } from '../../src/control-plane/receive-content.js';
import { createSite, type Site } from '../../src/control-plane/sites.js';
import { openDatabase, type StorageDatabase } from '../../src/storage/index.js';
import { testControlContext } from '../helpers/control-context.js';
import { testDatabases } from '../helpers/databases.js';

function content(path: string, data: Buffer) {
  return { path, size: data.length, sha256: createHash('sha256').update(data).digest('hex'), data };
}

const listing = (files: ReturnType<typeof content>[]) =>
  files.map(({ path, size, sha256 }) => ({ path, size, sha256 }));

/** A body that sends `data` and then fails, as a request whose client went away does. */
function abortedAfter(data: Buffer): Readable {
  return new Readable({
    read() {
      this.push(data);
      this.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    },
  });
}

describe.each(testDatabases())('uploads on $name', (database) => {
  let storage: StorageDatabase;
  let ctx: ControlContext;
  let cleanup: () => Promise<void>;
  let site: Site;

  beforeAll(async () => {
    const created = await database.create();
    cleanup = created.cleanup;
    storage = await openDatabase(created.location);
    ctx = testControlContext(storage, created.dir, { blobsAs: 'serve' });
    site = (await createSite(ctx, 'uploads', 'Standard')).site;
  });
  afterAll(async () => {
    await storage?.close();
    await cleanup?.();
  });

  const leftovers = async () => readdir(uploadsFolder(ctx)).catch(() => [] as string[]);
  const stored = async (sha256: string) => (await ctx.blobs.missing([sha256])).length === 0;

  it('stores a content larger than the in-memory size through a file, and serves it once committed', async () => {
    const big = content('big.bin', randomBytes(IN_MEMORY_CONTENT_BYTES * 2 + 5));
    const index = content('index.html', Buffer.from('<h1>big</h1>'));
    const { deployment } = await createDeployment(ctx, site, { app: listing([big, index]) });
    await uploadDeploymentFile(ctx, site, deployment.id, big.sha256, Readable.from([big.data]));
    await uploadDeploymentFile(ctx, site, deployment.id, index.sha256, index.data);
    expect((await ctx.blobs.read(big.sha256)).equals(big.data)).toBe(true);
    expect(await leftovers()).toEqual([]);
    expect((await commitDeployment(ctx, site, deployment.id)).status).toBe('Succeeded');
  });

  it.each([
    ['in memory', 5],
    ['through a file', IN_MEMORY_CONTENT_BYTES + 5],
  ])(
    'refuses a body larger than its listed size (%s) with 413, naming the size; nothing is stored',
    async (_how, size) => {
      const sent = content('grown.txt', randomBytes(size + 1));
      const listed = { path: 'grown.txt', size, sha256: content('', sent.data.subarray(0, size)).sha256 };
      const { deployment } = await createDeployment(ctx, site, { environment: 'grown', app: [listed] });
      const upload = uploadDeploymentFile(
        ctx,
        site,
        deployment.id,
        listed.sha256,
        Readable.from([sent.data]),
      );
      await expect(upload).rejects.toMatchObject({
        code: 'DEPLOY_FILE_MISMATCH',
        status: 413,
        message: expect.stringContaining(`larger than the ${size} bytes its listing declares`),
      });
      // A request that says so up front is refused before anything is read.
      const declared = uploadDeploymentFile(
        ctx,
        site,
        deployment.id,
        listed.sha256,
        abortedAfter(sent.data),
        size + 1,
      );
      await expect(declared).rejects.toMatchObject({ status: 413 });
      expect(await stored(listed.sha256)).toBe(false);
      expect(await leftovers()).toEqual([]);
    },
  );

  it('refuses a content whose hash does not match and leaves nothing behind', async () => {
    const listed = content('changed.bin', randomBytes(IN_MEMORY_CONTENT_BYTES + 100));
    const { deployment } = await createDeployment(ctx, site, {
      environment: 'changed',
      app: listing([listed]),
    });
    const other = randomBytes(listed.size);
    const upload = uploadDeploymentFile(ctx, site, deployment.id, listed.sha256, Readable.from([other]));
    await expect(upload).rejects.toMatchObject({ code: 'DEPLOY_FILE_MISMATCH', status: 400 });
    const short = uploadDeploymentFile(ctx, site, deployment.id, listed.sha256, listed.data.subarray(1));
    await expect(short).rejects.toMatchObject({ code: 'DEPLOY_FILE_MISMATCH', status: 400 });
    expect(await stored(listed.sha256)).toBe(false);
    expect(await leftovers()).toEqual([]);
  });

  it('removes the temporary file of an upload whose client went away', async () => {
    const listed = content('gone.bin', randomBytes(IN_MEMORY_CONTENT_BYTES * 3));
    const { deployment } = await createDeployment(ctx, site, { environment: 'gone', app: listing([listed]) });
    const half = listed.data.subarray(0, IN_MEMORY_CONTENT_BYTES * 2);
    const upload = uploadDeploymentFile(ctx, site, deployment.id, listed.sha256, abortedAfter(half));
    await expect(upload).rejects.toThrow('aborted');
    expect(await stored(listed.sha256)).toBe(false);
    expect(await leftovers()).toEqual([]);
  });

  it('reads the file list of a deployment once, not on every upload', async () => {
    let reads = 0;
    const counter: KyselyPlugin = {
      transformQuery: (args) => args.node,
      transformResult: async (args) => {
        reads += args.result.rows.filter(
          (row) => row !== null && typeof row === 'object' && 'manifest' in row,
        ).length;
        return args.result;
      },
    };
    const counted: ControlContext = { ...ctx, db: ctx.db.withPlugin(counter) };
    const files = Array.from({ length: 20 }, (_, i) =>
      content(`f/${i}.txt`, Buffer.from(`file ${i} ${Math.random()}`)),
    );
    const { deployment } = await createDeployment(counted, site, {
      environment: 'many',
      app: listing(files),
    });
    reads = 0;
    for (const f of files) {
      await uploadDeploymentFile(counted, site, deployment.id, f.sha256, f.data);
    }
    expect(reads).toBe(1);
  });
});
