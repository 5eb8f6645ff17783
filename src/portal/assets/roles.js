// @ts-check
/**
 * Role management, as in Azure: the users who hold custom roles (they appear once they accept an
 * invitation), an Invite form that generates the invitation link, editing a user's roles and removing
 * a user.
 */
import { api } from './api.js';
import { confirmDialog } from './dialog.js';
import { button, createMessageArea, field, h, messageOf, replace, toggleButton } from './dom.js';
import { inviteForm } from './invite.js';
import { createListArea } from './list-area.js';

/**
 * @typedef {{ refresh: (notice?: string) => Promise<void>, messages: ReturnType<typeof createMessageArea> }} Actions
 */

/**
 * @param {HTMLElement} body
 * @param {import('./site.js').SiteView} view
 */
export async function renderRoles(body, view) {
  const siteName = view.site.name;
  const messages = createMessageArea('roles-message');
  /** @type {Actions} */
  const actions = { refresh: (notice) => users.refresh(notice), messages };
  const users = createListArea({
    name: 'users',
    testid: 'users-area',
    loadingText: 'Loading users…',
    load: () => api.listUsers(siteName),
    messages,
    table: {
      caption: 'Users with custom roles',
      headers: ['User', 'Provider', 'Roles', 'User id', ''],
      row: (/** @type {any} */ user) => userRow(siteName, user, actions),
      empty: 'No users with custom roles yet. Invited users appear here once they accept their invitation.',
    },
  });
  const invite = inviteForm(view.site);
  // Opening the form moves focus to its first field (the provider), as every other toggled form does.
  const open = toggleButton('Invite', 'invite-open', invite);
  replace(
    body,
    h('div', { class: 'toolbar' }, open, users.refreshButton('users-refresh')),
    invite,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'users-title' },
      h('h2', { id: 'users-title', text: 'Users with custom roles' }),
      messages.element,
      users.element,
    ),
  );
  await users.refresh();
}

/**
 * @param {string} siteName
 * @param {any} user
 * @param {Actions} actions
 */
function userRow(siteName, user, actions) {
  const p = user.properties ?? {};
  const provider = String(p.provider ?? '');
  const userId = String(p.userId ?? user.name ?? '');
  const details = String(p.displayName ?? '');
  const edit = button('Edit roles', 'user-edit', { small: true });
  const remove = button('Remove', 'user-remove', { variant: 'danger', small: true });
  edit.setAttribute('aria-label', `Edit roles of ${details}`);
  remove.setAttribute('aria-label', `Remove ${details}`);
  edit.addEventListener('click', async () => {
    const roles = await rolesDialog(details, String(p.roles ?? ''), (value) =>
      api.updateUserRoles(siteName, provider, userId, value),
    );
    if (roles !== undefined) {
      await actions.refresh(`The roles of ${details} are now ${roles}.`);
    }
  });
  remove.addEventListener('click', async () => {
    const confirmed = await confirmDialog({
      title: `Remove ${details}?`,
      message: `${details} (${provider}) loses the custom roles of this site.`,
      confirmLabel: 'Remove',
      danger: true,
    });
    if (!confirmed) {
      return;
    }
    try {
      await api.removeUser(siteName, provider, userId);
      await actions.refresh(`Removed ${details}.`);
    } catch (error) {
      actions.messages.show(messageOf(error));
    }
  });
  return h(
    'tr',
    { testid: `user-row-${userId}` },
    h('th', { scope: 'row', text: details }),
    h('td', { text: provider }),
    h('td', { testid: 'user-roles', text: String(p.roles ?? '') }),
    h('td', { class: 'mono', text: userId }),
    h('td', { class: 'row-actions' }, edit, remove),
  );
}

/**
 * A modal form to edit roles; `save` is the API call, whose error is shown in the dialog. Resolves with
 * the saved roles, or undefined when cancelled.
 * @param {string} who
 * @param {string} current
 * @param {(roles: string) => Promise<unknown>} save
 * @returns {Promise<string | undefined>}
 */
function rolesDialog(who, current, save) {
  return new Promise((resolve) => {
    const input = h('input', { type: 'text', value: current, autocomplete: 'off', testid: 'roles-input' });
    const messages = createMessageArea('roles-dialog-message');
    const ok = button('Save', 'roles-save', { type: 'submit', variant: 'primary' });
    const cancel = button('Cancel', 'roles-cancel');
    /** @type {string | undefined} */
    let result;
    const form = h(
      'form',
      {},
      h('h2', { id: 'roles-dialog-title', text: `Roles of ${who}` }),
      field('Roles', input, 'Custom roles separated by commas, e.g. editor,reviewer.'),
      messages.element,
      h('div', { class: 'actions' }, ok, cancel),
    );
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': 'roles-dialog-title', testid: 'roles-dialog' },
      form,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      ok.disabled = true;
      try {
        await save(input.value.trim());
        result = input.value.trim();
        dialog.close();
      } catch (error) {
        messages.show(messageOf(error));
        ok.disabled = false;
      }
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}
