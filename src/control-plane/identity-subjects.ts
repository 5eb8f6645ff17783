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
 *   too, so the next sign-in is a new user, as before. A claim records the identity's epoch it was made at
 *   (migration 0015), and one older than the epoch of the name it records is forgotten even when whatever
 *   moved the epoch on left it in place (a node of a version from before 0014: decision 0096).
 *
 * Epochs are read from the database at each sign-in, not from a node's cache, which may not have seen a
 * purge made on another node yet. Several nodes may sign the same account in at once: the table's keys
 * settle who claimed what.
 */
import { createHmac } from 'node:crypto';
import { sha256Hex } from '../shared/hash.js';
import type { ControlContext } from './context.js';
import { identityEpoch, userIdFor } from './users.js';

/** The account a sign-in names. */
export interface SignedInAccount {
  readonly siteId: string;
  readonly provider: string;
  readonly userDetails: string;
  /** The provider's stable id of the account (`sub`, or GitHub's numeric id). */
  readonly subject: string;
}

/** The account with how many times the site forgot the name it signed in with (`identityEpoch`). */
type AccountAt = SignedInAccount & { readonly epoch: number };

type ClaimKey = { site_id: string; provider: string; subject_hash: string };

/** The site's `userId` of a signed-in account (see the module comment). */
export async function userIdOfAccount(ctx: ControlContext, signedIn: SignedInAccount): Promise<string> {
  const account: AccountAt = {
    ...signedIn,
    epoch: await identityEpoch(ctx, signedIn.siteId, signedIn.provider, signedIn.userDetails),
  };
  const key = {
    site_id: account.siteId,
    provider: account.provider.toLowerCase(),
    subject_hash: sha256Hex(account.subject),
  };
  const known = await findClaim(ctx, key, account);
  if (known !== undefined) {
    return known;
  }
  const byName = userIdFor(ctx, account.siteId, account.provider, account.userDetails, account.epoch);
  const bySubject = subjectUserId(ctx, account);
  for (const candidate of [byName, bySubject]) {
    if (await claim(ctx, key, account, candidate)) {
      return candidate;
    }
    // The account was claimed meanwhile (another node), or the id is another account's.
    const claimed = await findClaim(ctx, key, account);
    if (claimed !== undefined) {
      return claimed;
    }
  }
  return bySubject;
}

/**
 * The id an account holds, unless its claim is forgotten (then deleted, and undefined). A claim is
 * forgotten when the name it records was forgotten since it was made: its epoch is older than that
 * name's. A current claim under another name than the one signed in with moves to that name and its
 * epoch (the account renamed itself; forgetting the new name must find it, and what the new name went
 * through before is not this account's).
 */
async function findClaim(
  ctx: ControlContext,
  key: ClaimKey,
  account: AccountAt,
): Promise<string | undefined> {
  const row = await ctx.db
    .selectFrom('identity_subjects')
    .select(['user_id', 'user_details', 'epoch'])
    .where('site_id', '=', key.site_id)
    .where('provider', '=', key.provider)
    .where('subject_hash', '=', key.subject_hash)
    .executeTakeFirst();
  if (row === undefined) {
    return undefined;
  }
  const name = account.userDetails.toLowerCase();
  const nameEpoch =
    row.user_details === name
      ? account.epoch
      : await identityEpoch(ctx, account.siteId, account.provider, row.user_details);
  const claimed = { ...key, user_id: row.user_id };
  // `null`: claimed by a node of the version before migration 0015, taken to be of the current epoch.
  if (row.epoch !== null && Number(row.epoch) < nameEpoch) {
    // Only this stale claim: one a concurrent sign-in made meanwhile has the current epoch.
    await ctx.db
      .deleteFrom('identity_subjects')
      .where((eb) => eb.and(claimed))
      .where('epoch', '<', nameEpoch)
      .execute();
    return undefined;
  }
  if (row.user_details !== name || row.epoch === null) {
    await ctx.db
      .updateTable('identity_subjects')
      .set({ user_details: name, epoch: account.epoch })
      .where((eb) => eb.and(claimed))
      .execute();
  }
  return row.user_id;
}

/**
 * Records that the account holds `userId` from its current epoch on; false when the account or the id is
 * taken already.
 */
async function claim(ctx: ControlContext, key: ClaimKey, account: AccountAt, userId: string) {
  const result = await ctx.db
    .insertInto('identity_subjects')
    .values({
      ...key,
      user_details: account.userDetails.toLowerCase(),
      user_id: userId,
      created_at: ctx.now().toISOString(),
      epoch: account.epoch,
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** An id of the account's own subject, for when its name's id is another account's. */
function subjectUserId(ctx: ControlContext, account: AccountAt): string {
  return createHmac('sha256', ctx.sealer.deriveKey('user-id'))
    .update(
      `${account.siteId}\n${account.provider.toLowerCase()}\nsubject:${account.subject}\n${account.epoch}`,
    )
    .digest('hex')
    .slice(0, 32);
}
