/**
 * Custom domains as Azure has them, validated against a real DNS server (pebble-challtestsrv on
 * loopback, reached with --dns-server): CNAME right and wrong, TXT right and missing, the bad inputs,
 * plan limits, serving production only, the default domain and deletion.
 * @see issue 18 "Custom domains as Azure has them"
 */
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, writeApp } from '../helpers/app.js';
import { startTestDns, type TestDns } from '../helpers/pebble.js';
import {
  ADMIN_TOKEN,
  createDeployedSite,
  deployFolders,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

interface DomainBody {
  name: string;
  type: string;
  properties: {
    domainName: string;
    status: string;
    validationToken: string;
    validationMethod: string;
    errorMessage: string | null;
  };
}

describe('custom domains', () => {
  let t: TestService;
  let dns: TestDns;
  let shop: string;
  let apiKey: string;

  const put = (site: string, domain: string, properties: Record<string, unknown> = {}) =>
    t.admin('PUT', `${SITES_PATH}/${site}/customDomains/${domain}`, { properties });
  const show = (site: string, domain: string) =>
    t.admin('GET', `${SITES_PATH}/${site}/customDomains/${domain}`);
  const errorOf = (response: { json<T>(): T }) =>
    response.json<{ error: { code: string; message: string } }>().error;
  /** Waits (on the service's own periodic check) until the domain leaves `status`. */
  const waitWhile = async (site: string, domain: string, status: string) => {
    for (;;) {
      const body = (await show(site, domain)).json<DomainBody>();
      if (body.properties.status !== status) {
        return body;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    dns = await startTestDns();
    t = await startTestService({
      extra: { dnsServer: dns.server, domainCheckIntervalMs: 200, domainRevalidateMs: 0 },
    });
    shop = await createDeployedSite(t, 'shop', { files: { 'index.html': '<h1>shop production</h1>' } });
    apiKey = (await t.admin('POST', `${SITES_PATH}/shop/listSecrets`)).json<{
      properties: { apiKey: string };
    }>().properties.apiKey;
    const preview = await writeApp({ 'index.html': '<h1>shop preview</h1>' });
    expect((await deployFolders(t.service, apiKey, preview, { environment: 'stage' })).status).toBe(200);
    await createDeployedSite(t, 'other', { files: { 'index.html': '<h1>other</h1>' } });
    expect((await t.admin('PUT', `${SITES_PATH}/free`, { sku: { name: 'Free' } })).status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await dns?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('validates a subdomain by CNAME to the site and then serves production there', async () => {
    await dns.setCname('www.shop.example', shop);
    const added = await put('shop', 'www.shop.example', { validationMethod: 'cname-delegation' });
    expect(added.status).toBe(200);
    expect(added.json<DomainBody>()).toMatchObject({
      name: 'www.shop.example',
      type: 'Microsoft.Web/staticSites/customDomains',
      properties: { domainName: 'www.shop.example', status: 'Ready', errorMessage: null },
    });
    const page = await t.get('www.shop.example', '/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('shop production');
    const site = await t.admin('GET', `${SITES_PATH}/shop`);
    expect(site.json<{ properties: { customDomains: string[] } }>().properties.customDomains).toEqual([
      'www.shop.example',
    ]);
  });

  it('fails a CNAME that points elsewhere, saying where it points and what to set', async () => {
    await dns.setCname('blog.shop.example', 'elsewhere.example');
    const added = await put('shop', 'blog.shop.example', { validationMethod: 'cname-delegation' });
    const body = added.json<DomainBody>();
    expect(body.properties.status).toBe('Failed');
    expect(body.properties.errorMessage).toContain('elsewhere.example');
    expect(body.properties.errorMessage).toContain(`blog.shop.example CNAME ${shop}`);
    expect((await t.get('blog.shop.example', '/')).status).toBe(404);
    expect((await t.admin('DELETE', `${SITES_PATH}/shop/customDomains/blog.shop.example`)).status).toBe(200);
  });

  it('validate looks the CNAME up: refused when it points elsewhere, accepted when right or not there yet', async () => {
    const validate = (domain: string, properties: Record<string, unknown> = {}) =>
      t.admin('POST', `${SITES_PATH}/shop/customDomains/${domain}/validate`, { properties });
    await dns.setCname('news.shop.example', 'elsewhere.example');
    const wrong = await validate('news.shop.example', { validationMethod: 'cname-delegation' });
    expect(wrong.status).toBe(400);
    expect(errorOf(wrong)).toEqual({
      code: 'CONTROL_DOMAIN_RECORD_WRONG',
      message: `The custom domain news.shop.example cannot be validated for 'shop': news.shop.example is a CNAME of elsewhere.example, not of this site: change the record to news.shop.example CNAME ${shop}.`,
    });
    await dns.setCname('news.shop.example', shop);
    expect((await validate('news.shop.example', { validationMethod: 'cname-delegation' })).status).toBe(200);
    // No record yet: the PUT would keep it Validating, so validate lets it be added.
    expect((await validate('later.shop.example')).status).toBe(200);
    // A TXT-validated domain gets its token from the PUT: nothing to look up before.
    expect((await validate('shop.example', { validationMethod: 'dns-txt-token' })).status).toBe(200);
    expect((await show('shop', 'news.shop.example')).status).toBe(404);
    await dns.clearCname('news.shop.example');
  });

  it('keeps an apex domain validating until its TXT token appears, then serves it', async () => {
    const added = await put('shop', 'shop.example', { validationMethod: 'dns-txt-token' });
    const body = added.json<DomainBody>();
    expect(body.properties.status).toBe('Validating');
    expect(body.properties.validationToken).toMatch(/^[0-9a-f]{32}$/);
    expect(body.properties.errorMessage).toContain(
      `_dnsauth.shop.example TXT "${body.properties.validationToken}"`,
    );
    expect((await t.get('shop.example', '/')).status).toBe(404);
    await dns.setTxt('_dnsauth.shop.example', body.properties.validationToken);
    const ready = await waitWhile('shop', 'shop.example', 'Validating');
    expect(ready.properties.status).toBe('Ready');
    expect((await t.get('shop.example', '/')).text).toContain('shop production');
  });

  it('checks a ready domain again without changing how it is validated or unserving it', async () => {
    const first = await put('shop', 'txt.shop.example', { validationMethod: 'dns-txt-token' });
    await dns.setTxt('_dnsauth.txt.shop.example', first.json<DomainBody>().properties.validationToken);
    expect((await waitWhile('shop', 'txt.shop.example', 'Validating')).properties.status).toBe('Ready');
    // `portico domain add` again (no method given): checked again, still TXT, still served.
    const again = await put('shop', 'txt.shop.example');
    expect(again.json<DomainBody>().properties).toMatchObject({
      status: 'Ready',
      validationMethod: 'dns-txt-token',
    });
    expect((await t.get('txt.shop.example', '/')).text).toContain('shop production');
    // A record changed since: the check fails it, as the periodic check would.
    await dns.clearTxt('_dnsauth.txt.shop.example');
    await dns.setTxt('_dnsauth.txt.shop.example', 'another-token');
    expect((await put('shop', 'txt.shop.example')).json<DomainBody>().properties.status).toBe('Failed');
    await t.admin('DELETE', `${SITES_PATH}/shop/customDomains/txt.shop.example`);
  });

  it('refuses Unicode and Punycode (xn--) domain names, as Azure does (spec §7)', async () => {
    for (const name of ['bücher.shop.example', 'xn--bcher-kva.shop.example', 'BÜCHER.SHOP.EXAMPLE']) {
      const added = await put('shop', encodeURIComponent(name));
      expect(added.status, name).toBe(400);
      expect(errorOf(added), name).toMatchObject({ code: 'CONTROL_DOMAIN_NAME_INVALID' });
      expect(errorOf(added).message).toContain('Unicode and Punycode (xn--) domain names are not supported');
    }
    expect((await show('shop', 'xn--bcher-kva.shop.example')).status).toBe(404);
  });

  it('checks again, makes default and deletes a Unicode (xn--) domain stored before such names were refused', async () => {
    // A row as an earlier version stored it: the upgrade keeps it, and `portico domain add` checks it again.
    const db = new BetterSqlite3(join(t.dataDir, 'portico.db'));
    try {
      const site = db.prepare("SELECT id FROM sites WHERE name = 'shop'").get() as { id: string };
      db.prepare(
        `INSERT INTO custom_domains (domain_name, site_id, validation_method, validation_token, status, error_message,
           is_default, created_at, checked_at, certificate_error, certificate_attempt_at)
         VALUES ('xn--bcher-kva.shop.example', ?, 'cname-delegation', 'token', 'Validating', NULL, 0, ?, NULL, NULL, NULL)`,
      ).run(site.id, new Date().toISOString());
    } finally {
      db.close();
    }
    await dns.setCname('xn--bcher-kva.shop.example', shop);
    for (const spelling of ['xn--bcher-kva.shop.example', 'bücher.shop.example']) {
      const again = await put('shop', encodeURIComponent(spelling));
      expect(again.status, `${spelling}: ${again.text}`).toBe(200);
      expect(again.json<DomainBody>().properties).toMatchObject({
        domainName: 'xn--bcher-kva.shop.example',
        status: 'Ready',
      });
    }
    // Another site still cannot add it, and a new one is still refused.
    expect(errorOf(await put('other', 'xn--bcher-kva.shop.example')).code).toBe(
      'CONTROL_DOMAIN_NAME_INVALID',
    );
    expect((await put('shop', 'xn--mnchen-3ya.shop.example')).status).toBe(400);
    expect(
      (await t.admin('DELETE', `${SITES_PATH}/shop/customDomains/xn--bcher-kva.shop.example`)).status,
    ).toBe(200);
    await dns.clearCname('xn--bcher-kva.shop.example');
  });

  it('fails a TXT record that holds another token', async () => {
    await dns.setTxt('_dnsauth.txt.other.example', 'not-the-token');
    const added = await put('other', 'txt.other.example', { validationMethod: 'dns-txt-token' });
    expect(added.json<DomainBody>().properties).toMatchObject({ status: 'Failed' });
    expect(added.json<DomainBody>().properties.errorMessage).toContain('does not hold');
    await t.admin('DELETE', `${SITES_PATH}/other/customDomains/txt.other.example`);
  });

  it('refuses wildcards, IP addresses, invalid names and CNAME validation of an apex, saying how to fix it', async () => {
    const wildcard = await put('shop', '*.shop.example');
    expect(wildcard.status).toBe(400);
    expect(errorOf(wildcard)).toMatchObject({ code: 'CONTROL_DOMAIN_NAME_INVALID' });
    expect(errorOf(wildcard).message).toContain('wildcard');
    expect(errorOf(await put('shop', '203.0.113.7')).message).toContain('IP address');
    expect(errorOf(await put('shop', 'bad_name.example')).code).toBe('CONTROL_DOMAIN_NAME_INVALID');
    expect(errorOf(await put('shop', 'x.portico.test')).message).toContain("service's own");
    const apex = await put('shop', 'apex.example', { validationMethod: 'cname-delegation' });
    expect(errorOf(apex)).toMatchObject({ code: 'CONTROL_DOMAIN_METHOD_INVALID' });
    expect(errorOf(apex).message).toContain('dns-txt-token');
    expect(errorOf(await put('shop', 'a.apex.example', { validationMethod: 'email' })).code).toBe(
      'CONTROL_DOMAIN_METHOD_INVALID',
    );
  });

  it('refuses a domain another site uses', async () => {
    const taken = await put('other', 'www.shop.example');
    expect(taken.status).toBe(409);
    // The holder is named, and the fix comes as data too: the portal words it as its own controls.
    expect(taken.json()).toEqual({
      error: {
        code: 'CONTROL_DOMAIN_IN_USE',
        message:
          "The custom domain www.shop.example belongs to another site, 'shop'. Delete it there first (portico domain delete --site shop www.shop.example).",
        problem: "The custom domain www.shop.example belongs to another site, 'shop'.",
        remedy: { kind: 'delete-domain', site: 'shop', domain: 'www.shop.example' },
      },
    });
  });

  it("holds to the plan's limit of custom domains", async () => {
    expect((await put('free', 'a.free.example')).status).toBe(200);
    expect((await put('free', 'b.free.example')).status).toBe(200);
    const third = await put('free', 'c.free.example');
    expect(third.status).toBe(400);
    expect(errorOf(third)).toEqual({
      code: 'CONTROL_DOMAIN_LIMIT',
      message:
        "The Free plan allows 2 custom domains per site and 'free' has them all. Delete one, or move the site to the Standard plan. Change it with 'portico site plan free standard'.",
      problem:
        "The Free plan allows 2 custom domains per site and 'free' has them all. Delete one, or move the site to the Standard plan.",
      remedy: { kind: 'standard-plan', site: 'free' },
    });
  });

  it('redirects the other custom domains to the default domain', async () => {
    await dns.setCname('shop2.example.org', shop);
    await put('shop', 'shop2.example.org', { isDefault: true });
    const redirected = await t.get('www.shop.example', '/cart?item=1');
    expect(redirected.status).toBe(301);
    expect(redirected.headers.location).toBe(`http://shop2.example.org:${t.service.port}/cart?item=1`);
    expect((await t.get('shop2.example.org', '/')).status).toBe(200);
    expect((await t.get(shop, '/')).status).toBe(200);
  });

  it("accepts an invitation for another custom domain on the default domain its link redirects to, and on no other site's", async () => {
    const invite = async (site: string, domain: string) => {
      const made = await t.admin('POST', `${SITES_PATH}/${site}/createUserInvitation`, {
        properties: {
          provider: 'github',
          userDetails: 'ann',
          roles: 'editor',
          numHoursToExpiration: 1,
          domain,
        },
      });
      expect(made.status, made.text).toBe(200);
      return new URL(made.json<{ properties: { invitationUrl: string } }>().properties.invitationUrl)
        .pathname;
    };
    const session = await t.admin('POST', `${SITES_PATH}/shop/createTestSession`, {
      properties: { provider: 'github', userDetails: 'ann' },
    });
    const { cookieName, cookieValue } = session.json<{
      properties: { cookieName: string; cookieValue: string };
    }>().properties;
    const cookie = `${cookieName}=${cookieValue}`;
    const link = await invite('shop', 'www.shop.example');
    const redirected = await t.get('www.shop.example', link, { headers: { cookie } });
    expect(redirected.status).toBe(301);
    expect(redirected.headers.location).toBe(`http://shop2.example.org:${t.service.port}${link}`);
    // Not signed in there: sent to sign in and back, not told the link is invalid.
    const signIn = await t.get('shop2.example.org', link);
    expect(signIn.status).toBe(302);
    expect(signIn.headers.location).toContain('/.auth/login/github');
    const accepted = await t.get('shop2.example.org', link, { headers: { cookie } });
    expect(accepted.status, accepted.text).toBe(302);
    const me = await t.get('shop2.example.org', '/.auth/me', { headers: { cookie } });
    expect(me.json<{ clientPrincipal: { userRoles: string[] } }>().clientPrincipal.userRoles).toContain(
      'editor',
    );
    // The generated host name does not redirect to the default domain: its links stay its own, and another
    // site's link means nothing here.
    expect(
      (await t.get('shop2.example.org', await invite('shop', shop), { headers: { cookie } })).status,
    ).toBe(400);
    const other = (await t.admin('GET', `${SITES_PATH}/other`)).json<{
      properties: { defaultHostname: string };
    }>();
    expect(
      (await t.get('shop2.example.org', await invite('other', other.properties.defaultHostname))).status,
    ).toBe(400);
  });

  it('applies a new default domain at once, even one still validating: nothing redirects until it is ready', async () => {
    await put('shop', 'shop3.example.org', { isDefault: true });
    expect((await show('shop', 'shop3.example.org')).json<DomainBody>().properties.status).toBe('Validating');
    // The old default is no longer the default, so the others stop redirecting to it.
    expect((await t.get('www.shop.example', '/cart')).status).not.toBe(301);
    expect(
      (await t.admin('DELETE', `${SITES_PATH}/shop/customDomains/shop3.example.org`)).status,
    ).toBeLessThan(300);
    await put('shop', 'shop2.example.org', { isDefault: true });
    expect((await t.get('www.shop.example', '/cart')).status).toBe(301);
  });

  it('keeps a site with more custom domains than Free allows on Standard', async () => {
    const downgrade = await t.admin('PATCH', `${SITES_PATH}/shop`, { sku: { name: 'Free' } });
    expect(downgrade.status).toBe(409);
    expect(errorOf(downgrade).message).toContain('3 custom domains (Free allows 2)');
  });

  it('fails a ready domain whose CNAME is removed, on the periodic check', async () => {
    await dns.setCname('old.shop.example', shop);
    // Ready at once, or (a lookup that timed out on a busy machine) on the periodic check.
    if ((await put('shop', 'old.shop.example')).json<DomainBody>().properties.status !== 'Ready') {
      expect((await waitWhile('shop', 'old.shop.example', 'Validating')).properties.status).toBe('Ready');
    }
    await dns.clearCname('old.shop.example');
    const failed = await waitWhile('shop', 'old.shop.example', 'Ready');
    expect(failed.properties).toMatchObject({ status: 'Failed' });
    expect(failed.properties.errorMessage).toContain('no CNAME record');
    // The status is stored before the nodes reload their domain tables: wait for this one to have.
    while ((await t.get('old.shop.example', '/')).status !== 404) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await t.admin('DELETE', `${SITES_PATH}/shop/customDomains/old.shop.example`);
  });

  it('honours If-Match on a domain: a PUT for one deleted meanwhile neither adds it back nor takes the default', async () => {
    const putIf = (domain: string, ifMatch: string, properties: Record<string, unknown> = {}) =>
      send(`${t.service.adminUrl}${SITES_PATH}/shop/customDomains/${domain}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': 'application/json',
          'if-match': ifMatch,
        },
        body: JSON.stringify({ properties }),
      });
    await dns.setCname('stale.shop.example', shop);
    const added = await put('shop', 'stale.shop.example');
    const tag = added.header('etag') ?? '';
    expect(tag).toMatch(/^"[0-9a-f]{24}"$/);
    expect((await show('shop', 'stale.shop.example')).header('etag')).toBe(tag);
    // Checked again while it exists: `*` and its own tag both go ahead.
    expect((await putIf('stale.shop.example', '*')).status).toBe(200);
    // Someone deletes it (portico domain delete); a stale tab's Validate or Set as default comes after.
    expect((await t.admin('DELETE', `${SITES_PATH}/shop/customDomains/stale.shop.example`)).status).toBe(200);
    for (const ifMatch of ['*', tag]) {
      const stale = await putIf('stale.shop.example', ifMatch, { isDefault: true });
      expect(stale.status, ifMatch).toBe(412);
      expect(errorOf(stale).code).toBe('CONTROL_PRECONDITION_FAILED');
    }
    expect((await show('shop', 'stale.shop.example')).status).toBe(404);
    expect(
      (await show('shop', 'shop2.example.org')).json<{ properties: { isDefault: boolean } }>().properties,
    ).toMatchObject({ isDefault: true });
    // Added again, it is another domain: the old tag no longer matches it.
    await put('shop', 'stale.shop.example');
    expect((await putIf('stale.shop.example', tag)).status).toBe(412);
    await t.admin('DELETE', `${SITES_PATH}/shop/customDomains/stale.shop.example`);
    await dns.clearCname('stale.shop.example');
  });

  it('stops serving a deleted domain at once and forgets it', async () => {
    await t.admin('DELETE', `${SITES_PATH}/shop/customDomains/shop.example`);
    expect((await t.get('shop.example', '/')).status).toBe(404);
    const missing = await show('shop', 'shop.example');
    expect(missing.status).toBe(404);
    expect(errorOf(missing).message).toContain('portico domain list --site shop');
  });
});
