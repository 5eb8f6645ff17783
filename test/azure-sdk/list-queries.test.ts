/**
 * `@azure/arm-apimanagement` listing below a service with Azure's query options: `$filter` on fields
 * Portico knows (and a 400 naming any other), `$top` as the page size with a `nextLink` the SDK follows,
 * and the list parameters Portico cannot honour refused instead of ignored (decision 0090).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDERS_PATH, removeData, startTestService, type TestService } from '../helpers/service.js';
import { APIM_SERVICE, all, apimClient, GROUP } from './clients.js';

const S = 'listing';
const SERVICE_PATH = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/${S}`;

describe('list query options against portico serve', () => {
  let t: TestService;
  let apim: ReturnType<typeof apimClient>;

  beforeAll(async () => {
    t = await startTestService();
    apim = apimClient(t.service.adminUrl);
    await apim.apiManagementService.beginCreateOrUpdateAndWait(GROUP, S, APIM_SERVICE);
    await apim.product.createOrUpdate(GROUP, S, 'p1', { displayName: 'P1' });
    await apim.product.createOrUpdate(GROUP, S, 'p2', { displayName: 'P2' });
    for (const [sid, scope, owner] of [
      ['s1', '/products/p1', '/users/ann'],
      ['s2', '/products/p2', '/users/bob'],
      ['s3', '/products/p1', '/users/bob'],
      ['s4', '/apis', undefined],
    ] as const) {
      await apim.subscription.createOrUpdate(GROUP, S, sid, {
        scope,
        displayName: sid,
        ...(owner === undefined ? {} : { ownerId: owner }),
      });
    }
    await apim.namedValue.beginCreateOrUpdateAndWait(GROUP, S, 'greeting', {
      displayName: 'greeting',
      value: 'hello',
    });
  });

  afterAll(async () => {
    await t?.close();
    await removeData(t?.dataDir ?? '');
  });

  const subscriptionNames = async (options: { filter?: string; top?: number; skip?: number }) =>
    (await all(apim.subscription.list(GROUP, S, options))).map((s) => s.name);

  describe('$filter', () => {
    it("filters subscriptions by productId (the product of the scope) and userId (the owner's id)", async () => {
      expect(await subscriptionNames({ filter: "productId eq 'p1'" })).toEqual(['s1', 's3']);
      expect(await subscriptionNames({ filter: "productId eq 'P2'" })).toEqual(['s2']);
      expect(await subscriptionNames({ filter: "userId eq 'bob'" })).toEqual(['s2', 's3']);
      expect(await subscriptionNames({ filter: "productId eq 'p1' and userId eq 'bob'" })).toEqual(['s3']);
    });

    it('refuses a field Portico does not know with a 400 naming it and the fields it filters on', async () => {
      for (const [filter, field] of [
        ["foo eq 'x'", 'foo'],
        ["properties/foo eq 'x'", 'properties/foo'],
        ["contains(user, 'x')", 'user'],
      ]) {
        await expect(subscriptionNames({ filter }), filter).rejects.toMatchObject({
          statusCode: 400,
          code: 'CONTROL_BAD_REQUEST',
          message: expect.stringMatching(
            new RegExp(`'${field}' is not a field.*name, id, type, displayName, .*productId, userId`),
          ),
        });
      }
      // Every list knows its own fields, also when it is empty.
      await expect(all(apim.api.listByService(GROUP, S, { filter: "state eq 'x'" }))).rejects.toMatchObject({
        statusCode: 400,
        message: expect.stringContaining("'state' is not a field"),
      });
      expect(await all(apim.api.listByService(GROUP, S, { filter: "path eq 'x'" }))).toEqual([]);
    });

    it('refuses a filter nested deeper than 32 levels with a 400 that says so, not a 500', async () => {
      // What a script sent: 4000 levels (the SDK encodes each parenthesis, so its URL would be too long).
      const deep = `${'('.repeat(4000)}name eq 'x'${')'.repeat(4000)}`;
      const raw = await t.admin('GET', `${SERVICE_PATH}/subscriptions?$filter=${deep}`);
      expect(raw.status).toBe(400);
      expect(raw.text).toContain('nests deeper than 32 levels');
      const sdkDeep = `${'('.repeat(1000)}name eq 'x'${')'.repeat(1000)}`;
      await expect(subscriptionNames({ filter: sdkDeep })).rejects.toMatchObject({
        statusCode: 400,
        message: expect.stringContaining('nests deeper than 32 levels'),
      });
      const nots = `${'not '.repeat(1000)}name eq 'x'`;
      await expect(subscriptionNames({ filter: nots })).rejects.toMatchObject({ statusCode: 400 });
      const ok = `${'('.repeat(32)}name eq 's1'${')'.repeat(32)}`;
      expect(await subscriptionNames({ filter: ok })).toEqual(['s1']);
    });
  });

  describe('$top and $skip: pages with nextLink', () => {
    it('answers $top items a page with a nextLink the SDK follows (byPage)', async () => {
      const pages: string[][] = [];
      for await (const page of apim.subscription.list(GROUP, S, { top: 2 }).byPage()) {
        pages.push(page.map((s) => s.name ?? ''));
      }
      expect(pages).toEqual([['master', 's1'], ['s2', 's3'], ['s4']]);
      expect(await subscriptionNames({ top: 2 })).toEqual(['master', 's1', 's2', 's3', 's4']);
      expect(await subscriptionNames({ top: 2, skip: 3 })).toEqual(['s3', 's4']);
      expect(await subscriptionNames({ filter: "productId eq 'p1'", top: 1 })).toEqual(['s1', 's3']);
    });

    it('nextLink is an absolute URL on the admin address, keeping the other parameters', async () => {
      const first = await t.admin(
        'GET',
        `${SERVICE_PATH}/subscriptions?api-version=2022-08-01&$filter=name ne 'master'&$top=2`,
      );
      const body = first.json<{ value: { name: string }[]; nextLink?: string }>();
      expect(body.value.map((s) => s.name)).toEqual(['s1', 's2']);
      const next = new URL(body.nextLink ?? '');
      expect(next.origin).toBe(t.service.adminUrl);
      expect(next.pathname).toBe(`${SERVICE_PATH}/subscriptions`);
      expect(next.searchParams.get('api-version')).toBe('2022-08-01');
      expect(next.searchParams.get('$filter')).toBe("name ne 'master'");
      expect(next.searchParams.get('$top')).toBe('2');
      expect(next.searchParams.get('$skip')).toBe('2');
      const last = (await t.admin('GET', `${next.pathname}${next.search}`)).json<{
        value: { name: string }[];
        nextLink?: string;
      }>();
      expect(last.value.map((s) => s.name)).toEqual(['s3', 's4']);
      expect(last.nextLink).toBeUndefined();
    });

    it('without $top a list is one page; $top=0 is refused (a page of nothing would never end)', async () => {
      const whole = (await t.admin('GET', `${SERVICE_PATH}/subscriptions`)).json<Record<string, unknown>>();
      expect(whole.nextLink).toBeUndefined();
      expect((whole.value as unknown[]).length).toBe(5);
      const zero = await t.admin('GET', `${SERVICE_PATH}/subscriptions?$top=0`);
      expect(zero.status).toBe(400);
      expect(zero.text).toContain('$top must be at least 1');
    });

    it('refuses an option given twice with a 400 naming it, instead of taking the first', async () => {
      // $top=2&$top=3 answered pages of 2 and repeated both in nextLink.
      for (const [query, option] of [
        ['$top=2&$top=3', '$top'],
        ['$skip=1&$top=2&$skip=3', '$skip'],
        ["$filter=name eq 's1'&$filter=name eq 's2'", '$filter'],
        ['$orderby=name&$orderby=id', '$orderby'],
        ['%24top=2&$top=3', '$top'],
      ]) {
        const answer = await t.admin('GET', `${SERVICE_PATH}/subscriptions?${query}`);
        expect(answer.status, query).toBe(400);
        expect(answer.json()).toMatchObject({
          error: {
            code: 'CONTROL_BAD_REQUEST',
            message: `The query option '${option}' is given 2 times; give it once.`,
          },
        });
      }
    });
  });

  describe('list parameters Portico cannot honour', () => {
    it('refuses tags on APIs and products, and expandGroups on products, naming the parameter', async () => {
      await expect(all(apim.api.listByService(GROUP, S, { tags: 'x' }))).rejects.toMatchObject({
        statusCode: 400,
        message: expect.stringContaining("'tags'"),
      });
      await expect(all(apim.product.listByService(GROUP, S, { tags: 'x' }))).rejects.toMatchObject({
        statusCode: 400,
        message: expect.stringContaining("'tags'"),
      });
      await expect(all(apim.product.listByService(GROUP, S, { expandGroups: true }))).rejects.toMatchObject({
        statusCode: 400,
        message: expect.stringContaining("'expandGroups'"),
      });
      expect(
        (await all(apim.product.listByService(GROUP, S, { expandGroups: false }))).map((p) => p.name),
      ).toEqual(['p1', 'p2']);
    });

    it('isKeyVaultRefreshFailed=true lists nothing (Portico keeps no Key Vault references)', async () => {
      const names = async (failed: boolean) =>
        (await all(apim.namedValue.listByService(GROUP, S, { isKeyVaultRefreshFailed: failed }))).map(
          (v) => v.name,
        );
      expect(await names(true)).toEqual([]);
      expect(await names(false)).toEqual(['greeting']);
      const bad = await t.admin('GET', `${SERVICE_PATH}/namedValues?isKeyVaultRefreshFailed=maybe`);
      expect(bad.status).toBe(400);
    });

    it('refuses $orderby and the other OData options it does not read', async () => {
      for (const option of ['$orderby=name', '$select=name', '$expand=groups']) {
        const response = await t.admin('GET', `${SERVICE_PATH}/subscriptions?${option}`);
        expect(response.status, option).toBe(400);
        expect(response.text, option).toContain(`'${option.split('=')[0]}'`);
      }
    });
  });
});
