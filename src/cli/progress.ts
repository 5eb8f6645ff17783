/**
 * The upload progress line of `portico deploy` on stderr: redrawn in place on a terminal, otherwise one
 * line about every 10 % so logs of CI jobs stay short.
 */
import { formatBytes } from './output.js';

/** Where progress is written (`process.stderr`). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** Progress of an upload of a known number of files and bytes. */
export interface UploadProgress {
  /** Counts one uploaded file of `bytes` bytes. */
  advance(bytes: number): void;
  /** Ends the progress line. */
  finish(): void;
}

/** `Uploading 12/40 files, 1.2 MB/3.4 MB`. */
export function describeUpload(files: number, totalFiles: number, bytes: number, totalBytes: number): string {
  return `Uploading ${files}/${totalFiles} files, ${formatBytes(bytes)}/${formatBytes(totalBytes)}`;
}

/** Starts a progress display and draws its first state. */
export function createUploadProgress(
  totalFiles: number,
  totalBytes: number,
  stream: ProgressStream = process.stderr,
): UploadProgress {
  let files = 0;
  let bytes = 0;
  let drawnWidth = 0;
  let lastTenth = -1;
  const line = () => describeUpload(files, totalFiles, bytes, totalBytes);
  const tenth = () =>
    Math.floor(10 * (totalBytes > 0 ? bytes / totalBytes : files / Math.max(totalFiles, 1)));
  const draw = () => {
    if (stream.isTTY === true) {
      const text = line();
      stream.write(`\r${text.padEnd(drawnWidth)}`);
      drawnWidth = text.length;
    } else if (tenth() > lastTenth) {
      lastTenth = tenth();
      stream.write(`${line()}\n`);
    }
  };
  draw();
  return {
    advance(size) {
      files += 1;
      bytes += size;
      draw();
    },
    finish() {
      if (stream.isTTY === true) {
        stream.write('\n');
      }
    },
  };
}
