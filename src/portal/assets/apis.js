// @ts-check
/**
 * APIs, as Azure's blade of that name: for each environment, what its `/api` goes to (managed functions,
 * a linked API Management service, Function App, web app or container app, or nothing), the link's
 * health with the reasons it is broken, and Link, Unlink and Repair. The API's own messages explain a
 * refused link (plan, environment, routes), so they are shown as they are.
 */
import { api, BACKEND_TYPES } from './api.js';
import { confirmDialog } from './dialog.js';
import { button, createMessageArea, field, h, listPanel, messageOf, replace } from './dom.js';
import { createListArea } from './list-area.js';

/**
 * @typedef {{ build: any, link: any | undefined }} EnvironmentBackend
 * @typedef {{
 *   view: import('./site.js').SiteView,
 *   messages: ReturnType<typeof createMessageArea>,
 *   refresh: (notice?: string) => Promise<void>,
 *   openLinkForm: (build: any) => void,
 * }} Actions
 */

/**
 * @param {HTMLElement} body
 * @param {import('./site.js').SiteView} view
 */
export async function renderApis(body, view) {
  const messages = createMessageArea('apis-message');
  const formSlot = h('div', { testid: 'link-form-slot' });
  /** @type {Actions} */
  const actions = {
    view,
    messages,
    refresh: (notice) => backends.refresh(notice),
    openLinkForm: (build) => {
      messages.clear();
      replace(
        formSlot,
        linkForm(build, actions, () => formSlot.replaceChildren()),
      );
    },
  };
  const backends = createListArea({
    name: 'apis',
    loadingText: 'Loading backends…',
    load: () => loadBackends(view.site.name),
    messages,
    table: {
      caption: 'What each environment’s /api goes to',
      headers: ['Environment', 'API type', 'Backend resource', 'Status', ''],
      row: (row) => backendRow(row, actions),
    },
  });
  replace(
    body,
    listPanel(
      'apis-title',
      'Backends',
      h('p', {
        class: 'hint',
        text: 'Each environment’s /api goes to its managed functions or to one linked backend. Linking needs the Standard plan and is not available for pull-request environments.',
      }),
      messages.element,
      backends.element,
    ),
    formSlot,
  );
  await backends.refresh();
}

/**
 * Each environment of the site with its linked backend, if any.
 * @param {string} siteName
 * @returns {Promise<EnvironmentBackend[]>}
 */
async function loadBackends(siteName) {
  const builds = await api.listBuilds(siteName);
  return Promise.all(
    builds.map(async (/** @type {any} */ build) => ({
      build,
      link: (await api.listLinkedBackends(siteName, String(build.name)))[0],
    })),
  );
}

/** @param {any} build */
function environmentLabel(build) {
  return String(build.name) === 'default' ? 'Production' : String(build.name);
}

/** @param {string} type */
function typeLabel(type) {
  return BACKEND_TYPES.find((t) => t.type === type)?.label ?? type;
}

/**
 * @param {EnvironmentBackend} row
 * @param {Actions} actions
 */
function backendRow({ build, link }, actions) {
  const buildName = String(build.name);
  const p = link?.properties;
  const apiType =
    p !== undefined
      ? typeLabel(String(p.backendType))
      : build.properties?.hasManagedApi === true
        ? 'Managed functions'
        : 'None';
  return h(
    'tr',
    { testid: `apis-row-${buildName}` },
    h('td', { text: environmentLabel(build) }),
    h('td', { testid: 'apis-type', text: apiType }),
    h('td', { class: 'mono', testid: 'apis-resource', text: p?.resourceName ?? '—' }),
    h('td', {}, p === undefined ? '—' : linkStatus(p)),
    h('td', { class: 'row-actions' }, rowActions(build, link, actions)),
  );
}

/** @param {any} p the link's properties */
function linkStatus(p) {
  const problems = Array.isArray(p.problems) ? p.problems : [];
  return h(
    'div',
    {},
    h('span', {
      class: `badge badge-${p.status === 'Healthy' ? 'succeeded' : 'failed'}`,
      testid: 'apis-status',
      text: String(p.status),
    }),
    problems.length === 0
      ? null
      : h(
          'ul',
          { class: 'problems', testid: 'apis-problems' },
          problems.map((/** @type {string} */ problem) => h('li', { text: problem })),
        ),
  );
}

/**
 * @param {any} build
 * @param {any | undefined} link
 * @param {Actions} actions
 */
function rowActions(build, link, actions) {
  const buildName = String(build.name);
  if (link === undefined && build.properties?.hasManagedApi === true) {
    return [managedFunctionsNote(build)];
  }
  if (link === undefined) {
    const open = button('Link', `apis-link-${buildName}`, {
      small: true,
      'aria-label': `Link a backend to ${environmentLabel(build)}`,
    });
    open.addEventListener('click', () => actions.openLinkForm(build));
    return [open];
  }
  const buttons = [];
  if (link.properties?.status !== 'Healthy') {
    buttons.push(repairButton(build, link, actions));
  }
  buttons.push(unlinkButton(build, link, actions));
  return buttons;
}

/**
 * Why an environment running managed functions offers no Link: the service would refuse it, since an
 * environment's /api goes to its own functions or to one linked backend, never both.
 * @see issue 15 (Link was offered here and then refused with the CLI's wording)
 * @param {any} build
 */
function managedFunctionsNote(build) {
  return h('span', {
    class: 'hint',
    testid: `apis-managed-note-${String(build.name)}`,
    text: `${environmentLabel(build)} runs managed functions from its deployment. To link a backend instead, deploy this environment again without an API folder.`,
  });
}

/**
 * @param {any} build
 * @param {any} link
 * @param {Actions} actions
 */
function repairButton(build, link, actions) {
  const buildName = String(build.name);
  const repair = button('Repair', `apis-repair-${buildName}`, { small: true, variant: 'primary' });
  repair.addEventListener('click', async () => {
    repair.disabled = true;
    actions.messages.clear();
    try {
      await api.repairLink(actions.view.site.name, buildName, String(link.name));
      await actions.refresh(
        `Repaired the link of ${environmentLabel(build)} to ${link.properties.resourceName}.`,
      );
    } catch (error) {
      repair.disabled = false;
      actions.messages.show(messageOf(error));
    }
  });
  return repair;
}

/**
 * @param {any} build
 * @param {any} link
 * @param {Actions} actions
 */
function unlinkButton(build, link, actions) {
  const buildName = String(build.name);
  const environment = environmentLabel(build);
  const unlink = button('Unlink', `apis-unlink-${buildName}`, { small: true, variant: 'danger' });
  unlink.addEventListener('click', async () => {
    const resource = String(link.properties?.resourceName ?? link.name);
    const confirmed = await confirmDialog({
      title: `Unlink ${resource}?`,
      message: `${environment}’s /api stops reaching ${typeLabel(String(link.properties?.backendType))} ${resource}. An API Management service keeps the product and subscription made for this site.`,
      confirmLabel: 'Unlink',
      danger: true,
    });
    if (!confirmed) {
      return;
    }
    actions.messages.clear();
    try {
      await api.unlinkBackend(actions.view.site.name, buildName, String(link.name));
      await actions.refresh(`Unlinked ${resource} from ${environment}.`);
    } catch (error) {
      actions.messages.show(messageOf(error));
    }
  });
  return unlink;
}

/**
 * The Link form of one environment: backend type, then one of the resources of that type.
 * @param {any} build
 * @param {Actions} actions
 * @param {() => void} close
 */
function linkForm(build, actions, close) {
  const buildName = String(build.name);
  const environment = environmentLabel(build);
  const type = h(
    'select',
    { testid: 'link-type' },
    BACKEND_TYPES.map((t) => h('option', { value: t.type, text: t.label })),
  );
  const resource = h('select', { testid: 'link-resource', required: true });
  const messages = createMessageArea('link-message');
  const submit = button('Link', 'link-submit', { type: 'submit', variant: 'primary' });
  const cancel = button('Cancel', 'link-cancel');
  const loadResources = async () => {
    resource.replaceChildren();
    submit.disabled = true;
    messages.clear();
    try {
      const names = await api.listBackendResources(type.value);
      if (names.length === 0) {
        messages.show(
          `There is no ${typeLabel(type.value)} yet; create one first under ${type.value === 'apim' ? 'API Management' : 'Backends'} (top bar).`,
        );
        return;
      }
      resource.append(...names.map((name) => h('option', { value: name, text: name })));
      submit.disabled = false;
    } catch (error) {
      messages.show(messageOf(error));
    }
  };
  type.addEventListener('change', () => void loadResources());
  cancel.addEventListener('click', close);
  const titleId = `link-title-${buildName}`;
  const form = h(
    'form',
    { class: 'panel', testid: 'link-form', 'aria-labelledby': titleId },
    h('h2', { id: titleId, text: `Link a backend to ${environment}` }),
    h(
      'div',
      { class: 'field-row' },
      field('Backend resource type', type),
      field('Backend resource', resource),
    ),
    messages.element,
    h('div', { class: 'actions' }, submit, cancel),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    messages.clear();
    try {
      await api.linkBackend(actions.view.site.name, buildName, type.value, resource.value);
      close();
      await actions.refresh(`Linked ${typeLabel(type.value)} ${resource.value} to ${environment}.`);
    } catch (error) {
      submit.disabled = false;
      messages.show(messageOf(error));
    }
  });
  void loadResources();
  queueMicrotask(() => type.focus());
  return form;
}
