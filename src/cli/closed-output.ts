/**
 * A reader that stops reading the CLI's output early (`portico site list --json | head -c 0`, a pager
 * quit): Node ignores SIGPIPE, so the next write fails with EPIPE, which an unhandled stream error turned
 * into a stack trace and exit 1. The CLI instead drops what it would still print and carries on: the
 * command finishes what it does (a deploy is not cut off halfway) and exits with its own code, 0 when it
 * succeeded, as `grep … | head -1` users and `set -o pipefail` scripts expect.
 */

/** Any other write error is still thrown, as Node would. */
export function ignoreClosedOutput(
  streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr],
): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') {
        throw error;
      }
    });
  }
}
