// @ts-check
/**
 * Overview of a site: its essentials (URL, plan, dates), the hosting plan, the deployment token (shown
 * with listSecrets, replaced with resetapikey) and deleting the site by typing its name, as in Azure.
 */
import { api } from './api.js';
import { confirmDialog } from './dialog.js';
import {
  button,
  copyValue,
  createMessageArea,
  externalLink,
  field,
  h,
  handleSubmit,
  messageOf,
  replace,
  time,
} from './dom.js';
import { planChoice, readPlan, selectPlan } from './plan.js';
import { resolveSiteHosts } from './site-api.js';

/**
 * @param {HTMLElement} body
 * @param {import('./site.js').SiteView} view
 */
export async function renderOverview(body, view) {
  const { site } = view;
  const planText = h('dd', { testid: 'overview-plan', text: String(site.sku?.name ?? '') });
  const url = h('dd', {
    testid: 'overview-url',
    class: 'mono',
    text: String(site.properties?.defaultHostname ?? ''),
  });
  replace(
    body,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'essentials-title' },
      h('h2', { id: 'essentials-title', text: 'Essentials' }),
      h(
        'dl',
        { class: 'essentials' },
        h('dt', { text: 'URL' }),
        url,
        h('dt', { text: 'Plan' }),
        planText,
        h('dt', { text: 'Default host name' }),
        h('dd', {
          class: 'mono',
          testid: 'overview-hostname',
          text: String(site.properties?.defaultHostname ?? ''),
        }),
        h('dt', { text: 'Created' }),
        h('dd', {}, time(site.properties?.createdTimeUtc)),
        h('dt', { text: 'Provider' }),
        h('dd', { text: String(site.properties?.provider ?? '') }),
      ),
    ),
    planSection(view, planText),
    tokenSection(view),
    deleteSection(view),
  );
  await linkProductionUrl(site, url);
}

/**
 * Builds carry the public URL of their host (the data plane's scheme and port); the site resource only
 * its host name, so the production build's URL becomes the link: at the site's Ready default custom
 * domain when it has one (as Azure's Overview shows it), which the same listener serves.
 * @param {any} site
 * @param {HTMLElement} cell
 */
async function linkProductionUrl(site, cell) {
  try {
    const [builds, { preferred }] = await Promise.all([api.listBuilds(site.name), resolveSiteHosts(site)]);
    const production = builds.find((/** @type {any} */ b) => b.name === 'default');
    const href = String(production?.properties?.url ?? '');
    if (/^https?:\/\//.test(href)) {
      const { protocol, port, origin } = new URL(href);
      const at = `${protocol}//${preferred}${port === '' ? '' : `:${port}`}${href.slice(origin.length)}`;
      replace(cell, externalLink(at, 'overview-url-link'));
    } else {
      cell.textContent = preferred;
    }
  } catch {
    // The host name stays as text; the Environments tab shows the error of this call.
  }
}

/**
 * @param {import('./site.js').SiteView} view
 * @param {HTMLElement} planText
 */
function planSection(view, planText) {
  const choice = planChoice('plan', String(view.site.sku?.name ?? 'Free'));
  const save = button('Save plan', 'plan-save', { type: 'submit', variant: 'primary' });
  const messages = createMessageArea('plan-message');
  const form = h(
    'form',
    { class: 'panel', 'aria-labelledby': 'plan-title' },
    h('h2', { id: 'plan-title', text: 'Hosting plan' }),
    h('p', {
      class: 'hint',
      text: 'Moving to Free is refused while the site uses Standard-only features; the message names them.',
    }),
    choice,
    messages.element,
    h('div', { class: 'actions' }, save),
  );
  let current = String(view.site.sku?.name ?? 'Free');
  handleSubmit(form, save, messages, async () => {
    try {
      const updated = await api.setPlan(view.site.name, readPlan(choice));
      current = String(updated.sku?.name ?? current);
    } finally {
      // Refused or not, the choice shows the plan the site is on.
      selectPlan(choice, current);
    }
    planText.textContent = current;
    messages.show(`The plan is now ${current}.`, 'success');
  });
  return form;
}

/** @param {import('./site.js').SiteView} view */
function tokenSection(view) {
  const name = view.site.name;
  const manage = button('Manage deployment token', 'token-manage', { 'aria-expanded': 'false' });
  const value = h('input', { type: 'text', readOnly: true, class: 'mono wide', testid: 'deployment-token' });
  const copy = button('Copy', 'token-copy');
  const reset = button('Reset token', 'token-reset', { variant: 'danger' });
  const messages = createMessageArea('token-message');
  const details = h(
    'div',
    { class: 'reveal', hidden: true, testid: 'token-panel' },
    field('Deployment token', value, 'CI and portico deploy use it; keep it secret.'),
    h('div', { class: 'actions' }, copy, reset),
  );
  manage.addEventListener('click', async () => {
    if (!details.hidden) {
      details.hidden = true;
      value.value = '';
      manage.setAttribute('aria-expanded', 'false');
      return;
    }
    messages.clear();
    try {
      value.value = await api.listSecrets(name);
      details.hidden = false;
      manage.setAttribute('aria-expanded', 'true');
    } catch (error) {
      messages.show(messageOf(error));
    }
  });
  copy.addEventListener('click', () => void copyValue(value, messages.show));
  reset.addEventListener('click', async () => {
    const confirmed = await confirmDialog({
      title: 'Reset the deployment token?',
      message: `A new token replaces the current one of ${name}; deployments with the old token stop working.`,
      confirmLabel: 'Reset token',
      danger: true,
    });
    if (!confirmed) {
      return;
    }
    try {
      value.value = await api.resetApiKey(name);
      messages.show('The token was reset; the old one no longer works.', 'success');
    } catch (error) {
      messages.show(messageOf(error));
    }
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'token-title' },
    h('h2', { id: 'token-title', text: 'Deployment token' }),
    h('div', { class: 'actions' }, manage),
    details,
    messages.element,
  );
}

/** @param {import('./site.js').SiteView} view */
function deleteSection(view) {
  const name = view.site.name;
  const remove = button('Delete', 'site-delete', { variant: 'danger' });
  const messages = createMessageArea('delete-message');
  remove.addEventListener('click', async () => {
    const confirmed = await confirmDialog({
      title: `Delete ${name}?`,
      message:
        'Every environment, deployment, app setting and user of this static web app is removed. This cannot be undone.',
      confirmLabel: 'Delete',
      danger: true,
      typeToConfirm: name,
    });
    if (!confirmed) {
      return;
    }
    try {
      await api.deleteSite(name);
      view.app.flash(`Deleted ${name}.`);
      view.app.navigate('#/');
    } catch (error) {
      messages.show(messageOf(error));
    }
  });
  return h(
    'section',
    { class: 'panel panel-danger', 'aria-labelledby': 'delete-title' },
    h('h2', { id: 'delete-title', text: 'Delete static web app' }),
    h('p', { text: 'Deletes the app with all its environments, content, settings and users.' }),
    h('div', { class: 'actions' }, remove),
    messages.element,
  );
}
