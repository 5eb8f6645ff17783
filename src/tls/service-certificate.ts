/**
 * The service's own certificate (`--tls-cert`/`--tls-key`, for `*.<domain>`), read from its files and
 * read again whenever either file changes, so a renewed certificate is served without a restart. A
 * change that does not load (a key that does not match, a half-written file) keeps the previous pair.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';
import { PorticoError } from '../shared/errors.js';
import { errorMessage } from '../shared/guards.js';
import type { Logger } from '../shared/logger.js';

/** Where the service certificate is. */
export interface ServiceCertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** The live service certificate. */
export interface ServiceCertificate {
  /** The context of the pair currently loaded. */
  current(): SecureContext;
  /** Stops watching the files. */
  close(): void;
}

/** How often the files are checked for changes, in ms (stat polling survives atomic renames). */
const WATCH_INTERVAL_MS = 500;

/** Loads the pair (throwing a clear error when it cannot) and starts watching both files. */
export function loadServiceCertificate(files: ServiceCertificateFiles, logger: Logger): ServiceCertificate {
  let context = readPair(files);
  const reload = () => {
    try {
      context = readPair(files);
      logger.info(`reloaded the service certificate from ${files.certFile}`);
    } catch (error) {
      logger.warn(`kept the previous service certificate: ${errorMessage(error)}`);
    }
  };
  const onChange = (now: { mtimeMs: number }, before: { mtimeMs: number }) => {
    if (now.mtimeMs !== before.mtimeMs) {
      reload();
    }
  };
  for (const file of [files.certFile, files.keyFile]) {
    watchFile(file, { interval: WATCH_INTERVAL_MS, persistent: false }, onChange);
  }
  return {
    current: () => context,
    close() {
      for (const file of [files.certFile, files.keyFile]) {
        unwatchFile(file, onChange);
      }
    },
  };
}

function readPair(files: ServiceCertificateFiles): SecureContext {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new PorticoError(
        'TLS_CERTIFICATE_INVALID',
        `Cannot read the ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Pass a PEM file readable by this process.`,
        { cause: error },
      );
    }
  };
  const cert = read(files.certFile, 'certificate (--tls-cert)');
  const key = read(files.keyFile, 'private key (--tls-key)');
  return createContextFromPem(cert, key, `--tls-cert ${files.certFile} with --tls-key ${files.keyFile}`);
}

/** A secure context from a PEM chain and key; a clear error when they do not load or do not match. */
export function createContextFromPem(
  cert: Buffer | string,
  key: Buffer | string,
  where: string,
): SecureContext {
  try {
    return createSecureContext({ cert, key, minVersion: 'TLSv1.2' });
  } catch (error) {
    throw new PorticoError(
      'TLS_CERTIFICATE_INVALID',
      `The certificate and key of ${where} cannot be used: ${errorMessage(error)}. Pass a PEM certificate chain and the PEM private key that belongs to it.`,
      { cause: error },
    );
  }
}
