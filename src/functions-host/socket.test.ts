/**
 * The app's Unix socket (decision 0033): in a folder only the server's user can enter, serving the same
 * workers as the loopback port, and gone once the host is closed. Real child processes, real sockets.
 */
import { existsSync } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { send } from '../../test/helpers/app.js';
import { closeHosts, openHost, writeApiDir } from '../../test/helpers/functions-host.js';

afterEach(closeHosts);

/** GETs `path` over the Unix socket at `socketPath`; resolves with the status and the body. */
function getOverSocket(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(process.platform === 'win32')('createFunctionsHost: the Unix socket', () => {
  it('binds a socket in a folder of mode 0700 and serves the same worker as the port', async () => {
    const host = openHost({ apiDir: await writeApiDir() });
    const info = await host.start();
    const socketPath = info.socketPath ?? '';
    expect(socketPath).not.toBe('');
    expect(host.socketPath).toBe(socketPath);
    const folder = await stat(dirname(socketPath));
    expect(folder.mode & 0o777).toBe(0o700);
    expect(folder.uid).toBe(process.getuid?.());
    expect((await lstat(socketPath)).isSocket()).toBe(true);

    const overSocket = await getOverSocket(socketPath, '/api/ping');
    expect(overSocket.status).toBe(200);
    const overPort = (await send(`${info.url}/api/ping`)).json<{ pid: number }>();
    expect((JSON.parse(overSocket.body) as { pid: number }).pid).toBe(overPort.pid);
  });

  it('removes the socket and its folder on close', async () => {
    const host = openHost({ apiDir: await writeApiDir() });
    const { socketPath = '' } = await host.start();
    expect(existsSync(socketPath)).toBe(true);
    await host.close();
    expect(existsSync(socketPath)).toBe(false);
    expect(existsSync(dirname(socketPath))).toBe(false);
    expect(host.socketPath).toBeUndefined();
  });
});
