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

/** The Node options enabling the permission model for `versions` (default: this Node's). */
export function nodePermissionArgs(
  permissions: NodePermissions,
  versions: NodeJS.ProcessVersions = process.versions,
): string[] {
  const major = Number.parseInt(versions.node.split('.')[0] ?? '0', 10);
  const read = [...permissions.read, ...permissions.write];
  const flags =
    major < 22 ? ['--experimental-permission', '--disable-warning=ExperimentalWarning'] : ['--permission'];
  return [
    ...flags,
    ...read.map((path) => `--allow-fs-read=${path}`),
    ...permissions.write.map((path) => `--allow-fs-write=${path}`),
  ];
}

/** True when this Node has a permission model (20 and later). */
export function hasNodePermissionModel(versions: NodeJS.ProcessVersions = process.versions): boolean {
  return Number.parseInt(versions.node.split('.')[0] ?? '0', 10) >= 20;
}
