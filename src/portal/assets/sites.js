// @ts-check
/**
 * "Static Web Apps": the list of sites (name, plan, default host name, creation time) and the Create
 * form (name and plan), as in the Azure portal's browse blade.
 */
import { api } from './api.js';
import {
  button,
  createMessageArea,
  field,
  h,
  handleSubmit,
  replace,
  successNotice,
  time,
  toggleButton,
} from './dom.js';
import { createListArea } from './list-area.js';
import { planChoice, readPlan } from './plan.js';

/**
 * @param {HTMLElement} main
 * @param {import('./portal.js').App} app
 */
export async function renderSites(main, app) {
  app.setTitle('Static Web Apps');
  const sites = createListArea({
    name: 'sites',
    testid: 'sites-list-area',
    loadingText: 'Loading static web apps…',
    load: async () => (await api.listSites()).value,
    table: {
      caption: 'Static web apps',
      headers: ['Name', 'Plan', 'Default host name', 'Created'],
      row: siteRow,
      empty: 'No static web apps yet. Choose Create to make the first one.',
    },
  });
  const flash = app.takeFlash();
  const create = createForm(() => void sites.refresh());
  replace(
    main,
    h('h1', { text: 'Static Web Apps' }),
    flash === undefined ? null : successNotice(flash, 'flash'),
    h(
      'div',
      { class: 'toolbar' },
      toggleButton('Create', 'create-open', create),
      sites.refreshButton('sites-refresh'),
    ),
    create,
    sites.element,
  );
  await sites.refresh();
}

/**
 * One row. The site resource carries its host name but not the data plane's port, so the host name is
 * shown as text here; the Overview links the production URL (builds carry it).
 * @param {any} site
 */
function siteRow(site) {
  const name = String(site.name);
  return h(
    'tr',
    { testid: `site-row-${name}` },
    h(
      'th',
      { scope: 'row' },
      h('a', { href: `#/sites/${encodeURIComponent(name)}`, testid: `site-link-${name}`, text: name }),
    ),
    h('td', { testid: 'site-plan', text: String(site.sku?.name ?? '') }),
    h('td', { testid: 'site-hostname', class: 'mono', text: String(site.properties?.defaultHostname ?? '') }),
    h('td', {}, time(site.properties?.createdTimeUtc)),
  );
}

/**
 * The Create form; hidden until "Create" is chosen.
 * @param {() => void} onCreated
 */
function createForm(onCreated) {
  const name = h('input', {
    type: 'text',
    name: 'name',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    testid: 'create-name',
  });
  const plan = planChoice('create-plan', 'Free');
  const submit = button('Create', 'create-submit', { type: 'submit', variant: 'primary' });
  const messages = createMessageArea('create-message');
  const form = h(
    'form',
    {
      class: 'panel',
      id: 'create-site',
      hidden: true,
      testid: 'create-form',
      'aria-labelledby': 'create-title',
    },
    h('h2', { id: 'create-title', text: 'Create a static web app' }),
    field('Name', name, "2 to 60 lower-case letters, digits or '-', e.g. my-blog."),
    plan,
    messages.element,
    h('div', { class: 'actions' }, submit),
  );
  handleSubmit(form, submit, messages, async () => {
    const created = await api.createSite(name.value.trim(), readPlan(plan));
    messages.show(
      `Created ${created.name} at ${created.properties.defaultHostname}. Its deployment token is under Overview › Manage deployment token.`,
      'success',
    );
    name.value = '';
    onCreated();
  });
  return form;
}
