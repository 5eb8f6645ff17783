/**
 * `portico users invite|list|update|remove`: users holding custom roles on a site, added by invitation
 * (CONTRACT §5, spec §2 "Invitations"); `portico users session` mints a sign-in for testing (admin only).
 */
import type { Command } from 'commander';
import type { TestSession, User } from '../../client/index.js';
import { addYesOption, confirmDeletion, type YesFlags } from '../confirm.js';
import { addConnectionOptions, connectAdmin, type JsonFlags } from '../connection.js';
import { parseEnvironment, parseHours, parseRoles, parseSessionHours, parseUserDetails } from '../options.js';
import {
  addJsonOption,
  formatFields,
  formatTime,
  writeJson,
  writeLines,
  writeNote,
  writeResult,
  writeTable,
} from '../output.js';

interface SiteFlags extends JsonFlags {
  readonly site: string;
}

interface InviteFlags extends SiteFlags {
  readonly provider: string;
  readonly user: string;
  readonly roles: string[];
  readonly hours: number;
  readonly domain?: string;
}

interface SessionFlags extends SiteFlags {
  readonly provider: string;
  readonly user: string;
  readonly hours: number;
  readonly env: string;
}

interface UserFlags extends SiteFlags {
  readonly provider: string;
  readonly userId: string;
  readonly roles: string[];
}

/** Adds the `users` command group to the program. */
export function registerUsersCommands(program: Command): void {
  const users = program.command('users').description('Invite users to custom roles and manage them');
  addJsonOption(addConnectionOptions(users.command('invite')))
    .description('Create an invitation link that grants custom roles at sign-in')
    .requiredOption('--site <name>', 'the site')
    .requiredOption('--provider <provider>', 'identity provider, e.g. github or aad')
    .requiredOption(
      '--user <name>',
      'user name at the provider (GitHub user name, or e-mail for aad)',
      parseUserDetails,
    )
    .requiredOption('--roles <roles>', 'comma-separated custom roles, e.g. admin,editor', parseRoles)
    .option('--hours <hours>', 'hours the link stays valid (1-168)', parseHours, 24)
    .option('--domain <host>', 'host name the link points at (default: the site host)')
    .action((flags: InviteFlags) => inviteUser(flags));
  addJsonOption(addConnectionOptions(users.command('list')))
    .description('List the users holding custom roles')
    .requiredOption('--site <name>', 'the site')
    .action((flags: SiteFlags) => listUsers(flags));
  addJsonOption(addConnectionOptions(users.command('update')))
    .description("Replace a user's custom roles")
    .requiredOption('--site <name>', 'the site')
    .requiredOption('--provider <provider>', 'identity provider of the user')
    .requiredOption('--user-id <id>', 'user id (see portico users list)')
    .requiredOption('--roles <roles>', 'comma-separated custom roles', parseRoles)
    .action((flags: UserFlags) => updateUser(flags));
  addYesOption(addJsonOption(addConnectionOptions(users.command('remove'))))
    .description('Remove a user and their custom roles')
    .requiredOption('--site <name>', 'the site')
    .requiredOption('--provider <provider>', 'identity provider of the user')
    .requiredOption('--user-id <id>', 'user id (see portico users list)')
    .action((flags: Omit<UserFlags, 'roles'> & YesFlags) => removeUser(flags));
  addJsonOption(addConnectionOptions(users.command('session')))
    .description(
      'Mint a session cookie for a user, with the roles the site gives them (admin only; for scripts and tests, no provider involved)',
    )
    .requiredOption('--site <name>', 'the site')
    .requiredOption('--provider <provider>', 'identity provider, e.g. github or aad')
    .requiredOption(
      '--user <name>',
      'user name at the provider (GitHub user name, or e-mail for aad)',
      parseUserDetails,
    )
    .option('--hours <hours>', 'hours the session lasts (1-24)', parseSessionHours, 8)
    .option(
      '--env <env>',
      'the environment the cookie works on (only that one)',
      parseEnvironment,
      'production',
    )
    .action((flags: SessionFlags) => mintSession(flags));
}

async function mintSession(flags: SessionFlags): Promise<void> {
  const session = await (await connectAdmin(flags)).createTestSession(flags.site, {
    provider: flags.provider,
    userDetails: flags.user,
    hours: flags.hours,
    environmentName: flags.env,
  });
  if (flags.json === true) {
    writeJson(session);
    return;
  }
  const p = session.properties;
  writeLines([
    ...formatFields([
      ['user', `${p.clientPrincipal.userDetails} (${p.clientPrincipal.identityProvider})`],
      ['userId', p.clientPrincipal.userId],
      ['roles', p.clientPrincipal.userRoles.join(',')],
      ['expiresOn', formatTime(p.expiresOn)],
    ]),
    'Send this header with requests to the site (e.g. curl -H "…"):',
    `Cookie: ${p.cookieName}=${p.cookieValue}`,
  ]);
  notePendingInvitations(session, flags.env);
}

/**
 * Says how a pending invitation's roles become the user's: a session alone does not accept it (as on
 * Azure, opening the link signed in does), so `users invite` then `users session` shows no role yet.
 */
function notePendingInvitations(session: TestSession, env: string): void {
  const pending = session.properties.pendingInvitations ?? [];
  const newest = pending[0];
  if (newest === undefined) {
    return;
  }
  const how =
    env === 'production'
      ? `open its link (the invitationUrl portico users invite printed) with this cookie, e.g. curl -s -o /dev/null -H "<the Cookie header above>" "<invitationUrl>"; this session then has the roles too`
      : `open its link (the invitationUrl portico users invite printed) with a production session of this user (portico users session without --env); the roles then apply to this session too`;
  writeNote(
    `${session.properties.clientPrincipal.userDetails} has ${pending.length === 1 ? 'an invitation' : `${pending.length} invitations`} not accepted yet (roles ${newest.roles.join(',')} on ${newest.domain}, until ${formatTime(newest.expiresOn)}): its roles are not in this session. To take them, ${how}.`,
  );
}

async function inviteUser(flags: InviteFlags): Promise<void> {
  const invitation = await (await connectAdmin(flags)).createInvitation(flags.site, {
    provider: flags.provider,
    userDetails: flags.user,
    roles: flags.roles,
    hours: flags.hours,
    ...(flags.domain === undefined ? {} : { domain: flags.domain }),
  });
  if (flags.json === true) {
    writeJson(invitation);
  } else {
    writeLines(
      formatFields([
        ['invitationUrl', invitation.properties.invitationUrl],
        ['expiresOn', formatTime(invitation.properties.expiresOn)],
      ]),
    );
  }
  // On stderr, with --json too (as deploy's API warnings): stdout keeps its one document.
  for (const warning of invitation.properties.warnings ?? []) {
    writeNote(`portico: warning: ${warning}`);
  }
}

async function listUsers(flags: SiteFlags): Promise<void> {
  const users = await (await connectAdmin(flags)).listUsers(flags.site);
  if (flags.json === true) {
    writeJson({ value: users });
    return;
  }
  writeTable(
    ['PROVIDER', 'USER ID', 'NAME', 'ROLES'],
    users.map(userRow),
    `No users hold custom roles on ${flags.site}; invite one with portico users invite.`,
  );
}

function userRow(user: User): string[] {
  const p = user.properties;
  return [p.provider, p.userId, p.displayName, p.roles];
}

async function updateUser(flags: UserFlags): Promise<void> {
  const user = await (await connectAdmin(flags)).updateUser(
    flags.site,
    flags.provider,
    flags.userId,
    flags.roles,
  );
  writeResult(flags, user, [
    `${user.properties.displayName} (${user.properties.userId}) now has the roles ${user.properties.roles}.`,
  ]);
}

async function removeUser(flags: Omit<UserFlags, 'roles'> & YesFlags): Promise<void> {
  const client = await connectAdmin(flags);
  await confirmDeletion(
    `the user ${flags.userId} (${flags.provider}) and their roles on ${flags.site}`,
    flags,
  );
  await client.deleteUser(flags.site, flags.provider, flags.userId);
  const removed = { site: flags.site, provider: flags.provider, userId: flags.userId, deleted: true };
  writeResult(flags, removed, [`Removed user ${flags.userId} (${flags.provider}) from ${flags.site}.`]);
}
