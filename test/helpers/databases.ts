/**
 * The storage matrix of the contract suites: embedded SQLite always, PostgreSQL when
 * `PORTICO_TEST_DATABASE_URL` names a server (CI sets it and `PORTICO_REQUIRE_POSTGRES=1`, which turns a
 * missing server into a failure instead of a skip). Each run gets a fresh database, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DatabaseLocation } from '../../src/storage/index.js';

/** One database to run a suite against. */
export interface TestDatabase {
  readonly name: 'sqlite' | 'postgres';
  /** Creates a fresh, empty database; `cleanup` drops it. */
  create(): Promise<{ location: DatabaseLocation; dir: string; cleanup(): Promise<void> }>;
}

const POSTGRES_URL = process.env.PORTICO_TEST_DATABASE_URL;

/** A fresh SQLite database in a folder of its own, for suites that run on SQLite only. */
export async function createSqliteDatabase(): Promise<{
  location: DatabaseLocation;
  dir: string;
  cleanup(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-sqlite-'));
  return {
    location: { dialect: 'sqlite', file: join(dir, 'portico.db') },
    dir,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The databases available here; prints a notice when PostgreSQL is skipped. */
export function testDatabases(): TestDatabase[] {
  const sqlite: TestDatabase = { name: 'sqlite', create: createSqliteDatabase };
  if (POSTGRES_URL === undefined || POSTGRES_URL === '') {
    if (process.env.PORTICO_REQUIRE_POSTGRES === '1') {
      throw new Error('PORTICO_REQUIRE_POSTGRES=1 but PORTICO_TEST_DATABASE_URL is not set.');
    }
    process.stderr.write(
      '\n[notice] PostgreSQL contract runs are SKIPPED: set PORTICO_TEST_DATABASE_URL=postgres://user@127.0.0.1:5432/db to run them.\n\n',
    );
    return [sqlite];
  }
  return [sqlite, { name: 'postgres', create: () => createPostgresDatabase(POSTGRES_URL) }];
}

/** True when the PostgreSQL run is configured. */
export function hasPostgres(): boolean {
  return POSTGRES_URL !== undefined && POSTGRES_URL !== '';
}

/** A fresh PostgreSQL database on the configured server. */
export async function createPostgresDatabase(
  baseUrl: string,
): Promise<{ location: DatabaseLocation; dir: string; cleanup(): Promise<void> }> {
  const name = `portico_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const dir = await mkdtemp(join(tmpdir(), 'portico-pg-'));
  return {
    location: { dialect: 'postgres', url: url.toString() },
    dir,
    async cleanup() {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const REDIS_URL = process.env.PORTICO_TEST_REDIS_URL;

/**
 * The Redis server multi-node tests use, or undefined (with a notice) when none is configured.
 * `PORTICO_REQUIRE_REDIS=1` (CI) turns a missing configuration into a failure.
 */
export function testRedisUrl(): string | undefined {
  if (REDIS_URL !== undefined && REDIS_URL !== '') {
    return REDIS_URL;
  }
  if (process.env.PORTICO_REQUIRE_REDIS === '1') {
    throw new Error('PORTICO_REQUIRE_REDIS=1 but PORTICO_TEST_REDIS_URL is not set.');
  }
  process.stderr.write(
    '\n[notice] Redis multi-node runs are SKIPPED: set PORTICO_TEST_REDIS_URL=redis://127.0.0.1:6379 to run them.\n\n',
  );
  return undefined;
}
