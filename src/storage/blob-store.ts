/**
 * Content-addressed storage of deployed files: each distinct content is stored once, under its SHA-256.
 * Two implementations: files on disk (embedded mode) and a database table (so that several nodes share
 * deployments; each node materialises what it serves into its own local cache).
 */
import { randomUUID } from 'node:crypto';
import { copyFile, link, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PorticoError } from '../shared/errors.js';
import type { Kysely } from '../shared/kysely.js';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../shared/private-fs.js';
import type { Database } from './schema.js';

/**
 * Where deployment contents live. Hashes are lower-case hex SHA-256, already checked by the caller.
 * Every content carries the time it was last stored or asked for, so that a sweep never removes one a
 * deployment in progress has just been told not to upload.
 */
export interface BlobStore {
  /** The hashes of `hashes` that are not stored yet; the stored ones are marked as just used. */
  missing(hashes: readonly string[]): Promise<string[]>;
  /** Stores a content; storing one that exists is a no-op. Atomic: never half a file. */
  put(sha256: string, data: Buffer): Promise<void>;
  /**
   * Stores a content from the checked file at `file` without holding it in memory where the store
   * allows it (on disk it is moved into place). The caller removes `file` afterwards if it is still there.
   */
  putFile(sha256: string, file: string): Promise<void>;
  /** Reads a content; a missing one is a system error. */
  read(sha256: string): Promise<Buffer>;
  /** Writes a content to `path` (creating folders), sharing the bytes where the store allows it. */
  copyTo(sha256: string, path: string): Promise<void>;
  /** Removes every content not in `keep` and not used since `usedBefore`; returns how many went. */
  sweep(keep: ReadonlySet<string>, usedBefore: Date): Promise<number>;
}

const HASH = /^[0-9a-f]{64}$/;

/** True for a lower-case hex SHA-256. */
export function isSha256(value: string): boolean {
  return HASH.test(value);
}

/** Files under `<dir>/<first two hex>/<hash>`, written to a temporary name and renamed into place. */
export function createDiskBlobStore(dir: string): BlobStore {
  const pathOf = (sha256: string) => join(dir, sha256.slice(0, 2), sha256);
  return {
    async missing(hashes) {
      const now = new Date();
      const checks = await Promise.all(
        hashes.map((h) =>
          utimes(pathOf(h), now, now).then(
            () => undefined,
            () => h,
          ),
        ),
      );
      return checks.filter((h): h is string => h !== undefined);
    },
    async put(sha256, data) {
      const target = pathOf(sha256);
      await makePrivateDir(dirname(target));
      const temporary = `${target}.${randomUUID()}.tmp`;
      await writeFile(temporary, data, { mode: PRIVATE_FILE_MODE });
      await rename(temporary, target);
    },
    async putFile(sha256, file) {
      const target = pathOf(sha256);
      await makePrivateDir(dirname(target));
      await rename(file, target).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EXDEV') {
          throw error;
        }
        // Another file system: copied next to its place first, so it still appears whole or not at all.
        const temporary = `${target}.${randomUUID()}.tmp`;
        await copyFile(file, temporary);
        await rename(temporary, target);
      });
    },
    async read(sha256) {
      return readFile(pathOf(sha256)).catch((cause: unknown) => {
        throw missingBlob(sha256, cause);
      });
    },
    async copyTo(sha256, path) {
      await makePrivateDir(dirname(path));
      // A link shares the stored content's mode (0600); a copy keeps it too.
      await link(pathOf(sha256), path).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') {
          throw missingBlob(sha256, error);
        }
        await copyFile(pathOf(sha256), path);
      });
    },
    async sweep(keep, usedBefore) {
      return sweepDisk(dir, keep, usedBefore.getTime());
    },
  };
}

async function sweepDisk(dir: string, keep: ReadonlySet<string>, usedBeforeMs: number): Promise<number> {
  let removed = 0;
  const prefixes = await readdir(dir).catch(() => [] as string[]);
  for (const prefix of prefixes) {
    const names = await readdir(join(dir, prefix)).catch(() => [] as string[]);
    for (const name of names) {
      if (keep.has(name) || !(isSha256(name) || name.endsWith('.tmp'))) {
        continue;
      }
      const path = join(dir, prefix, name);
      const used = await stat(path).then(
        (info) => info.mtimeMs,
        () => Number.POSITIVE_INFINITY,
      );
      if (used < usedBeforeMs) {
        await rm(path, { force: true });
        removed += 1;
      }
    }
  }
  return removed;
}

/** Contents in the `blobs` table, so every node reading the same database sees them. */
export function createDatabaseBlobStore(db: Kysely<Database>): BlobStore {
  const read = async (sha256: string): Promise<Buffer> => {
    const row = await db.selectFrom('blobs').select('data').where('sha256', '=', sha256).executeTakeFirst();
    if (row === undefined) {
      throw missingBlob(sha256);
    }
    return Buffer.from(row.data);
  };
  const put = async (sha256: string, data: Buffer): Promise<void> => {
    const usedAt = new Date().toISOString();
    await db
      .insertInto('blobs')
      .values({ sha256, size: data.length, data, used_at: usedAt })
      .onConflict((oc) => oc.column('sha256').doUpdateSet({ used_at: usedAt }))
      .execute();
  };
  return {
    async missing(hashes) {
      const present = new Set<string>();
      const now = new Date().toISOString();
      for (let i = 0; i < hashes.length; i += 500) {
        const chunk = hashes.slice(i, i + 500);
        // Marked first, then read: a sweep running meanwhile cannot remove what is reported present.
        await db.updateTable('blobs').set({ used_at: now }).where('sha256', 'in', chunk).execute();
        const rows = await db.selectFrom('blobs').select('sha256').where('sha256', 'in', chunk).execute();
        for (const row of rows) {
          present.add(row.sha256);
        }
      }
      return hashes.filter((h) => !present.has(h));
    },
    put,
    async putFile(sha256, file) {
      // One column holds the whole content, so the database driver needs it in memory: read it once.
      await put(sha256, await readFile(file));
    },
    read,
    async copyTo(sha256, path) {
      await makePrivateDir(dirname(path));
      await writeFile(path, await read(sha256), { mode: PRIVATE_FILE_MODE });
    },
    async sweep(keep, usedBefore) {
      const cutoff = usedBefore.toISOString();
      const rows = await db.selectFrom('blobs').select('sha256').where('used_at', '<', cutoff).execute();
      const gone = rows.map((r) => r.sha256).filter((h) => !keep.has(h));
      let removed = 0;
      for (let i = 0; i < gone.length; i += 500) {
        // The time is checked again: a content asked for since the read above stays.
        const result = await db
          .deleteFrom('blobs')
          .where('sha256', 'in', gone.slice(i, i + 500))
          .where('used_at', '<', cutoff)
          .executeTakeFirst();
        removed += Number(result.numDeletedRows);
      }
      return removed;
    },
  };
}

function missingBlob(sha256: string, cause?: unknown): PorticoError {
  return new PorticoError('STORAGE_BLOB_MISSING', `The stored content ${sha256} is missing.`, {
    cause: cause ?? new Error('not in the blob store'),
  });
}
