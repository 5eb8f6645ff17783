/**
 * Uploads that never finish (a killed client, a lost connection): a deployment must be committed within
 * {@link UPLOAD_EXPIRY_MS} of its start. After that it expires: it is marked `Failed` with the reason
 * (Azure's word for a deploy that did not go live; see docs/rest-api.md), and its contents stop being
 * held, so the content sweep removes those no other deployment uses. Expiry is applied when the service
 * starts, every {@link UPLOAD_CHECK_INTERVAL_MS}, and whenever an environment's deployments are read or
 * the upload itself is touched, so nobody ever sees a stale `Uploading` (`expireUploads` in
 * deployments.ts), which then sweeps the contents not used within the expiry: whoever used one last
 * was an upload that has expired too, or a live deployment that holds it. The hourly sweep keeps
 * unused contents for twice the expiry, a margin for clocks that differ between nodes.
 */

import { countOf } from '../shared/count.js';
import type { ControlContext } from './context.js';

/** How long a deployment may take from its start to its commit: 1 hour. */
export const UPLOAD_EXPIRY_MS = 60 * 60_000;

/** How often a running service looks for expired uploads. */
export const UPLOAD_CHECK_INTERVAL_MS = 5 * 60_000;

/** The expiry time of a context (configurable for tests through the service options). */
export function uploadExpiryOf(ctx: ControlContext): number {
  return ctx.uploadExpiryMs ?? UPLOAD_EXPIRY_MS;
}

/** The reason an expired deployment carries, in `error`. */
export function expiredUploadMessage(ctx: ControlContext): string {
  const minutes = Math.max(1, Math.round(uploadExpiryOf(ctx) / 60_000));
  return `Upload expired: the deployment was not committed within ${countOf(minutes, 'minute')} of its start, so its uploaded files were released. Deploy again.`;
}

/** True when an `Uploading` deployment created at `createdAt` has expired. */
export function isUploadExpired(ctx: ControlContext, createdAt: string): boolean {
  return Date.parse(createdAt) < ctx.now().getTime() - uploadExpiryOf(ctx);
}

/** How long contents nobody refers to are kept after their last use: twice the upload expiry. */
export function unusedContentGraceOf(ctx: ControlContext): number {
  return 2 * uploadExpiryOf(ctx);
}
