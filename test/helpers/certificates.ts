/**
 * Real X.509 certificates for TLS tests: a test CA and leaf certificates it signs for given host names
 * (ECDSA P-256), as PEM; plus an HTTPS client that says which certificate the server chose.
 */
import { KeyObject, webcrypto } from 'node:crypto';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import * as x509 from '@peculiar/x509';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A PEM certificate (chain) and its private key. */
export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

/** A test certificate authority. */
export interface TestCa {
  readonly cert: string;
  /** A leaf certificate for `names` (DNS names), valid from now for `days`. */
  issue(names: readonly string[], days?: number): Promise<PemPair>;
}

let serial = 1;

/** Creates a CA valid for a year. */
export async function createTestCa(name = 'Portico Test CA'): Promise<TestCa> {
  x509.cryptoProvider.set(webcrypto as never);
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 365 * 86_400_000),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return {
    cert: ca.toString('pem'),
    async issue(names, days = 30) {
      const leafKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, [
        'sign',
        'verify',
      ])) as webcrypto.CryptoKeyPair;
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: (serial++).toString(16).padStart(2, '0'),
        subject: `CN=${names[0] ?? 'localhost'}`,
        issuer: ca.subject,
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + days * 86_400_000),
        signingAlgorithm: ALGORITHM,
        publicKey: leafKeys.publicKey,
        signingKey: keys.privateKey,
        extensions: [
          new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: 'dns' as const, value }))),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        ],
      });
      const key = KeyObject.from(leafKeys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
      return { cert: leaf.toString('pem'), key };
    },
  };
}

/** What an HTTPS request saw. */
export interface HttpsAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** The served certificate's subject alternative names and serial number. */
  readonly altNames: string;
  readonly serial: string;
  readonly protocol: string | null;
}

/** GET (or `method`) over TLS to 127.0.0.1:`port`, with SNI and Host `hostname`, trusting `ca`. */
export function httpsRequest(
  port: number,
  hostname: string,
  path: string,
  ca: string,
  init: { method?: string; headers?: Record<string, string>; servername?: string } = {},
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: init.method ?? 'GET',
        servername: init.servername ?? hostname,
        headers: { host: `${hostname}:${port}`, ...init.headers },
        ca,
        agent: false,
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const peer = socket.getPeerCertificate();
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            altNames: peer.subjectaltname ?? '',
            serial: peer.serialNumber ?? '',
            protocol: socket.getProtocol(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}
