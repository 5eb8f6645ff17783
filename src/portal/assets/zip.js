// @ts-check
/**
 * Reads the files of a `.zip` in the browser (APPNOTE.TXT: the end of central directory record, then
 * each central directory entry, then its local header and data). Stored and deflated entries are read;
 * deflate uses the browser's own `DecompressionStream('deflate-raw')`. Encrypted, ZIP64 and other
 * compressed entries are refused with a message that says what to do instead.
 */

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

/**
 * The files of a zip (folders left out), with `/`-separated relative paths.
 * @param {Blob} zip
 * @returns {Promise<{ path: string, bytes: Uint8Array<ArrayBuffer> }[]>}
 */
export async function readZip(zip) {
  const data = new DataView(await zip.arrayBuffer());
  const end = findEndOfDirectory(data);
  const count = data.getUint16(end + 10, true);
  let offset = data.getUint32(end + 16, true);
  const files = [];
  for (let index = 0; index < count; index += 1) {
    if (offset + 46 > data.byteLength || data.getUint32(offset, true) !== DIRECTORY_ENTRY) {
      throw new Error('The zip file is damaged (its directory is cut short). Make it again and retry.');
    }
    const entry = readEntry(data, offset);
    offset = entry.next;
    if (!entry.path.endsWith('/')) {
      files.push({ path: entry.path, bytes: await entryBytes(data, entry) });
    }
  }
  return files;
}

/** @param {DataView} data */
function findEndOfDirectory(data) {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  const lowest = Math.max(0, data.byteLength - 22 - 0xffff);
  for (let offset = data.byteLength - 22; offset >= lowest; offset -= 1) {
    if (data.getUint32(offset, true) === END_OF_DIRECTORY) {
      return offset;
    }
  }
  throw new Error('This is not a zip file (no zip directory at its end). Choose a .zip of the API folder.');
}

/**
 * @typedef {{ path: string, method: number, flags: number, compressedSize: number, size: number, localOffset: number, next: number }} Entry
 * @param {DataView} data
 * @param {number} offset
 * @returns {Entry}
 */
function readEntry(data, offset) {
  const nameLength = data.getUint16(offset + 28, true);
  const extraLength = data.getUint16(offset + 30, true);
  const commentLength = data.getUint16(offset + 32, true);
  const name = new TextDecoder().decode(
    new Uint8Array(data.buffer, data.byteOffset + offset + 46, nameLength),
  );
  return {
    path: checkPath(name.replaceAll('\\', '/')),
    flags: data.getUint16(offset + 8, true),
    method: data.getUint16(offset + 10, true),
    compressedSize: data.getUint32(offset + 20, true),
    size: data.getUint32(offset + 24, true),
    localOffset: data.getUint32(offset + 42, true),
    next: offset + 46 + nameLength + extraLength + commentLength,
  };
}

/** Refuses paths that would leave the folder. @param {string} path */
function checkPath(path) {
  if (path.startsWith('/') || path.split('/').includes('..')) {
    throw new Error(
      `The zip holds '${path}', a path outside its folder; make the zip from inside the API folder.`,
    );
  }
  return path;
}

/**
 * @param {DataView} data
 * @param {Entry} entry
 */
async function entryBytes(data, entry) {
  if ((entry.flags & 1) !== 0) {
    throw new Error(`'${entry.path}' in the zip is encrypted; make the zip without a password.`);
  }
  if (entry.size === 0xffffffff || entry.compressedSize === 0xffffffff) {
    throw new Error(`'${entry.path}' in the zip is larger than 4 GB (ZIP64), which the portal cannot read.`);
  }
  const at = entry.localOffset;
  if (data.getUint32(at, true) !== LOCAL_HEADER) {
    throw new Error(`The zip file is damaged at '${entry.path}'. Make it again and retry.`);
  }
  const start = at + 30 + data.getUint16(at + 26, true) + data.getUint16(at + 28, true);
  const raw = new Uint8Array(
    /** @type {ArrayBuffer} */ (data.buffer),
    data.byteOffset + start,
    entry.compressedSize,
  );
  const bytes = entry.method === 0 ? raw.slice() : entry.method === 8 ? await inflate(raw) : undefined;
  if (bytes === undefined) {
    throw new Error(
      `'${entry.path}' in the zip uses compression method ${entry.method}; make the zip with the usual "deflate" compression.`,
    );
  }
  if (bytes.length !== entry.size) {
    throw new Error(`'${entry.path}' in the zip is damaged (its size does not match). Make the zip again.`);
  }
  return bytes;
}

/** @param {Uint8Array<ArrayBuffer>} raw */
async function inflate(raw) {
  const stream = new Blob([raw]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
