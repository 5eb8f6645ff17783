/**
 * The upload step of `portico deploy`: sends each content the server lacks once (files with the same
 * SHA-256 share one upload), a few at a time, with a progress line on stderr.
 */
import type { CreatedDeployment, DeployClient, PackedFolder } from '../client/index.js';
import { PorticoError } from '../shared/errors.js';
import { writeNote } from './output.js';
import { createUploadProgress } from './progress.js';

/** Uploads running at the same time. */
const PARALLEL_UPLOADS = 4;

interface Upload {
  readonly sha256: string;
  readonly file: string;
  readonly size: number;
}

/** Uploads every content of `created.missing`, reading it from the packed folders. */
export async function uploadMissing(
  client: DeployClient,
  created: CreatedDeployment,
  folders: readonly PackedFolder[],
): Promise<void> {
  const uploads = planUploads(created.missing, folders);
  if (uploads.length === 0) {
    writeNote('The server already has every file; nothing to upload.');
    return;
  }
  const progress = createUploadProgress(
    uploads.length,
    uploads.reduce((total, upload) => total + upload.size, 0),
  );
  try {
    await runLimited(uploads, PARALLEL_UPLOADS, async (upload) => {
      // Streamed from the file as it is sent: a large file is never whole in memory.
      await client.uploadFile(created.id, upload.sha256, { path: upload.file, size: upload.size });
      progress.advance(upload.size);
    });
  } finally {
    progress.finish();
  }
}

/** One upload per missing hash, from the first packed file that has it. */
export function planUploads(missing: readonly string[], folders: readonly PackedFolder[]): Upload[] {
  const sources = new Map<string, Upload>();
  for (const folder of folders) {
    for (const file of folder.files) {
      if (!sources.has(file.sha256)) {
        sources.set(file.sha256, { sha256: file.sha256, file: folder.absolute(file.path), size: file.size });
      }
    }
  }
  return [...new Set(missing)].map((sha256) => {
    const upload = sources.get(sha256);
    if (upload === undefined) {
      throw new PorticoError(
        'CLIENT_REQUEST_FAILED',
        `The server asked for a content (${sha256}) that this deploy does not contain; deploy again.`,
      );
    }
    return upload;
  });
}

/** Runs `task` over `items`, at most `limit` at once; stops taking new items after a failure. */
async function runLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next] as T;
      next += 1;
      try {
        await task(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
