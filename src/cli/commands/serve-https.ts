/**
 * The production-edge flags of `portico serve` (docs/https-and-domains.md): `--https-port`,
 * `--tls-cert`/`--tls-key`, `--acme-directory`, `--acme-email`, `--dns-server`, checked together.
 */
import { InvalidArgumentError } from 'commander';
import type { HttpsOptions } from '../../serve/index.js';
import { PorticoError } from '../../shared/errors.js';

/** The flags as commander parsed them. */
export interface HttpsFlags {
  httpsPort?: number;
  tlsCert?: string;
  tlsKey?: string;
  dnsServer?: string;
  acmeDirectory?: string;
  acmeEmail?: string;
  acmeCheckInterval?: number;
  acmeRetry?: number;
}

/** `--dns-server host:port` (an IPv6 address in brackets), as node's resolver takes it. */
export function parseDnsServer(value: string): string {
  const port = /:(\d{1,5})$/.exec(value)?.[1];
  if (
    !/^(\[[0-9a-fA-F:.]+\]|[0-9.]+)(:\d{1,5})?$/.test(value) ||
    (port !== undefined && Number(port) > 65535)
  ) {
    throw new InvalidArgumentError(
      'expected an IP address with an optional port, e.g. 127.0.0.1:8053 or [::1]:53.',
    );
  }
  return value;
}

/**
 * `--acme-email`: one address of the form name@domain.tld, as ACME servers accept it (Let's Encrypt
 * refuses others at every order, which only the first certificate would have told).
 */
export function parseAcmeEmail(value: string): string {
  if (
    !/^[^\s@,;<>"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(
      value,
    )
  ) {
    throw new InvalidArgumentError('expected one e-mail address, e.g. ops@example.com.');
  }
  return value;
}

/** The `https` option of `startService`, or undefined without `--https-port`; throws on a bad combination. */
export function httpsFromFlags(flags: HttpsFlags): HttpsOptions | undefined {
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    throw new PorticoError(
      'CLI_USAGE',
      `--${flags.tlsCert === undefined ? 'tls-cert' : 'tls-key'} is missing: --tls-cert and --tls-key go together (the service certificate for *.<domain> and its private key, both PEM files).`,
    );
  }
  if (flags.httpsPort === undefined) {
    const acme = flags.acmeDirectory ?? flags.acmeEmail;
    if (acme !== undefined) {
      throw new PorticoError(
        'CLI_USAGE',
        '--acme-directory and --acme-email need --https-port (e.g. --https-port 443): certificates are for the HTTPS listener.',
      );
    }
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
    acme: {
      ...(flags.acmeDirectory === undefined ? {} : { directoryUrl: flags.acmeDirectory }),
      ...(flags.acmeEmail === undefined ? {} : { email: flags.acmeEmail }),
      ...(flags.acmeCheckInterval === undefined ? {} : { checkIntervalMs: flags.acmeCheckInterval * 1000 }),
      ...(flags.acmeRetry === undefined ? {} : { retryMs: flags.acmeRetry * 1000 }),
    },
  };
}
