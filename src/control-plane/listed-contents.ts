/**
 * The contents a deployment lists, by SHA-256, for its uploads: one upload looks its content up in a map
 * instead of parsing and searching the whole file list (15,000 files made a deploy quadratic).
 *
 * Maps are kept for a few deployments per context. This is safe on any number of nodes because a
 * deployment's file list never changes while it is `Uploading`: only the commit that ends the upload
 * rewrites it (`listedContentsOf` in deployments.ts keeps lists read from `Uploading` rows only), and ids are never
 * reused. The state itself is read from the database on every upload, so every node answers alike.
 */
import type { ControlContext } from './context.js';
import type { Manifest, ManifestFile } from './manifest.js';

/** Deployments whose maps a context keeps (the least recently used one goes first). */
const KEPT_LISTS = 16;

/** A deployment's contents by SHA-256 (the first file listed with each). */
export type ListedContents = ReadonlyMap<string, ManifestFile>;

const lists = new WeakMap<ControlContext, Map<string, ListedContents>>();

function listsOf(ctx: ControlContext): Map<string, ListedContents> {
  let kept = lists.get(ctx);
  if (kept === undefined) {
    kept = new Map();
    lists.set(ctx, kept);
  }
  return kept;
}

/** The map of deployment `id` kept by {@link keepListedContents}, if any (marked as just used). */
export function keptListedContents(ctx: ControlContext, id: string): ListedContents | undefined {
  const kept = listsOf(ctx);
  const found = kept.get(id);
  if (found !== undefined) {
    kept.delete(id);
    kept.set(id, found);
  }
  return found;
}

/** Builds the map of an `Uploading` deployment's file list and keeps it. */
export function keepListedContents(ctx: ControlContext, id: string, manifest: Manifest): ListedContents {
  const contents = new Map<string, ManifestFile>();
  for (const file of [...manifest.app, ...(manifest.api ?? [])]) {
    if (!contents.has(file.sha256)) {
      contents.set(file.sha256, file);
    }
  }
  const kept = listsOf(ctx);
  kept.set(id, contents);
  for (const oldest of kept.keys()) {
    if (kept.size <= KEPT_LISTS) {
      break;
    }
    kept.delete(oldest);
  }
  return contents;
}

/** Drops the map of a deployment that no longer uploads (committed or failed here). */
export function forgetListedContents(ctx: ControlContext, id: string): void {
  listsOf(ctx).delete(id);
}
