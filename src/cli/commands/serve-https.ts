/**
 * The production-edge flags of `portico serve` (docs/https-and-domains.md): `--https-port`,
 * `--tls-cert`/`--tls-key`, `--acme-directory`, `--acme-email`, `--dns-server`, checked together.
 */
import { PorticoError } from '../../shared/errors.js';

/** The flags as commander parsed them. */
export interface HttpsFlags {
  httpsPort?: number;
  tlsCert?: string;
  tlsKey?: string;
}

/** The `https` option of `startService`, or undefined without `--https-port`; throws on a bad combination. */
export function httpsFromFlags(
  flags: HttpsFlags,
): { port: number; certFile?: string; keyFile?: string } | undefined {
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    throw new PorticoError(
      'CLI_USAGE',
      `--${flags.tlsCert === undefined ? 'tls-cert' : 'tls-key'} is missing: --tls-cert and --tls-key go together (the service certificate for *.<domain> and its private key, both PEM files).`,
    );
  }
  if (flags.httpsPort === undefined) {
    if (flags.tlsCert !== undefined) {
      throw new PorticoError(
        'CLI_USAGE',
        '--tls-cert and --tls-key need --https-port (e.g. --https-port 443): without it the service speaks plain HTTP only.',
      );
    }
    return undefined;
  }
  return {
    port: flags.httpsPort,
    ...(flags.tlsCert === undefined ? {} : { certFile: flags.tlsCert }),
    ...(flags.tlsKey === undefined ? {} : { keyFile: flags.tlsKey }),
  };
}
