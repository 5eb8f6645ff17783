/**
 * The certificate of `portico start --ssl`: the PEM files given with `--ssl-cert`/`--ssl-key` (checked to
 * parse and to belong together), else a self-signed certificate for `localhost`, `127.0.0.1` and `::1`,
 * generated once and kept in the user's cache folder (files 0600) until it is close to expiry.
 */
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { PorticoError } from '../../shared/errors.js';
import { pemPairProblem } from '../../shared/pem-pair.js';

/** Days a generated certificate is valid. */
const VALID_DAYS = 90;
/** A cached certificate this close to expiry is replaced. */
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;
const CERT_FILE = 'localhost-cert.pem';
const KEY_FILE = 'localhost-key.pem';

/** A certificate to serve, and where it came from. */
export interface ResolvedCertificate {
  /** PEM certificate and private key. */
  readonly cert: string;
  readonly key: string;
  /** The certificate file (given or cached). */
  readonly certFile: string;
  /** `given`, `cached` (reused) or `generated` (new). */
  readonly origin: 'given' | 'cached' | 'generated';
}

/** Inputs of {@link resolveCertificate}. */
export interface CertificateInput {
  readonly certFile?: string;
  readonly keyFile?: string;
  /** Folder of the generated certificate (see {@link userCacheDir}). */
  readonly cacheDir: string;
  readonly now?: Date;
}

/** `$XDG_CACHE_HOME/portico`, else `~/.cache/portico`. */
export function userCacheDir(env: Readonly<Record<string, string | undefined>>): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'portico');
}

/** The given certificate, else the cached or a new self-signed one. Throws a user error for bad files. */
export async function resolveCertificate(input: CertificateInput): Promise<ResolvedCertificate> {
  if ((input.certFile === undefined) !== (input.keyFile === undefined)) {
    throw new PorticoError(
      'CLI_USAGE',
      '--ssl-cert and --ssl-key go together (sslCert and sslKey in swa-cli.config.json); give both, or neither for a generated localhost certificate.',
    );
  }
  if (input.certFile !== undefined && input.keyFile !== undefined) {
    return readGivenCertificate(input.certFile, input.keyFile);
  }
  const now = input.now ?? new Date();
  const cached = await readCachedCertificate(input.cacheDir, now);
  return cached ?? generateCertificate(input.cacheDir, now);
}

async function readGivenCertificate(certFile: string, keyFile: string): Promise<ResolvedCertificate> {
  const [cert, key] = await Promise.all([readPem(certFile, 'certificate'), readPem(keyFile, 'key')]);
  const problem = pemPairProblem(cert, key);
  if (problem !== undefined) {
    const where =
      problem.file === 'certificate'
        ? `--ssl-cert ${certFile}`
        : problem.file === 'key'
          ? `--ssl-key ${keyFile}`
          : `--ssl-cert ${certFile} with --ssl-key ${keyFile}`;
    throw new PorticoError('CLI_TLS_INVALID', `${where}: ${problem.text}`);
  }
  return { cert, key, certFile, origin: 'given' };
}

async function readPem(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    throw new PorticoError('CLI_TLS_INVALID', `cannot read the ${what} file ${file}: ${reason}`);
  }
}

async function readCachedCertificate(cacheDir: string, now: Date): Promise<ResolvedCertificate | undefined> {
  const certFile = join(cacheDir, CERT_FILE);
  const [cert, key] = await Promise.all([
    readFile(certFile, 'utf8').catch(() => undefined),
    readFile(join(cacheDir, KEY_FILE), 'utf8').catch(() => undefined),
  ]);
  if (cert === undefined || key === undefined || pemPairProblem(cert, key) !== undefined) {
    return undefined;
  }
  const validTo = new Date(new X509Certificate(cert).validTo).getTime();
  return validTo - now.getTime() > RENEW_BEFORE_MS ? { cert, key, certFile, origin: 'cached' } : undefined;
}

async function generateCertificate(cacheDir: string, now: Date): Promise<ResolvedCertificate> {
  const notBeforeDate = new Date(now.getTime() - 60_000);
  // Imported here: only --ssl without a given or cached certificate needs it.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(now.getTime() + VALID_DAYS * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  await writePrivate(join(cacheDir, KEY_FILE), pems.private);
  const certFile = join(cacheDir, CERT_FILE);
  await writePrivate(certFile, pems.cert);
  return { cert: pems.cert, key: pems.private, certFile, origin: 'generated' };
}

/** Writes a file readable by its owner only, replacing any old one at once (no half-written file). */
async function writePrivate(file: string, content: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}
