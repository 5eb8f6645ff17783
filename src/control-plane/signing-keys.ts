/**
 * The RS256 keys each site signs its backend tokens with (spec/apim.md §4). The newest key signs; a
 * retired key stays published until every token it signed has expired, so rotation never breaks a call
 * in flight. Private keys are sealed with the service key.
 */

import type { JsonWebKey } from 'node:crypto';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { type ControlContext, recordChange } from './context.js';

/** Lifetime of a backend token, in seconds (spec/apim.md §4: five minutes). */
export const TOKEN_LIFETIME_SECONDS = 300;

/** A key is replaced after this age (a new one is made on the next use). */
export const KEY_ROTATION_MS = 7 * 24 * 60 * 60_000;

/** How long a retired key stays published: the token lifetime plus a clock-skew margin. */
const RETIRED_PUBLISHED_MS = (TOKEN_LIFETIME_SECONDS + 300) * 1000;

/** Prefix of the change-log entries that say a site's signing keys changed. */
export const KEYS_CHANGE_PREFIX = 'keys:';

/** One key of a site. */
export interface SigningKey {
  readonly kid: string;
  /** Private JWK (RSA); present for the signing key only. */
  readonly privateJwk: JsonWebKey;
  readonly publicJwk: JsonWebKey;
  readonly createdAt: string;
  readonly retiredAt: string | null;
}

/** The key that signs now and every key a validator may still need. */
export interface SiteKeys {
  readonly signing: SigningKey;
  readonly published: readonly SigningKey[];
}

async function createKey(ctx: ControlContext, siteId: string): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(12).toString('base64url');
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
  await ctx.db
    .insertInto('signing_keys')
    .values({
      kid,
      site_id: siteId,
      private_sealed: ctx.sealer.seal(JSON.stringify(privateKey.export({ format: 'jwk' }))),
      public_jwk: JSON.stringify(publicJwk),
      created_at: ctx.now().toISOString(),
      retired_at: null,
    })
    .execute();
}

async function readKeys(ctx: ControlContext, siteId: string): Promise<SigningKey[]> {
  const rows = await ctx.db
    .selectFrom('signing_keys')
    .selectAll()
    .where('site_id', '=', siteId)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((row) => ({
    kid: row.kid,
    privateJwk: JSON.parse(ctx.sealer.unseal(row.private_sealed)) as JsonWebKey,
    publicJwk: JSON.parse(row.public_jwk) as JsonWebKey,
    createdAt: row.created_at,
    retiredAt: row.retired_at,
  }));
}

/** Retires the signing key and makes a new one; tokens signed with the old key stay valid until they expire. */
export async function rotateSigningKey(ctx: ControlContext, siteId: string): Promise<void> {
  const now = ctx.now().toISOString();
  await ctx.db
    .updateTable('signing_keys')
    .set({ retired_at: now })
    .where('site_id', '=', siteId)
    .where('retired_at', 'is', null)
    .execute();
  await createKey(ctx, siteId);
  await recordChange(ctx, `${KEYS_CHANGE_PREFIX}${siteId}`);
}

/** The keys of a site, making the first one, and a new one when the current is older than the rotation age. */
export async function loadSiteKeys(ctx: ControlContext, siteId: string): Promise<SiteKeys> {
  let keys = await readKeys(ctx, siteId);
  const current = keys.find((key) => key.retiredAt === null);
  const now = ctx.now().getTime();
  if (current === undefined || now - Date.parse(current.createdAt) > KEY_ROTATION_MS) {
    await rotateSigningKey(ctx, siteId);
    keys = await readKeys(ctx, siteId);
  }
  const published = keys.filter(
    (key) => key.retiredAt === null || now - Date.parse(key.retiredAt) < RETIRED_PUBLISHED_MS,
  );
  await ctx.db
    .deleteFrom('signing_keys')
    .where('site_id', '=', siteId)
    .where('retired_at', '<', new Date(now - RETIRED_PUBLISHED_MS).toISOString())
    .execute();
  const signing = published.find((key) => key.retiredAt === null) ?? (published[0] as SigningKey);
  return { signing, published };
}
