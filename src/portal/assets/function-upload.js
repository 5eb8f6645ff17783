// @ts-check
/**
 * A function app's content from the browser, the way `portico functionapp create <name> <apiDir>` sends
 * it (docs/rest-api.md, "Backends and links"): list the files with their SHA-256, ask which contents the
 * server lacks, upload those, then make the list the app's content (the server installs dependencies).
 * The files come from a folder chosen with `webkitdirectory` or from a `.zip`; what the CLI leaves out
 * is left out here too (`.git`, `.DS_Store`, `.env*`, the root `local.settings.json`).
 */
import { backendResourceId, call } from './api.js';
import { readZip } from './zip.js';

/** @typedef {{ path: string, bytes: Uint8Array<ArrayBuffer> }} LocalFile */

/**
 * Whether the CLI's packer would leave a path out.
 * @param {string} path
 */
function isLeftOut(path) {
  const names = path.split('/');
  const last = names[names.length - 1] ?? '';
  return (
    path === 'local.settings.json' ||
    names.includes('.git') ||
    last === '.DS_Store' ||
    last.startsWith('.env')
  );
}

/**
 * The files of a folder chosen with `<input type="file" webkitdirectory>`: their paths lose the folder's
 * own name (`api/host.json` → `host.json`).
 * @param {FileList} list
 * @returns {Promise<LocalFile[]>}
 */
export async function filesOfFolder(list) {
  const files = [];
  for (const file of Array.from(list)) {
    const relative = (file.webkitRelativePath || file.name).split('/').slice(1).join('/') || file.name;
    files.push({ path: relative, bytes: new Uint8Array(await file.arrayBuffer()) });
  }
  return keep(files);
}

/**
 * The files of a `.zip`; a zip that holds one folder with the app in it (`api/host.json`) is read from
 * inside that folder, as a zip of the folder itself usually is.
 * @param {Blob} zip
 * @returns {Promise<LocalFile[]>}
 */
export async function filesOfZip(zip) {
  const files = await readZip(zip);
  const tops = new Set(files.map((f) => f.path.split('/')[0]));
  const [top] = tops;
  if (tops.size === 1 && top !== undefined && files.every((f) => f.path.startsWith(`${top}/`))) {
    return keep(files.map((f) => ({ path: f.path.slice(top.length + 1), bytes: f.bytes })));
  }
  return keep(files);
}

/** @param {LocalFile[]} files */
function keep(files) {
  const kept = files.filter((f) => f.path !== '' && !isLeftOut(f.path));
  if (!kept.some((f) => f.path === 'host.json')) {
    throw new Error(
      'The chosen files have no host.json at their top, so they are not an Azure Functions app folder. Choose the API folder itself (or a zip of it).',
    );
  }
  return kept.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** @param {Uint8Array<ArrayBuffer>} bytes */
async function sha256(bytes) {
  if (globalThis.crypto?.subtle === undefined) {
    throw new Error(
      'This browser only hashes files on https or localhost pages; open the portal that way, or use portico functionapp create.',
    );
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Makes `files` the content of the function app `name`.
 * @param {string} name
 * @param {LocalFile[]} files
 * @param {(text: string) => void} progress told what happens
 */
export async function uploadFunctionContent(name, files, progress) {
  progress(`Hashing ${files.length} files…`);
  const listed = await Promise.all(
    files.map(async (f) => ({
      path: f.path,
      size: f.bytes.length,
      sha256: await sha256(f.bytes),
      bytes: f.bytes,
    })),
  );
  const listing = { api: listed.map(({ path, size, sha256: hash }) => ({ path, size, sha256: hash })) };
  const base = `${backendResourceId('functionapp', name)}/content`;
  const { missing } = await call('POST', `${base}/check`, { body: listing });
  const needed = new Set(/** @type {string[]} */ (missing));
  let sent = 0;
  for (const file of listed) {
    if (needed.delete(file.sha256)) {
      sent += 1;
      progress(`Uploading ${sent} of ${missing.length}: ${file.path}`);
      await call('PUT', `${base}/files/${file.sha256}`, { bytes: file.bytes });
    }
  }
  progress('Installing the dependencies of the function app when needed…');
  return call('PUT', base, { body: listing });
}
