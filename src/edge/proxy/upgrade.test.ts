import { once } from 'node:events';
import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { refuseUpgrade } from './upgrade.js';

const server = createServer((_req, res) => res.end('plain'));
server.on('upgrade', (_req, socket) => refuseUpgrade(socket));

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('refuseUpgrade (D11)', () => {
  it('answers a WebSocket handshake at once with a complete 501 and closes the connection', async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    socket.write(
      'GET /api/ws HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    await once(socket, 'end');
    socket.destroy();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(text).toMatch(/^HTTP\/1\.1 501 Not Implemented\r\n/);
    expect(text).toContain('\r\nConnection: close\r\n');
    const [head = '', body = ''] = text.split('\r\n\r\n');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(body).toBe('WebSocket upgrades are not supported by Static Web Apps APIs.\n');
  });
});
