/**
 * Commits cut off by a stop of the server (a restart, `kill -9`, a crash): a commit runs in the process
 * that received its request, and nothing finishes it once that process is gone, so its deployment would
 * stay `Uploading` until its upload expires, an hour after its start. While a commit runs, a marker file
 * `<workDir>/commits/<deployment id>` holds the id of the process running it; at start, a node fails
 * the deployments whose marker names a process that is gone (decision 0081).
 *
 * The markers are in the node's own folder, so a node never fails another node's commit (PostgreSQL
 * setups, where another node may be mid-commit); the workers of one node share the folder, so a marker
 * of a worker that still runs is left alone.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../shared/guards.js';
import { makePrivateDir } from '../shared/private-fs.js';
import { isProcessRunning } from '../shared/process-alive.js';
import type { ControlContext } from './context.js';

/** The reason an interrupted commit's deployment carries, in `error`. */
export const INTERRUPTED_COMMIT_MESSAGE =
  'Interrupted: the server stopped while this deployment was being checked and made live, so it never went live; what was live before keeps serving. Deploy again.';

function markersFolder(ctx: ControlContext): string {
  return join(ctx.workDir, 'commits');
}

/** Deployment ids are UUIDs; a file of another name in the folder is not a marker. */
const MARKER_NAME = /^[0-9a-f-]{36}$/;

/**
 * Runs the commit of deployment `id` with its marker in place. A marker that cannot be written (a full
 * disk) does not stop the commit: it only loses the early failure of an interrupted commit, whose upload
 * then expires as before.
 */
export async function whileCommitting<T>(
  ctx: ControlContext,
  id: string,
  commit: () => Promise<T>,
): Promise<T> {
  const marker = join(markersFolder(ctx), id);
  // Private as every folder of the data folder (decision 0014): a marker names a deployment.
  const written = await makePrivateDir(markersFolder(ctx))
    .then(() => writeFile(marker, `${process.pid}\n`, { mode: 0o600 }))
    .then(
      () => true,
      (error: unknown) => {
        ctx.logger.warn(`cannot mark the commit of deployment ${id} in progress: ${errorMessage(error)}`);
        return false;
      },
    );
  try {
    return await commit();
  } finally {
    if (written) {
      await rm(marker, { force: true }).catch(() => undefined);
    }
  }
}

/**
 * Fails the deployments whose commit a process of this node was running when it stopped (still
 * `Uploading`: a commit that made its deployment live or failed it is left as it ended); call it at
 * start, before the node takes requests. Returns how many it failed.
 */
export async function failInterruptedCommits(ctx: ControlContext): Promise<number> {
  const names = await readdir(markersFolder(ctx)).catch(() => [] as string[]);
  let failed = 0;
  for (const id of names.filter((name) => MARKER_NAME.test(name))) {
    const marker = join(markersFolder(ctx), id);
    const pid = Number.parseInt(await readFile(marker, 'utf8').catch(() => ''), 10);
    if (isRunning(pid)) {
      continue;
    }
    const updated = await ctx.db
      .updateTable('deployments')
      .set({ status: 'Failed', error: INTERRUPTED_COMMIT_MESSAGE, completed_at: ctx.now().toISOString() })
      .where('id', '=', id)
      .where('status', '=', 'Uploading')
      .executeTakeFirst();
    await ctx.db.deleteFrom('deployment_uploads').where('deployment_id', '=', id).execute();
    failed += Number(updated.numUpdatedRows);
    await rm(marker, { force: true });
  }
  if (failed > 0) {
    ctx.logger.info(
      `${failed} deployment(s) whose commit was cut off by a stop of this node were marked Failed`,
    );
  }
  return failed;
}

/**
 * True when process `pid` runs and is not this one (a marker of this process's id at its start is one
 * a stopped process left, whose id came round again).
 */
function isRunning(pid: number): boolean {
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isProcessRunning(pid);
}
