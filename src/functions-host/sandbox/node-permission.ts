/**
 * Node's permission model, the floor of every sandbox: the worker may read only the listed paths and write
 * only its temp folder; child processes, worker threads, native addons, WASI and the inspector are refused
 * (no `--allow-*` flag for them), the same under every mechanism so a function behaves alike everywhere.
 * Node 20 spells it `--experimental-permission`, Node 22+ `--permission`; both take one flag per path
 * (Node 20.20 warns that comma-separated lists are no longer valid).
 */

/** What the worker may touch. */
export interface NodePermissions {
  readonly read: readonly string[];
  readonly write: readonly string[];
}

/**
 * The Node options enabling the permission model for `versions` (default: this Node's). A path inside
 * another granted one is left out: Node grants a folder as `<folder>/*`, and Node 20's tree of granted
 * paths then loses the folder itself (its `readdir`, `stat`, `statfs`) when another granted path starts
 * with the folder's path, as Portico's worker files do when Portico is installed under `/tmp`, the
 * sandbox's temp folder. The folder's wildcard covers such a path anyway. (A granted path beside it whose
 * name only starts alike, `/tmpfs/…` beside `/tmp`, splits the tree too; it cannot be left out, and a
 * wider wildcard would open more than the folder.) A path given twice is given once (Node 20 aborts on
 * the second).
 */
export function nodePermissionArgs(
  permissions: NodePermissions,
  versions: NodeJS.ProcessVersions = process.versions,
): string[] {
  const major = Number.parseInt(versions.node.split('.')[0] ?? '0', 10);
  const read = outermostPaths([...permissions.read, ...permissions.write]);
  const flags =
    major < 22 ? ['--experimental-permission', '--disable-warning=ExperimentalWarning'] : ['--permission'];
  return [
    ...flags,
    ...read.map((path) => `--allow-fs-read=${path}`),
    ...permissions.write.map((path) => `--allow-fs-write=${path}`),
  ];
}

/** `paths` without repeats and without those inside another of them, in their order. */
function outermostPaths(paths: readonly string[]): string[] {
  const unique = [...new Set(paths)];
  return unique.filter((path) => !unique.some((other) => other !== path && isInside(path, other)));
}

/** True when `path` is below `folder` (`/tmp/a` is below `/tmp`; `/tmpa` is not). */
function isInside(path: string, folder: string): boolean {
  return path.startsWith(folder.endsWith('/') ? folder : `${folder}/`);
}

/** True when this Node has a permission model (20 and later). */
export function hasNodePermissionModel(versions: NodeJS.ProcessVersions = process.versions): boolean {
  return Number.parseInt(versions.node.split('.')[0] ?? '0', 10) >= 20;
}
