/**
 * The `userId` of a person who signs in with a provider: Azure promises one per user for the user's
 * lifetime on the app. Deriving it from the name the provider shows (`userDetails`) alone would make two
 * accounts that show one e-mail or display name one user, and a GitHub account that renames itself a new
 * one (and whoever takes its old login the old one). So each provider account, known by its subject (the
 * provider's own stable id), keeps the id it first got on the site (migration 0014):
 *
 * - an account seen for the first time gets the id its name gives (`userIdFor`: the id it had before
 *   subjects were kept, and the one invitations and `users list` show), unless another account of the
 *   site holds that id already; then an id of its own subject;
 * - forgetting an identity (user removed, or purged: `forgetIdentity` in users.ts) forgets its accounts
 *   too, so the next sign-in is a new user, as before.
 *
 * Several nodes may sign the same account in at once: the table's keys settle who claimed what.
 */
import { createHmac } from 'node:crypto';
import { sha256Hex } from '../shared/hash.js';
import type { ControlContext } from './context.js';
import { userIdFor } from './users.js';

/** The account a sign-in names. */
export interface SignedInAccount {
  readonly siteId: string;
  readonly provider: string;
  readonly userDetails: string;
  /** The provider's stable id of the account (`sub`, or GitHub's numeric id). */
  readonly subject: string;
  /** How many times the site forgot the identity (`identityEpoch`). */
  readonly epoch: number;
}

/** The site's `userId` of a signed-in account (see the module comment). */
export async function userIdOfAccount(ctx: ControlContext, account: SignedInAccount): Promise<string> {
  const key = {
    site_id: account.siteId,
    provider: account.provider.toLowerCase(),
    subject_hash: sha256Hex(account.subject),
  };
  const known = await findClaim(ctx, key, account.userDetails);
  if (known !== undefined) {
    return known;
  }
  const byName = userIdFor(ctx, account.siteId, account.provider, account.userDetails, account.epoch);
  const bySubject = subjectUserId(ctx, account);
  for (const candidate of [byName, bySubject]) {
    if (await claim(ctx, key, account.userDetails, candidate)) {
      return candidate;
    }
    // The account was claimed meanwhile (another node), or the id is another account's.
    const claimed = await findClaim(ctx, key, account.userDetails);
    if (claimed !== undefined) {
      return claimed;
    }
  }
  return bySubject;
}

type ClaimKey = { site_id: string; provider: string; subject_hash: string };

/** The id an account holds, its name brought up to date (so forgetting the new name finds it). */
async function findClaim(
  ctx: ControlContext,
  key: ClaimKey,
  userDetails: string,
): Promise<string | undefined> {
  const row = await ctx.db
    .selectFrom('identity_subjects')
    .select(['user_id', 'user_details'])
    .where('site_id', '=', key.site_id)
    .where('provider', '=', key.provider)
    .where('subject_hash', '=', key.subject_hash)
    .executeTakeFirst();
  if (row !== undefined && row.user_details !== userDetails.toLowerCase()) {
    await ctx.db
      .updateTable('identity_subjects')
      .set({ user_details: userDetails.toLowerCase() })
      .where('site_id', '=', key.site_id)
      .where('provider', '=', key.provider)
      .where('subject_hash', '=', key.subject_hash)
      .execute();
  }
  return row?.user_id;
}

/** Records that the account holds `userId`; false when the account or the id is taken already. */
async function claim(ctx: ControlContext, key: ClaimKey, userDetails: string, userId: string) {
  const result = await ctx.db
    .insertInto('identity_subjects')
    .values({
      ...key,
      user_details: userDetails.toLowerCase(),
      user_id: userId,
      created_at: ctx.now().toISOString(),
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** An id of the account's own subject, for when its name's id is another account's. */
function subjectUserId(ctx: ControlContext, account: SignedInAccount): string {
  return createHmac('sha256', ctx.sealer.deriveKey('user-id'))
    .update(
      `${account.siteId}\n${account.provider.toLowerCase()}\nsubject:${account.subject}\n${account.epoch}`,
    )
    .digest('hex')
    .slice(0, 32);
}
