/**
 * Custom domains and their certificates on every database (SQLite, and PostgreSQL when configured):
 * the lease one node orders under, what is due for an order or renewal, sealed keys, the shared ACME
 * account key, and cleanup when a site goes.
 * @see issue 18 "Certificates by ACME"
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DnsAnswer,
  type DomainDns,
  deleteCustomDomain,
  deleteOrphanCertificates,
  getCustomDomain,
  listCertificateWork,
  markCertificateAttempt,
  putCustomDomain,
  readCertificates,
  releaseLease,
  resolveAcmeAccountKey,
  revalidateDomains,
  saveCertificate,
  tryLease,
} from '../../src/control-plane/domains/index.js';
import type { ControlContext } from '../../src/control-plane/index.js';
import { createSite, deleteSite } from '../../src/control-plane/sites.js';
import { openDatabase, type StorageDatabase } from '../../src/storage/index.js';
import { testControlContext } from '../helpers/control-context.js';
import { testDatabases } from '../helpers/databases.js';

const DAY = 86_400_000;

/** A lookup a test holds until it says what the lookup finds. */
interface HeldLookup {
  /** Settles once the lookup has been asked. */
  readonly asked: Promise<void>;
  answer(answer: DnsAnswer): void;
}

/**
 * DNS where every name is a CNAME of every site (validation always passes), except names a test has
 * answered otherwise, and one lookup a test holds.
 */
function agreeableDns(target: () => string) {
  const answers = new Map<string, DnsAnswer>();
  let held: { name: string; asked: () => void; answer: Promise<DnsAnswer> } | undefined;
  const dns: DomainDns = {
    cname: async (name) => {
      if (held?.name === name) {
        const { asked, answer } = held;
        held = undefined;
        asked();
        return answer;
      }
      return answers.get(name) ?? { kind: 'found', values: [target()] };
    },
    txt: async () => ({ kind: 'none' }),
  };
  const hold = (name: string): HeldLookup => {
    let asked = () => {};
    let answer: (answer: DnsAnswer) => void = () => {};
    const settled = new Promise<void>((resolve) => {
      asked = resolve;
    });
    held = { name, asked, answer: new Promise((resolve) => (answer = resolve)) };
    return { asked: settled, answer };
  };
  return { dns, answers, hold };
}

describe.each(testDatabases())('custom domains and certificates on $name', (database) => {
  let storage: StorageDatabase;
  let ctx: ControlContext;
  let cleanup: () => Promise<void>;
  let now = Date.now();
  let siteHost = '';
  const dns = agreeableDns(() => siteHost);

  beforeAll(async () => {
    const created = await database.create();
    cleanup = created.cleanup;
    storage = await openDatabase(created.location);
    ctx = testControlContext(storage, created.dir, {
      now: () => new Date(now),
      domainDns: dns.dns,
    });
    siteHost = (await createSite(ctx, 'shop', 'Standard')).site.defaultHostname;
  });
  afterAll(async () => {
    await storage?.close();
    await cleanup?.();
  });

  it('lets one holder take a lease until it is released or expires', async () => {
    expect(await tryLease(ctx, 'acme:a.example', 'node-1', 60_000)).toBe(true);
    expect(await tryLease(ctx, 'acme:a.example', 'node-2', 60_000)).toBe(false);
    await releaseLease(ctx, 'acme:a.example', 'node-2');
    expect(await tryLease(ctx, 'acme:a.example', 'node-2', 60_000)).toBe(false);
    await releaseLease(ctx, 'acme:a.example', 'node-1');
    expect(await tryLease(ctx, 'acme:a.example', 'node-2', 60_000)).toBe(true);
    now += 120_000;
    expect(await tryLease(ctx, 'acme:a.example', 'node-3', 60_000)).toBe(true);
  });

  it('lists a ready domain until it has a certificate, and again within 30 days of its expiry', async () => {
    const domain = await putCustomDomain(ctx, 'shop', 'www.shop.example', {});
    expect(domain.status).toBe('Ready');
    expect(await listCertificateWork(ctx, 30 * DAY, 3_600_000)).toEqual(['www.shop.example']);
    await markCertificateAttempt(ctx, 'www.shop.example');
    expect(await listCertificateWork(ctx, 30 * DAY, 3_600_000)).toEqual([]);
    const pair = { cert: 'CERT', key: 'PRIVATE KEY', notAfter: new Date(now + 90 * DAY) };
    await saveCertificate(ctx, 'www.shop.example', pair, 'acme');
    now += 2 * 3_600_000;
    expect(await listCertificateWork(ctx, 30 * DAY, 3_600_000)).toEqual([]);
    now += 61 * DAY;
    expect(await listCertificateWork(ctx, 30 * DAY, 3_600_000)).toEqual(['www.shop.example']);
  });

  it('never renews an uploaded certificate by ACME, and keeps keys sealed', async () => {
    await saveCertificate(
      ctx,
      'www.shop.example',
      { cert: 'UPLOADED', key: 'SECRET KEY', notAfter: new Date(now + DAY) },
      'uploaded',
    );
    expect(await listCertificateWork(ctx, 30 * DAY, 0)).toEqual([]);
    const row = await ctx.db.selectFrom('certificates').selectAll().executeTakeFirstOrThrow();
    expect(row.key_sealed).not.toContain('SECRET');
    expect(await readCertificates(ctx)).toEqual([
      expect.objectContaining({ hostname: 'www.shop.example', key: 'SECRET KEY', source: 'uploaded' }),
    ]);
  });

  it('creates one ACME account key per directory, whichever node asks first', async () => {
    let made = 0;
    const create = async () => `key-${++made}`;
    const [first, second] = await Promise.all([
      resolveAcmeAccountKey(ctx, 'https://acme.example/dir', create),
      resolveAcmeAccountKey(ctx, 'https://acme.example/dir', create),
    ]);
    expect(second).toBe(first);
    expect(await resolveAcmeAccountKey(ctx, 'https://acme.example/dir', create)).toBe(first);
  });

  it('keeps what a re-validation found over a periodic check that read the domain before it', async () => {
    dns.answers.set('late.shop.example', { kind: 'none' });
    expect((await putCustomDomain(ctx, 'shop', 'late.shop.example', {})).status).toBe('Validating');
    // The periodic check reads the domain as Validating and waits on its lookup...
    const lookup = dns.hold('late.shop.example');
    const periodic = revalidateDomains(ctx);
    await lookup.asked;
    // ...while the record appears and `portico domain add` again finds it.
    dns.answers.delete('late.shop.example');
    expect((await putCustomDomain(ctx, 'shop', 'late.shop.example', {})).status).toBe('Ready');
    // The periodic lookup, sent before the record was there, finds nothing: the domain stays ready.
    lookup.answer({ kind: 'none' });
    await periodic;
    expect((await getCustomDomain(ctx, 'shop', 'late.shop.example')).status).toBe('Ready');
  });

  it('answers 409, not the verdict, to a PUT whose domain a DELETE removed while DNS was asked (@see tester finding)', async () => {
    const lookup = dns.hold('gone.shop.example');
    const adding = putCustomDomain(ctx, 'shop', 'gone.shop.example', {});
    adding.catch(() => undefined);
    await lookup.asked;
    await deleteCustomDomain(ctx, 'shop', 'gone.shop.example');
    lookup.answer({ kind: 'found', values: [siteHost] });
    await expect(adding).rejects.toMatchObject({
      code: 'STORAGE_CONFLICT',
      status: 409,
      message: expect.stringContaining('gone.shop.example was deleted by another request while'),
    });
    await expect(getCustomDomain(ctx, 'shop', 'gone.shop.example')).rejects.toMatchObject({
      code: 'CONTROL_DOMAIN_NOT_FOUND',
    });

    // Deleted and added to another site meanwhile: not that site's domain either.
    await createSite(ctx, 'rival', 'Standard');
    const again = dns.hold('gone.shop.example');
    const racing = putCustomDomain(ctx, 'shop', 'gone.shop.example', {});
    racing.catch(() => undefined);
    await again.asked;
    await deleteCustomDomain(ctx, 'shop', 'gone.shop.example');
    await putCustomDomain(ctx, 'rival', 'gone.shop.example', {});
    again.answer({ kind: 'found', values: [siteHost] });
    await expect(racing).rejects.toMatchObject({ code: 'STORAGE_CONFLICT' });
    await expect(getCustomDomain(ctx, 'shop', 'gone.shop.example')).rejects.toMatchObject({
      code: 'CONTROL_DOMAIN_NOT_FOUND',
    });
    expect((await getCustomDomain(ctx, 'rival', 'gone.shop.example')).domainName).toBe('gone.shop.example');
    await deleteSite(ctx, 'rival');
  });

  it('forgets the domains and certificates of a deleted site', async () => {
    await deleteSite(ctx, 'shop');
    expect(await readCertificates(ctx)).toEqual([]);
    await deleteOrphanCertificates(ctx);
    expect(await ctx.db.selectFrom('certificates').selectAll().execute()).toEqual([]);
    expect(await ctx.db.selectFrom('custom_domains').selectAll().execute()).toEqual([]);
  });
});
