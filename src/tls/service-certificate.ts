/**
 * The service's own certificate (`--tls-cert`/`--tls-key`, for `*.<domain>`), read from its files and
 * read again whenever either file changes, so a renewed certificate is served without a restart. A
 * change that does not load (a key that does not match, a half-written file, an expired certificate)
 * keeps the previous pair; a certificate that does not cover the service's host names is served with a
 * warning (the operator may front some names with another proxy).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';
import { PorticoError } from '../shared/errors.js';
import { errorMessage } from '../shared/guards.js';
import type { Logger } from '../shared/logger.js';
import { pemPairProblem } from '../shared/pem-pair.js';

/** Where the service certificate is. */
export interface ServiceCertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** The service's domain (`--domain`): the certificate should cover `<name>.<domain>`. */
  readonly domain?: string;
}

/** A loaded pair: its PEM files as read, the context made of them, and when the certificate ends. */
export interface ServicePair {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly context: SecureContext;
  readonly notAfter: Date;
  /** The leaf certificate, for the names it covers. */
  readonly leaf: X509Certificate;
}

/** The live service certificate. */
export interface ServiceCertificate {
  /** The pair currently loaded. */
  pair(): ServicePair;
  /** True when the pair currently loaded covers `hostname` (see {@link certificateCovers}). */
  covers(hostname: string): boolean;
  /** Calls `listener` with each pair loaded after the first. */
  onReload(listener: (pair: ServicePair) => void): void;
  /** Stops watching the files. */
  close(): void;
}

/** How often the files are checked for changes, in ms (stat polling survives atomic renames). */
const WATCH_INTERVAL_MS = 500;
/**
 * How long both files must stay unchanged before a change is read: a renewal writes the key and the
 * certificate one after the other, and each file is polled on its own, so reading at the first change
 * could pair the new key with the old certificate (and warn of a mismatch that is not there).
 */
const SETTLE_MS = 2 * WATCH_INTERVAL_MS;
/** A certificate this close to its end is warned of (at load, then once a day until renewed). */
const EXPIRY_WARNING_MS = 14 * 86_400_000;
/** How often a running node looks at the certificate's end. */
const EXPIRY_CHECK_MS = 60 * 60_000;

/** Loads the pair (throwing a clear error when it cannot) and starts watching both files. */
export function loadServiceCertificate(files: ServiceCertificateFiles, logger: Logger): ServiceCertificate {
  let pair = readPair(files, logger);
  const listeners: ((pair: ServicePair) => void)[] = [];
  const expiry = createExpiryWarning(files.certFile, logger);
  expiry.check(pair.notAfter);
  const timer = setInterval(() => expiry.check(pair.notAfter), EXPIRY_CHECK_MS);
  timer.unref();
  const reload = () => {
    try {
      pair = readPair(files, logger);
      expiry.check(pair.notAfter);
      logger.info(`reloaded the service certificate from ${files.certFile}`);
      for (const listener of listeners) {
        listener(pair);
      }
    } catch (error) {
      logger.warn(`kept the previous service certificate: ${errorMessage(error)}`);
    }
  };
  let settling: NodeJS.Timeout | undefined;
  const onChange = (now: { mtimeMs: number }, before: { mtimeMs: number }) => {
    if (now.mtimeMs !== before.mtimeMs) {
      clearTimeout(settling);
      settling = setTimeout(reload, SETTLE_MS);
      settling.unref();
    }
  };
  for (const file of [files.certFile, files.keyFile]) {
    watchFile(file, { interval: WATCH_INTERVAL_MS, persistent: false }, onChange);
  }
  return {
    pair: () => pair,
    covers: (hostname) => certificateCovers(pair.leaf, hostname),
    onReload: (listener) => {
      listeners.push(listener);
    },
    close() {
      clearInterval(timer);
      clearTimeout(settling);
      for (const file of [files.certFile, files.keyFile]) {
        unwatchFile(file, onChange);
      }
    },
  };
}

/**
 * Warns while the service certificate nears its end or has passed it: at most once a day, so an
 * operator who watches the log (or alerts on its warnings) renews it before browsers refuse every site.
 */
export function createExpiryWarning(
  certFile: string,
  logger: Logger,
  now: () => number = Date.now,
): { check(notAfter: Date): void } {
  let warnedDay: number | undefined;
  return {
    check(notAfter) {
      const end = notAfter.getTime();
      const left = end - now();
      if (left > EXPIRY_WARNING_MS) {
        warnedDay = undefined;
        return;
      }
      const day = Math.floor(now() / 86_400_000);
      if (warnedDay === day) {
        return;
      }
      warnedDay = day;
      const when = new Date(end).toISOString();
      logger.warn(
        left <= 0
          ? `the service certificate ${certFile} (--tls-cert) expired on ${when}: browsers refuse HTTPS on the sites' generated host names, and the node will not start again with it. Renew it now (the new files are read as they change).`
          : `the service certificate ${certFile} (--tls-cert) expires on ${when}, in ${Math.ceil(left / 86_400_000)} day(s): renew it (the new files are read as they change, no restart).`,
      );
    },
  };
}

function readPair(files: ServiceCertificateFiles, logger: Logger): ServicePair {
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
  const where = `--tls-cert ${files.certFile} with --tls-key ${files.keyFile}`;
  const context = createContextFromPem(cert, key, where);
  const { leaf, notAfter } = checkServiceCertificate(cert, files, logger);
  return { cert, key, context, notAfter, leaf };
}

/**
 * Refuses an expired (or not yet valid) service certificate, which no browser would accept for any site,
 * and warns of one that does not cover the service's generated host names. Answers the leaf and when it
 * ends.
 */
function checkServiceCertificate(
  cert: Buffer,
  files: ServiceCertificateFiles,
  logger: Logger,
): { leaf: X509Certificate; notAfter: Date } {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (error) {
    throw new PorticoError(
      'TLS_CERTIFICATE_INVALID',
      `The certificate ${files.certFile} (--tls-cert) cannot be read: ${errorMessage(error)}. Pass a PEM certificate chain, the site's certificate first.`,
      { cause: error },
    );
  }
  const now = new Date();
  const [from, to] = [new Date(leaf.validFrom), new Date(leaf.validTo)];
  if (now > to || now < from) {
    const when = now > to ? `expired on ${to.toISOString()}` : `is valid only from ${from.toISOString()}`;
    throw new PorticoError(
      'TLS_CERTIFICATE_INVALID',
      `The certificate ${files.certFile} (--tls-cert) ${when}; browsers refuse it for every site. Renew it (or give the renewed files) and start again.`,
    );
  }
  const probe = files.domain === undefined ? undefined : `portico-host-check.${files.domain}`;
  if (files.domain !== undefined && !files.domain.includes('.')) {
    // Browsers (and Node) never let a wildcard stand for a label right under a one-label name: no
    // certificate covers *.localhost, so saying "use one for *.localhost" would send the operator in
    // circles.
    logger.warn(
      `no certificate can cover the sites' generated host names under --domain ${files.domain}: a wildcard right under a one-label name (*.${files.domain}) is never valid. Give a --domain of two or more labels (e.g. apps.example.com) with a certificate for *.<that domain>; custom domains with their own certificates are served over HTTPS either way.`,
    );
  } else if (probe !== undefined && leaf.subjectAltName === undefined && certificateCovers(leaf, probe)) {
    logger.warn(
      `the certificate ${files.certFile} (--tls-cert) names *.${files.domain} only as its common name, which browsers ignore: they will refuse HTTPS on the sites' host names. Issue it with *.${files.domain} in its subject alternative names (openssl req … -addext "subjectAltName=DNS:*.${files.domain}").`,
    );
  } else if (probe !== undefined && !certificateCovers(leaf, probe)) {
    logger.warn(
      `the certificate ${files.certFile} (--tls-cert) does not cover *.${files.domain} (it names ${leaf.subjectAltName ?? leaf.subject}): browsers will refuse HTTPS on the sites' generated host names. Use a certificate for *.${files.domain}.`,
    );
  }
  return { leaf, notAfter: to };
}

/**
 * True when `leaf` names `hostname`: a DNS name of its subject alternative names, a wildcard standing for
 * exactly one whole label (`*.sites.example` covers `a.sites.example`, never `a.b.sites.example` or
 * `sites.example`, and never a label right under a one-label name). A certificate without DNS names is
 * read by its subject's common name, as Node's own TLS client reads it (browsers ignore the common name;
 * the start-up warning of a certificate that does not cover `*.<domain>` says what they need).
 */
export function certificateCovers(leaf: X509Certificate, hostname: string): boolean {
  return leaf.checkHost(hostname, { subject: 'default', partialWildcards: false }) !== undefined;
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
    const problem = pemPairProblem(cert, key);
    const what = problem === undefined ? '' : ` (the ${problem.file === 'both' ? 'pair' : problem.file})`;
    throw new PorticoError(
      'TLS_CERTIFICATE_INVALID',
      `The certificate and key of ${where} cannot be used${what}: ${problem?.text ?? errorMessage(error)}. Pass a PEM certificate chain and the PEM private key that belongs to it.`,
      { cause: error },
    );
  }
}
