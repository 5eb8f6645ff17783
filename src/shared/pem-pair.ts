/**
 * Why a PEM certificate and private key cannot serve TLS together, in words a user can act on, for
 * `portico start --ssl-cert/--ssl-key` and `portico serve --tls-cert/--tls-key` alike: OpenSSL's own
 * text (`error:0480006C:PEM routines::no start line`) says neither which file nor what to do.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';

/** Which of the two files a problem is about (both: they do not belong together). */
export interface PemPairProblem {
  readonly file: 'certificate' | 'key' | 'both';
  readonly text: string;
}

/**
 * The problem of `cert` with `key`, or undefined when the certificate parses, the key is an unencrypted
 * private key and the key belongs to the certificate.
 *
 * @example
 * pemPairProblem('hello', key) // { file: 'certificate', text: 'it is not a PEM X.509 certificate (-----BEGIN CERTIFICATE-----)' }
 */
export function pemPairProblem(cert: string | Buffer, key: string | Buffer): PemPairProblem | undefined {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    return { file: 'certificate', text: 'it is not a PEM X.509 certificate (-----BEGIN CERTIFICATE-----)' };
  }
  try {
    return certificate.checkPrivateKey(createPrivateKey(key))
      ? undefined
      : { file: 'both', text: 'the key does not belong to the certificate' };
  } catch {
    return {
      file: 'key',
      text: 'it is not an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)',
    };
  }
}
