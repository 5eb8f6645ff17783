/**
 * An `https://` server whose certificate this machine does not trust (self-signed, a private CA, expired,
 * or issued for another name): not a failure that passes when tried again (exit 1, not 75), and not a
 * server that is down. The user fixes it by trusting the CA or by using the name the certificate is for.
 */
import { PorticoError } from '../shared/errors.js';
import { isRecord } from '../shared/guards.js';

/** OpenSSL's and Node's codes for a certificate chain that did not verify, each with what it means. */
const CHAIN_NOT_TRUSTED: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its chain ends in a self-signed CA this machine does not trust',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its issuer is not a CA this machine trusts',
  UNABLE_TO_GET_ISSUER_CERT: 'its issuer is not a CA this machine trusts',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its issuer is not a CA this machine trusts',
  CERT_UNTRUSTED: 'its CA is not trusted here',
  CERT_SIGNATURE_FAILURE: 'its signature does not verify',
};

const CHAIN_OUT_OF_DATE: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'it has expired',
  CERT_NOT_YET_VALID: 'it is not valid yet',
};

/**
 * The error to report when the request failed with `cause` because the server's certificate did not
 * verify, or `undefined` when that is not why.
 */
export function findUntrustedCertificate(cause: unknown, url: URL, base: string): PorticoError | undefined {
  if (url.protocol !== 'https:' || !isRecord(cause) || typeof cause.code !== 'string') {
    return undefined;
  }
  const code = cause.code;
  let remedy: string;
  let why: string;
  if (code in CHAIN_NOT_TRUSTED) {
    why = CHAIN_NOT_TRUSTED[code] as string;
    remedy =
      'If the server uses your own CA or a self-signed certificate, run the command with NODE_EXTRA_CA_CERTS set to that CA’s (or certificate’s) PEM file.';
  } else if (code in CHAIN_OUT_OF_DATE) {
    why = CHAIN_OUT_OF_DATE[code] as string;
    remedy = 'Renew the server’s certificate, or set this machine’s clock right if it is wrong.';
  } else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    why = `it is not issued for ${url.hostname}`;
    remedy = 'Use a host name the certificate names in --url or PORTICO_URL.';
  } else {
    return undefined;
  }
  return new PorticoError(
    'CLIENT_SERVER_UNTRUSTED',
    `The server at ${base} presented a certificate this machine does not trust: ${why} (${code}). ${remedy}`,
    { cause },
  );
}
