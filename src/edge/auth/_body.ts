/** Folder-private: reading small request bodies with a size cap. */
import type { IncomingMessage } from 'node:http';

/** A body read by {@link readBodyCapped}: its bytes, or why there are none. */
export type CappedBody =
  | { readonly kind: 'ok'; readonly bytes: Buffer }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'aborted' };

/**
 * Reads the whole request body unless it exceeds `limit` bytes. On overflow the rest of the body is
 * drained and discarded (the socket stays usable for the response). Never rejects.
 */
export function readBodyCapped(req: IncomingMessage, limit: number): Promise<CappedBody> {
  if (Number(req.headers['content-length'] ?? 0) > limit) {
    req.resume();
    return Promise.resolve({ kind: 'too-large' });
  }
  return new Promise((resolve) => collect(req, limit, resolve));
}

function collect(req: IncomingMessage, limit: number, resolve: (body: CappedBody) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer): void => {
    size += chunk.length;
    if (size > limit) {
      req.off('data', onData);
      req.resume();
      resolve({ kind: 'too-large' });
      return;
    }
    chunks.push(chunk);
  };
  req.on('data', onData);
  req.once('end', () => resolve({ kind: 'ok', bytes: Buffer.concat(chunks) }));
  req.once('error', () => resolve({ kind: 'aborted' }));
  req.once('close', () => resolve({ kind: 'aborted' }));
}
