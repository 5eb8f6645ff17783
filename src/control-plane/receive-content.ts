/**
 * Receiving one uploaded content of a deployment without holding it in memory: a large body is written
 * to a private temporary file under `<workDir>/uploads` as it arrives, hashed on the way, and moved
 * into the blob store only once its size and SHA-256 match the file list; a small one is read into
 * memory, never past its listed size. A body is refused as soon as it passes the listed size (413), and
 * the temporary file goes whatever happens. At most {@link UPLOAD_SLOTS} contents are received at once
 * per service, at most {@link UPLOAD_SLOTS_PER_SITE} of them for one site, so one site's slow uploads
 * cannot hold up another's deploy; the others wait, unread, for their turn (decision 0072).
 */
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { PorticoError } from '../shared/errors.js';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../shared/private-fs.js';
import {
  createKeyedSemaphore,
  createSemaphore,
  type KeyedSemaphore,
  type Semaphore,
} from '../shared/semaphore.js';
import type { ControlContext } from './context.js';
import type { ManifestFile } from './manifest.js';

/** Contents a service receives at the same time (a deploy sends 4 at once). */
export const UPLOAD_SLOTS = 8;

/** Of {@link UPLOAD_SLOTS}, what one site may hold: the most one deploy uses. */
export const UPLOAD_SLOTS_PER_SITE = 4;

/** Contents up to this size are received in memory; larger ones go through a temporary file. */
export const IN_MEMORY_CONTENT_BYTES = 1024 * 1024;

/** The body of one upload: a request (read as it arrives) or bytes already at hand. */
export type ContentBody = Readable | Buffer;

const slots = new WeakMap<ControlContext, { service: Semaphore; sites: KeyedSemaphore }>();

/** Where uploads being received are written on this node. */
export function uploadsFolder(ctx: ControlContext): string {
  return join(ctx.workDir, 'uploads');
}

/**
 * Receives the content of `listed`, which the site `siteId` deploys, from `body` and stores it under
 * its SHA-256; `length` is the size the request declares (`content-length`), refused at once when it
 * is larger than listed.
 *
 * @throws PorticoError `DEPLOY_FILE_MISMATCH`: 413 past the listed size, 400 for a body that is shorter
 *   or hashes otherwise; nothing is stored.
 */
export async function receiveContent(
  ctx: ControlContext,
  siteId: string,
  listed: ManifestFile,
  body: ContentBody,
  length?: number,
): Promise<void> {
  if (length !== undefined && length > listed.size) {
    throw tooLarge(listed);
  }
  // The site's turn first: a site at its share waits without taking one of the service's turns.
  const { service, sites } = slotsOf(ctx);
  const releaseSite = await sites.acquire(siteId);
  const release = await service.acquire();
  try {
    if (listed.size <= IN_MEMORY_CONTENT_BYTES) {
      await ctx.blobs.put(listed.sha256, await receiveInMemory(listed, body));
    } else {
      await receiveThroughFile(ctx, listed, body);
    }
  } finally {
    release();
    releaseSite();
  }
}

function slotsOf(ctx: ControlContext): { service: Semaphore; sites: KeyedSemaphore } {
  let held = slots.get(ctx);
  if (held === undefined) {
    held = { service: createSemaphore(UPLOAD_SLOTS), sites: createKeyedSemaphore(UPLOAD_SLOTS_PER_SITE) };
    slots.set(ctx, held);
  }
  return held;
}

/** The chunks of a body; leaving the loop early leaves a request open, so its refusal can be sent. */
function chunksOf(body: ContentBody): AsyncIterable<Buffer> | Iterable<Buffer> {
  return Buffer.isBuffer(body) ? [body] : body.iterator({ destroyOnReturn: false });
}

async function receiveInMemory(listed: ManifestFile, body: ContentBody): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunksOf(body)) {
    size += chunk.length;
    if (size > listed.size) {
      throw tooLarge(listed);
    }
    chunks.push(chunk);
  }
  const data = Buffer.concat(chunks);
  checkReceived(listed, data.length, createHash('sha256').update(data).digest('hex'));
  return data;
}

async function receiveThroughFile(
  ctx: ControlContext,
  listed: ManifestFile,
  body: ContentBody,
): Promise<void> {
  const folder = uploadsFolder(ctx);
  await makePrivateDir(folder);
  const file = join(folder, `${randomUUID()}.tmp`);
  try {
    const out = createWriteStream(file, { flags: 'wx', mode: PRIVATE_FILE_MODE });
    const received = await writeChecked(listed, body, out);
    checkReceived(listed, received.size, received.sha256);
    await ctx.blobs.putFile(listed.sha256, file);
  } finally {
    await rm(file, { force: true });
  }
}

/** Writes `body` to `out` (waiting when it is full) while hashing it; closes `out` either way. */
async function writeChecked(
  listed: ManifestFile,
  body: ContentBody,
  out: WriteStream,
): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  let failure: unknown;
  out.on('error', (error) => {
    failure ??= error;
  });
  try {
    for await (const chunk of chunksOf(body)) {
      size += chunk.length;
      if (size > listed.size) {
        throw tooLarge(listed);
      }
      if (failure !== undefined) {
        throw failure;
      }
      hash.update(chunk);
      if (!out.write(chunk)) {
        await drained(out);
      }
    }
  } finally {
    if (!out.closed) {
      out.end();
      await once(out, 'close').catch(() => undefined);
    }
  }
  if (failure !== undefined) {
    throw failure;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Resolves once `out` can take more, or has closed (after an error, which the caller then throws). */
function drained(out: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}

function checkReceived(listed: ManifestFile, size: number, sha256: string): void {
  if (sha256 !== listed.sha256 || size !== listed.size) {
    throw new PorticoError(
      'DEPLOY_FILE_MISMATCH',
      `The upload for ${listed.path} does not match its listing (expected ${listed.size} bytes with SHA-256 ${listed.sha256}, got ${size} bytes with ${sha256}). The file may have changed during the deploy; deploy again.`,
    );
  }
}

function tooLarge(listed: ManifestFile): PorticoError {
  return new PorticoError(
    'DEPLOY_FILE_MISMATCH',
    `The upload for ${listed.path} is larger than the ${listed.size} bytes its listing declares. The file may have changed during the deploy; deploy again.`,
    { status: 413 },
  );
}
