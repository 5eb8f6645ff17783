// @ts-check
/**
 * "Backends": the apps a static web app environment can link as its `/api` — function apps (Portico runs
 * an uploaded API folder or zip), web apps and container apps (an existing service at a backend URL) —
 * each with its URL, network access, what links to it, Create and Delete.
 */
import { APP_KINDS, apps, linkKey, resolveLinkedSites } from './apim-api.js';
import { linkedList } from './apim-service.js';
import { confirmDialog } from './dialog.js';
import {
  button,
  createMessageArea,
  field,
  h,
  handleSubmit,
  messageOf,
  replace,
  select,
  toggleButton,
} from './dom.js';
import { filesOfFolder, filesOfZip, uploadFunctionContent } from './function-upload.js';
import { createListArea } from './list-area.js';

/**
 * @typedef {(typeof APP_KINDS)[number]} AppKind
 * @typedef {{
 *   kind: AppKind,
 *   links: Promise<Map<string, { site: string, environment: string, status: string }[]>>,
 *   messages: ReturnType<typeof createMessageArea>,
 *   refresh: (notice?: string) => Promise<void>,
 * }} Section
 */

/**
 * @param {HTMLElement} main
 * @param {import('./portal.js').App} app
 */
export async function renderBackends(main, app) {
  app.setTitle('Backends');
  // One look at every site's links serves the three sections (creating or deleting an app changes none).
  const links = resolveLinkedSites();
  const sections = APP_KINDS.map((kind) => appSection(kind, links));
  replace(
    main,
    h('h1', { text: 'Backends' }),
    h('p', {
      class: 'hint',
      text: 'Apps a static web app environment can link as its /api (Standard plan), besides an API Management service. Link them on the site’s APIs tab.',
    }),
    sections.map((s) => s.element),
  );
  await Promise.all(sections.map((s) => s.section.refresh()));
}

/**
 * @param {AppKind} kind
 * @param {Promise<Map<string, { site: string, environment: string, status: string }[]>>} links
 */
function appSection(kind, links) {
  const messages = createMessageArea(`${kind.type}-message`);
  /** @type {Section} */
  const section = { kind, links, messages, refresh: (notice) => list.refresh(notice) };
  const list = createListArea({
    name: kind.type,
    loadingText: `Loading ${kind.plural.toLowerCase()}…`,
    load: () => loadApps(section),
    messages,
    table: {
      caption: kind.plural,
      headers: ['Name', 'URL', 'Network access', 'Linked to', ''],
      row: (row) => appRow(section, row),
      empty: `No ${kind.plural.toLowerCase()} yet. Choose Create.`,
      stack: true,
    },
  });
  const create = createForm(section);
  const titleId = `${kind.type}-title`;
  const element = h(
    'section',
    { class: 'panel', testid: `${kind.type}-section`, 'aria-labelledby': titleId },
    h('h2', { id: titleId, text: kind.plural }),
    h('div', { class: 'toolbar' }, toggleButton('Create', `${kind.type}-create-open`, create)),
    create,
    messages.element,
    list.element,
  );
  return { element, section };
}

/**
 * The apps of a section's kind, each with the site environments linked to it.
 * @param {Section} section
 * @returns {Promise<{ app: any, linked: { site: string, environment: string, status: string }[] }[]>}
 */
async function loadApps(section) {
  const [list, links] = await Promise.all([apps.list(section.kind.type), section.links]);
  return list.map((app) => ({ app, linked: links.get(linkKey(section.kind.type, String(app.name))) ?? [] }));
}

/**
 * @param {Section} section
 * @param {{ app: any, linked: { site: string, environment: string, status: string }[] }} row
 */
function appRow(section, { app, linked }) {
  const name = String(app.name);
  const p = app.properties ?? {};
  return h(
    'tr',
    { testid: `app-row-${name}` },
    h('th', { scope: 'row', class: 'mono', text: name }),
    h('td', { class: 'mono', testid: 'app-url', text: String(p.url ?? p.backendUrl ?? '') }),
    h('td', {
      testid: 'app-access',
      text: p.publicNetworkAccess === 'Disabled' ? 'Disabled' : 'Enabled',
    }),
    h('td', {}, linkedList(linked, 'app-linked')),
    h('td', { class: 'row-actions' }, deleteButton(section, name)),
  );
}

/** @param {Section} section @param {string} name */
function deleteButton(section, name) {
  const remove = button('Delete', `app-delete-${name}`, {
    small: true,
    variant: 'danger',
    'aria-label': `Delete ${name}`,
  });
  remove.addEventListener('click', async () => {
    const confirmed = await confirmDialog({
      title: `Delete the ${section.kind.label} ${name}?`,
      message: 'The service refuses while a site environment is linked to it; unlink it there first.',
      confirmLabel: 'Delete',
      danger: true,
    });
    if (!confirmed) {
      return;
    }
    try {
      await apps.remove(section.kind.type, name);
      await section.refresh(`Deleted ${name}.`);
    } catch (error) {
      section.messages.show(messageOf(error));
    }
  });
  return remove;
}

/**
 * The Create form of a kind: a function app takes an API folder or a zip; the others a backend URL.
 * @param {Section} section
 */
function createForm(section) {
  const type = section.kind.type;
  const name = h('input', {
    type: 'text',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    testid: `${type}-name`,
  });
  const access = select(['Enabled', 'Disabled'], 'Enabled', { testid: `${type}-access` });
  const source = type === 'functionapp' ? functionSource() : urlSource(type);
  const messages = createMessageArea(`${type}-create-message`);
  const submit = button('Create', `${type}-create`, { type: 'submit', variant: 'primary' });
  const form = h(
    'form',
    { class: 'subpanel', id: `create-${type}`, hidden: true, testid: `${type}-create-form` },
    h('h3', { text: `Create a ${section.kind.label}` }),
    h(
      'div',
      { class: 'field-row' },
      field('Name', name, "2 to 60 lower-case letters, digits or '-'."),
      field('Public network access', access, 'Sites cannot link an app with public access disabled.'),
    ),
    source.element,
    messages.element,
    h('div', { class: 'actions' }, submit),
  );
  handleSubmit(form, submit, messages, async () => {
    // The section's notice of an earlier create or delete no longer describes what is happening.
    section.messages.clear();
    const appName = name.value.trim();
    // Read the files first, so a wrong folder or zip creates nothing.
    const files = await source.files();
    await apps.create(
      type,
      appName,
      { ...source.properties(), publicNetworkAccess: access.value },
      section.kind.label,
    );
    if (files !== undefined) {
      await uploadFunctionContent(appName, files, (text) => messages.show(text, 'success'));
    }
    form.reset();
    await section.refresh(`Created the ${section.kind.label} ${appName}.`);
    messages.clear();
  });
  return form;
}

/** @param {string} type */
function urlSource(type) {
  const url = h('input', {
    type: 'url',
    required: true,
    autocomplete: 'off',
    placeholder: 'https://orders.internal.example',
    testid: `${type}-backend-url`,
  });
  return {
    element: field(
      'Backend URL',
      url,
      'The base URL of the existing service; a linked site sends /api/… there.',
    ),
    properties: () => ({ backendUrl: url.value.trim() }),
    /** @returns {Promise<undefined>} */
    files: async () => undefined,
  };
}

/** A function app's code: an API folder or a zip of it (exactly one). */
function functionSource() {
  const folder = h('input', {
    type: 'file',
    webkitdirectory: true,
    multiple: true,
    testid: 'functionapp-folder',
  });
  const zip = h('input', { type: 'file', accept: '.zip,application/zip', testid: 'functionapp-zip' });
  return {
    element: h(
      'fieldset',
      { class: 'plain-fieldset' },
      h('legend', { text: 'Code: the Azure Functions app folder (with host.json), or a zip of it' }),
      h('div', { class: 'field-row' }, field('API folder', folder), field('Or a .zip', zip)),
    ),
    properties: () => ({}),
    files: async () => {
      const chosenZip = zip.files?.[0];
      if (chosenZip !== undefined && (folder.files?.length ?? 0) > 0) {
        throw new Error('Choose either an API folder or a zip, not both.');
      }
      if (chosenZip !== undefined) {
        return filesOfZip(chosenZip);
      }
      if (folder.files !== null && folder.files.length > 0) {
        return filesOfFolder(folder.files);
      }
      throw new Error('Choose the API folder or a zip of it.');
    },
  };
}
