/** Reading a whole response body as text, refusing (and destroying) one larger than a limit. */

/** A body stream that can be destroyed (undici's response bodies). */
export interface CappedBody extends AsyncIterable<Buffer> {
  destroy(): unknown;
}

/** The body as UTF-8 text; past `limit` bytes the body is destroyed and `tooLarge` is thrown. */
export async function readTextCapped(body: CappedBody, limit: number, tooLarge: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw new Error(tooLarge);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
