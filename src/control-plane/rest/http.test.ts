import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logger.js';
import { sendError } from './http.js';

const servers: ReturnType<typeof createServer>[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.close();
  }
});

describe('sendError', () => {
  it('names the answer’s request id in the log line and the message of an internal error', async () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line) });
    const server = createServer((_req, res) => {
      res.setHeader('x-ms-request-id', '3f1c0d2e-0000-4000-8000-000000000001');
      sendError(res, new Error('the disk said no'), logger);
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: {
        code: 'INTERNAL',
        message:
          'An internal error occurred; the server log has the details, under request 3f1c0d2e-0000-4000-8000-000000000001.',
      },
    });
    expect(lines.join('\n')).toContain(
      'management API (request 3f1c0d2e-0000-4000-8000-000000000001): Error: the disk said no',
    );
  });
});
