/**
 * Certificates by ACME HTTP-01 (RFC 8555) with the `acme-client` library: an account key, an order for
 * one host name, its challenge published where the plain listener answers it, the certificate back.
 * Storage-free: the caller keeps the account key, the challenges (shared by all nodes) and the result.
 */
import { X509Certificate } from 'node:crypto';
import type * as AcmeClient from 'acme-client';
import { PorticoError } from '../shared/errors.js';
import { errorChain, errorCode, errorMessage } from '../shared/guards.js';

/** Let's Encrypt's production directory, the default when HTTPS is on (acme-client's `letsencrypt.production`). */
export const LETS_ENCRYPT_DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';

/**
 * acme-client, imported on first use: only a service that orders certificates needs it, and loading it
 * costs every `portico serve` about 25 MB and a large share of its start-up (decision 0035).
 */
async function loadAcme(): Promise<typeof AcmeClient.default> {
  return (await import('acme-client')).default;
}

/** Where the challenges of an order are published (every node must be able to answer them). */
export interface ChallengeStore {
  put(token: string, keyAuthorization: string): Promise<void>;
  remove(token: string): Promise<void>;
}

/** One order. */
export interface AcmeOrder {
  readonly directoryUrl: string;
  readonly email?: string;
  /** PEM of the account's private key ({@link createAccountKey}). */
  readonly accountKey: string;
  readonly hostname: string;
  readonly challenges: ChallengeStore;
}

/** What an order gives: the PEM chain (leaf first), its new private key, and when it expires. */
export interface IssuedCertificate {
  readonly cert: string;
  readonly key: string;
  readonly notAfter: Date;
}

/** A new account key (ECDSA P-256, PEM). */
export async function createAccountKey(): Promise<string> {
  const acme = await loadAcme();
  return (await acme.crypto.createPrivateEcdsaKey()).toString();
}

/**
 * Orders a certificate for `hostname` over HTTP-01. acme-client's own pre-check of the challenge URL is
 * skipped: it would resolve the name through this machine's resolver, which need not be the one the
 * world (or the ACME server) uses; the ACME server's validation is the one that counts.
 */
export async function orderCertificate(order: AcmeOrder): Promise<IssuedCertificate> {
  await checkDirectory(order.directoryUrl, order.hostname);
  const acme = await loadAcme();
  const client = new acme.Client({ directoryUrl: order.directoryUrl, accountKey: order.accountKey });
  const [key, csr] = await acme.crypto.createCsr(
    { commonName: order.hostname, altNames: [order.hostname] },
    await acme.crypto.createPrivateEcdsaKey(),
  );
  try {
    const cert = await client.auto({
      csr,
      ...(order.email === undefined ? {} : { email: order.email }),
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      skipChallengeVerification: true,
      challengeCreateFn: (_authz, challenge, keyAuthorization) =>
        order.challenges.put(challenge.token, keyAuthorization),
      challengeRemoveFn: (_authz, challenge) => order.challenges.remove(challenge.token),
    });
    return { cert, key: key.toString(), notAfter: new Date(new X509Certificate(cert).validTo) };
  } catch (error) {
    throw new PorticoError(
      'TLS_ACME_FAILED',
      `The ACME server at ${order.directoryUrl} did not issue a certificate for ${order.hostname}: ${errorMessage(error)}. Check that ${order.hostname} resolves to this service and that port 80 reaches its plain HTTP listener.`,
      { cause: error },
    );
  }
}

/** TLS errors of a server certificate this machine does not trust. */
const UNTRUSTED =
  /^(?:UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(?:_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID|CERT_UNTRUSTED)$/;

/** How long the ACME directory may take to answer the check before an order. */
const DIRECTORY_CHECK_MS = 15_000;

/**
 * Reads the ACME directory before an order, so that a server this machine cannot reach or does not trust
 * is reported as such: acme-client turns those into errors that say nothing of the cause.
 */
async function checkDirectory(directoryUrl: string, hostname: string): Promise<void> {
  try {
    const response = await fetch(directoryUrl, { signal: AbortSignal.timeout(DIRECTORY_CHECK_MS) });
    await response.body?.cancel();
  } catch (error) {
    const code = errorChain(error)
      .map(errorCode)
      .find((each) => each !== undefined);
    const why =
      code !== undefined && UNTRUSTED.test(code)
        ? `its TLS certificate is not trusted here (${code}). If it is signed by a private CA (a test server such as pebble), give that CA's certificate to portico serve with NODE_EXTRA_CA_CERTS=<file>`
        : `${code ?? errorMessage(error)}. Check --acme-directory and that this machine can reach it`;
    throw new PorticoError(
      'TLS_ACME_FAILED',
      `The ACME server at ${directoryUrl} cannot be reached to order a certificate for ${hostname}: ${why}.`,
      { cause: error },
    );
  }
}
