/**
 * Uploads of `portico serve` over real sockets: a body is refused (413, naming the size the file list
 * declares) as soon as it passes that size, while the client still has data to send, instead of being
 * read whole first; nothing of it is stored or left in the upload folder, and the right content is
 * taken afterwards.
 * @see the exploratory test of the deploy upload path (a 480 MB upload held whole in memory)
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeData, SITES_PATH, startTestService, type TestService } from '../helpers/service.js';

const MIB = 1024 * 1024;

const content = (path: string, data: Buffer) => ({
  path,
  size: data.length,
  sha256: createHash('sha256').update(data).digest('hex'),
  data,
});

/**
 * The answer to a PUT whose body starts with `first` and does not end: it has to come while the
 * client is still sending (`finished` says whether the request had ended by then).
 */
function answerBeforeEnd(
  url: string,
  token: string,
  first: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const out = request(
      url,
      { method: 'PUT', headers: { authorization: `Bearer ${token}`, ...headers } },
      (res: IncomingMessage) => {
        const finished = out.writableEnded;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          out.destroy();
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), finished });
        });
      },
    );
    const timer = setTimeout(() => {
      out.destroy();
      reject(new Error('no answer while the body was still being sent'));
    }, 15_000);
    out.on('close', () => clearTimeout(timer));
    out.on('error', reject);
    out.write(first);
  });
}

describe('deploy uploads: the listed size is a hard limit', () => {
  let t: TestService;
  let token: string;

  beforeAll(async () => {
    t = await startTestService();
    const created = await t.admin('PUT', `${SITES_PATH}/limits`, { sku: { name: 'Standard' } });
    expect(created.status).toBe(201);
    token = created.json<{ properties: { apiKey: string } }>().properties.apiKey;
  });

  afterAll(async () => {
    await t?.close();
    await removeData(t?.dataDir ?? '');
  });

  const deployApi = async (method: string, path: string, body?: Buffer | unknown) => {
    const raw = Buffer.isBuffer(body);
    const response = await fetch(`${t.service.adminUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': raw ? 'application/octet-stream' : 'application/json',
      },
      ...(body === undefined ? {} : { body: raw ? body : JSON.stringify(body) }),
    });
    return { status: response.status, text: await response.text() };
  };

  it('answers 413 while the client is still sending, stores nothing, then takes the right content', async () => {
    const big = content('big.bin', randomBytes(2 * MIB));
    // Another file makes the deployment larger than this one: the limit is the file's own size.
    const other = content('other.bin', randomBytes(MIB));
    const index = content('index.html', Buffer.from('<h1>limits</h1>'));
    const app = [big, other, index].map(({ path, size, sha256 }) => ({ path, size, sha256 }));
    const started = await deployApi('POST', '/deploy/v1/deployments', { app });
    expect(started.status, started.text).toBe(201);
    const { id } = JSON.parse(started.text) as { id: string };
    const url = `${t.service.adminUrl}/deploy/v1/deployments/${id}/files/${big.sha256}`;

    // A chunked body (no content-length): refused once it passes the 2 MiB declared, not at its end.
    const grown = Buffer.concat([big.data, randomBytes(256 * 1024)]);
    const chunked = await answerBeforeEnd(url, token, grown, { 'content-type': 'application/octet-stream' });
    expect(chunked.status).toBe(413);
    expect(chunked.finished).toBe(false);
    const error = JSON.parse(chunked.text) as { error: { code: string; message: string } };
    expect(error.error.code).toBe('DEPLOY_FILE_MISMATCH');
    expect(error.error.message).toContain(`larger than the ${big.size} bytes its listing declares`);

    // A content-length above the declared size is refused before the body is read.
    const declared = await answerBeforeEnd(url, token, Buffer.alloc(0), {
      'content-length': String(big.size + 1),
    });
    expect(declared.status).toBe(413);
    expect(declared.finished).toBe(false);

    expect(existsSync(join(t.dataDir, 'blobs', big.sha256.slice(0, 2), big.sha256))).toBe(false);
    expect(await readdir(join(t.dataDir, 'cache', 'uploads')).catch(() => [])).toEqual([]);

    for (const file of [big, other, index]) {
      const put = await deployApi('PUT', `/deploy/v1/deployments/${id}/files/${file.sha256}`, file.data);
      expect(put.status, put.text).toBe(204);
    }
    const committed = await deployApi('POST', `/deploy/v1/deployments/${id}/commit`);
    expect(committed.status, committed.text).toBe(200);
    expect(await readdir(join(t.dataDir, 'cache', 'uploads')).catch(() => [])).toEqual([]);
  });

  it("keeps one site's stalled uploads from holding up another site's deploy", async () => {
    const created = await t.admin('PUT', `${SITES_PATH}/hog`, { sku: { name: 'Standard' } });
    const hogToken = created.json<{ properties: { apiKey: string } }>().properties.apiKey;
    // Eight large contents, as many as the service receives at once, each sent in part and then held.
    const files = Array.from({ length: 8 }, (_, i) => content(`part-${i}.bin`, randomBytes(2 * MIB)));
    const app = files.map(({ path, size, sha256 }) => ({ path, size, sha256 }));
    const hogApi = `${t.service.adminUrl}/deploy/v1/deployments`;
    const started = await fetch(hogApi, {
      method: 'POST',
      headers: { authorization: `Bearer ${hogToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ app }),
    });
    expect(started.status).toBe(201);
    const { id } = (await started.json()) as { id: string };
    const held: ClientRequest[] = files.map((file) => {
      const out = request(`${hogApi}/${id}/files/${file.sha256}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${hogToken}`, 'content-length': String(file.size) },
      });
      out.on('error', () => undefined);
      out.write(file.data.subarray(0, MIB));
      return out;
    });
    try {
      const uploads = join(t.dataDir, 'cache', 'uploads');
      const receiving = async () => (await readdir(uploads).catch(() => [])).length;
      while ((await receiving()) < 4) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // Another site's deploy goes through while those are held...
      const index = content('index.html', Buffer.from('<h1>on time</h1>'));
      const own = await deployApi('POST', '/deploy/v1/deployments', {
        app: [{ path: index.path, size: index.size, sha256: index.sha256 }],
      });
      const ownId = (JSON.parse(own.text) as { id: string }).id;
      const put = await deployApi('PUT', `/deploy/v1/deployments/${ownId}/files/${index.sha256}`, index.data);
      expect(put.status, put.text).toBe(204);
      expect((await deployApi('POST', `/deploy/v1/deployments/${ownId}/commit`)).status).toBe(200);
      // ...because the stalled site is received 4 contents at a time, what one deploy sends at once.
      expect(await receiving()).toBe(4);
    } finally {
      for (const out of held) {
        out.destroy();
      }
    }
  });
});
