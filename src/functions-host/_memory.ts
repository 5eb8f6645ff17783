/**
 * A worker's resident memory, read from /proc (Linux): the process and everything it started (bubblewrap
 * and setpriv stand between the supervisor and Node.js). `--max-old-space-size` bounds only the
 * JavaScript heap: buffers and other native memory are outside it, so a function holding a few large
 * `Buffer`s could take the machine's memory from every other site. The supervisor checks this figure with
 * each health check and replaces a worker over its limit.
 */
import { readFileSync } from 'node:fs';

/** Bytes of a memory page as /proc counts them (statm). */
const PAGE_BYTES = 4096;

/** Megabytes of resident memory of `pid` and its descendants; undefined where /proc cannot say. */
export function residentMegabytes(pid: number | undefined): number | undefined {
  if (pid === undefined || process.platform !== 'linux') {
    return undefined;
  }
  let pages = 0;
  let found = false;
  for (const each of processTree(pid)) {
    try {
      const resident = Number(readFileSync(`/proc/${each}/statm`, 'utf8').split(' ')[1]);
      if (Number.isFinite(resident)) {
        pages += resident;
        found = true;
      }
    } catch {
      // The process ended meanwhile.
    }
  }
  return found ? (pages * PAGE_BYTES) / 1_048_576 : undefined;
}

function processTree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(' ')
      .filter((text) => text !== '')
      .map(Number);
  } catch {
    // Gone, or no such file: the process alone.
  }
  return [pid, ...children.flatMap(processTree)];
}

/**
 * The resident memory a worker may use: twice its heap limit (V8 needs room beside the heap, and
 * `Buffer`s live outside it), and 256 MB more for the code and Node.js itself.
 */
export function residentLimitMegabytes(heapLimitMb: number): number {
  return 2 * heapLimitMb + 256;
}
