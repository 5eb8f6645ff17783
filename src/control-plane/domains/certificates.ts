/**
 * Certificates of custom domains in the database, shared by every node: the served pair (key sealed),
 * what needs ordering or renewing, why the last order failed, the ACME challenges any node may be asked
 * for, the ACME account key, and uploaded certificates (checked before they replace anything).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { PorticoError } from '../../shared/errors.js';
import { type ControlContext, recordChange } from '../context.js';
import { DOMAINS_CHANGE_PREFIX } from './names.js';
import { getCustomDomain } from './service.js';

/** A stored certificate, key opened. */
export interface StoredCertificate {
  readonly hostname: string;
  readonly source: 'acme' | 'uploaded';
  readonly cert: string;
  readonly key: string;
  readonly notAfter: string;
}

/** What the management API shows of a domain's certificate. */
export interface CertificateSummary {
  readonly source: 'acme' | 'uploaded';
  readonly notAfter: string;
}

/** Every stored certificate of an existing custom domain (for the SNI table). */
export async function readCertificates(ctx: ControlContext): Promise<StoredCertificate[]> {
  const rows = await ctx.db
    .selectFrom('certificates')
    .innerJoin('custom_domains', 'custom_domains.domain_name', 'certificates.hostname')
    .selectAll('certificates')
    .execute();
  return rows.map((row) => ({
    hostname: row.hostname,
    source: row.source,
    cert: row.cert_pem,
    key: ctx.sealer.unseal(row.key_sealed),
    notAfter: row.not_after,
  }));
}

/** The certificate summary and last order error of `hostname`. */
export async function describeCertificate(
  ctx: ControlContext,
  hostname: string,
): Promise<{ certificate: CertificateSummary | null; certificateError: string | null }> {
  const row = await ctx.db
    .selectFrom('certificates')
    .select(['source', 'not_after'])
    .where('hostname', '=', hostname)
    .executeTakeFirst();
  const domain = await ctx.db
    .selectFrom('custom_domains')
    .select('certificate_error')
    .where('domain_name', '=', hostname)
    .executeTakeFirst();
  return {
    certificate: row === undefined ? null : { source: row.source, notAfter: row.not_after },
    certificateError: domain?.certificate_error ?? null,
  };
}

/** Stores a certificate for `hostname` (replacing the previous one) and clears the last error. */
export async function saveCertificate(
  ctx: ControlContext,
  hostname: string,
  pair: { cert: string; key: string; notAfter: Date },
  source: 'acme' | 'uploaded',
): Promise<void> {
  const values = {
    hostname,
    source,
    cert_pem: pair.cert,
    key_sealed: ctx.sealer.seal(pair.key),
    not_after: pair.notAfter.toISOString(),
    updated_at: ctx.now().toISOString(),
  };
  await ctx.db
    .insertInto('certificates')
    .values(values)
    .onConflict((oc) => oc.column('hostname').doUpdateSet(values))
    .execute();
  await ctx.db
    .updateTable('custom_domains')
    .set({ certificate_error: null })
    .where('domain_name', '=', hostname)
    .execute();
  await recordChange(ctx, `${DOMAINS_CHANGE_PREFIX}${hostname}`);
}

/** Records why an order failed; the working certificate, if any, stays. */
export async function recordCertificateFailure(
  ctx: ControlContext,
  hostname: string,
  message: string,
): Promise<void> {
  await ctx.db
    .updateTable('custom_domains')
    .set({ certificate_error: message })
    .where('domain_name', '=', hostname)
    .execute();
}

/**
 * The `Ready` domains that need an ACME order now: no certificate, or an ACME one that expires within
 * `renewBeforeMs`; and no attempt in the last `retryMs` (so a failing order is not hammered).
 */
export async function listCertificateWork(
  ctx: ControlContext,
  renewBeforeMs: number,
  retryMs: number,
): Promise<string[]> {
  const now = ctx.now().getTime();
  const rows = await ctx.db
    .selectFrom('custom_domains')
    .leftJoin('certificates', 'certificates.hostname', 'custom_domains.domain_name')
    .select([
      'custom_domains.domain_name',
      'custom_domains.certificate_attempt_at',
      'certificates.source',
      'certificates.not_after',
    ])
    .where('custom_domains.status', '=', 'Ready')
    .execute();
  return rows
    .filter((r) => r.source !== 'uploaded')
    .filter((r) => r.not_after === null || Date.parse(r.not_after) - now < renewBeforeMs)
    .filter((r) => r.certificate_attempt_at === null || now - Date.parse(r.certificate_attempt_at) >= retryMs)
    .map((r) => r.domain_name);
}

/** Removes the certificates of domains that are gone (their site was deleted). */
export async function deleteOrphanCertificates(ctx: ControlContext): Promise<void> {
  await ctx.db
    .deleteFrom('certificates')
    .where('hostname', 'not in', (eb) => eb.selectFrom('custom_domains').select('domain_name'))
    .execute();
}

/** Notes that an order for `hostname` starts now. */
export async function markCertificateAttempt(ctx: ControlContext, hostname: string): Promise<void> {
  await ctx.db
    .updateTable('custom_domains')
    .set({ certificate_attempt_at: ctx.now().toISOString() })
    .where('domain_name', '=', hostname)
    .execute();
}

/** Forgets the attempt of an order that was cut short (its node stopped), so the next node orders at once. */
export async function clearCertificateAttempt(ctx: ControlContext, hostname: string): Promise<void> {
  await ctx.db
    .updateTable('custom_domains')
    .set({ certificate_attempt_at: null })
    .where('domain_name', '=', hostname)
    .where('certificate_error', 'is', null)
    .execute();
}

/** The key authorization of a pending ACME challenge. */
export async function findAcmeChallenge(ctx: ControlContext, token: string): Promise<string | undefined> {
  const row = await ctx.db
    .selectFrom('acme_challenges')
    .select('key_authorization')
    .where('token', '=', token)
    .executeTakeFirst();
  return row?.key_authorization;
}

/** Publishes a challenge for every node to answer. */
export async function putAcmeChallenge(
  ctx: ControlContext,
  token: string,
  keyAuthorization: string,
): Promise<void> {
  const values = { token, key_authorization: keyAuthorization, created_at: ctx.now().toISOString() };
  await ctx.db
    .insertInto('acme_challenges')
    .values(values)
    .onConflict((oc) => oc.column('token').doUpdateSet(values))
    .execute();
}

/** Removes a challenge once its order is done. */
export async function removeAcmeChallenge(ctx: ControlContext, token: string): Promise<void> {
  await ctx.db.deleteFrom('acme_challenges').where('token', '=', token).execute();
}

/** The ACME account key for `directoryUrl`: created once (by whichever node comes first) and sealed. */
export async function resolveAcmeAccountKey(
  ctx: ControlContext,
  directoryUrl: string,
  create: () => Promise<string>,
): Promise<string> {
  const name = `acme-account:${directoryUrl}`;
  const find = () =>
    ctx.db.selectFrom('service_values').select('value').where('name', '=', name).executeTakeFirst();
  const existing = await find();
  if (existing === undefined) {
    await ctx.db
      .insertInto('service_values')
      .values({ name, value: ctx.sealer.seal(await create()) })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
  }
  const row = existing ?? (await find());
  return ctx.sealer.unseal(row?.value ?? '');
}

/**
 * Takes the lease `name` for `ttlMs` when nobody holds it (or the holder's has expired): true when
 * `holder` has it. One node orders a certificate while the others skip it.
 */
export async function tryLease(
  ctx: ControlContext,
  name: string,
  holder: string,
  ttlMs: number,
): Promise<boolean> {
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
  await ctx.db
    .deleteFrom('leases')
    .where('name', '=', name)
    .where('expires_at', '<', now.toISOString())
    .execute();
  await ctx.db
    .insertInto('leases')
    .values({ name, holder, expires_at: expiresAt })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await ctx.db.selectFrom('leases').select('holder').where('name', '=', name).executeTakeFirst();
  return row?.holder === holder;
}

/** Gives the lease back. */
export async function releaseLease(ctx: ControlContext, name: string, holder: string): Promise<void> {
  await ctx.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
}

/**
 * Installs an operator's certificate for a custom domain after checking it: PEM that parses, a key that
 * belongs to it, a name that covers the domain, not expired. A bad upload changes nothing.
 */
export async function setUploadedCertificate(
  ctx: ControlContext,
  siteName: string,
  domainName: string,
  pem: { certificate: unknown; privateKey: unknown },
): Promise<void> {
  const domain = await getCustomDomain(ctx, siteName, domainName);
  const notAfter = checkUploaded(domain.domainName, pem, ctx.now());
  await saveCertificate(
    ctx,
    domain.domainName,
    { cert: String(pem.certificate), key: String(pem.privateKey), notAfter },
    'uploaded',
  );
}

function checkUploaded(
  hostname: string,
  pem: { certificate: unknown; privateKey: unknown },
  now: Date,
): Date {
  const invalid = (why: string, cause?: unknown) =>
    new PorticoError(
      'TLS_CERTIFICATE_INVALID',
      `The uploaded certificate for ${hostname} cannot be used: ${why}.`,
      {
        ...(cause === undefined ? {} : { cause }),
      },
    );
  if (typeof pem.certificate !== 'string' || typeof pem.privateKey !== 'string') {
    throw invalid(
      'send properties.certificate (PEM chain, leaf first) and properties.privateKey (PEM) as strings',
    );
  }
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(pem.certificate);
  } catch (error) {
    throw invalid(
      'the certificate (properties.certificate, --cert) is not a PEM certificate: was the key given in its place?',
      error,
    );
  }
  let matches = false;
  try {
    matches = leaf.checkPrivateKey(createPrivateKey(pem.privateKey));
  } catch (error) {
    throw invalid('the private key (properties.privateKey, --key) is not a PEM private key', error);
  }
  if (!matches) {
    throw invalid('the private key does not belong to the certificate');
  }
  if (leaf.checkHost(hostname) === undefined) {
    throw invalid(`it is for ${leaf.subjectAltName ?? leaf.subject}, which does not cover ${hostname}`);
  }
  const notAfter = new Date(leaf.validTo);
  if (notAfter.getTime() <= now.getTime()) {
    throw invalid(`it expired on ${notAfter.toISOString()}`);
  }
  try {
    // The whole chain, as the HTTPS listener loads it: a broken intermediate would otherwise be stored,
    // and then never served.
    createSecureContext({ cert: pem.certificate, key: pem.privateKey });
  } catch (error) {
    throw invalid(
      `the certificate chain does not load (${(error as Error).message}): every block of properties.certificate (--cert) must be a PEM certificate, leaf first, then its intermediates`,
      error,
    );
  }
  return notAfter;
}
