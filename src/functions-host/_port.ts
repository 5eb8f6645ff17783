/**
 * The worker's port is chosen once, before the first worker starts, and kept across restarts so the
 * edge's upstream URL never changes.
 */
import { createServer } from 'node:net';
import { PorticoError } from '../shared/errors.js';

/**
 * Checks that `port` is free on `host` and returns it; port 0 returns a free port picked by the system.
 * A busy port is a user error, reported here rather than as a worker crash.
 */
export function reservePort(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new PorticoError(
              'FUNCTIONS_PORT_IN_USE',
              `port ${port} on ${host} is already in use; pick another with --port`,
            )
          : new PorticoError('FUNCTIONS_LOAD_FAILED', `cannot listen on ${host}:${port}: ${error.message}`, {
              cause: error,
            }),
      );
    });
    server.listen(port, host, () => {
      const address = server.address();
      const chosen = typeof address === 'object' && address !== null ? address.port : port;
      server.close(() => resolve(chosen));
    });
  });
}

/** `http://host:port`, with brackets around an IPv6 address. */
export function formatUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
