// @ts-check
/**
 * APIs of a service, as Azure's "Create an HTTP API": display name, name, web service URL, API URL
 * suffix, subscription required, and its operations (one `METHOD /template` per line). Each API row lists
 * its operations; selecting an API (`#/apim/<service>/apis/<id>`) manages them (`apim-operations.js`);
 * Settings changes its display name, web service URL, URL suffix and subscription requirement in place
 * (Azure's Settings blade, a PATCH: operations, policies and products stay); Delete removes an API with
 * its operations and policies.
 */
import { ApiError } from './api.js';
import { apim } from './apim-api.js';
import { parseOperationLine, renderOperations } from './apim-operations.js';
import { confirmDialog } from './dialog.js';
import {
  button,
  checkbox,
  createMessageArea,
  editPanel,
  field,
  h,
  handleSubmit,
  listPanel,
  messageOf,
  replace,
  toggleButton,
} from './dom.js';
import { createListArea } from './list-area.js';

/**
 * @typedef {{ service: string, messages: ReturnType<typeof createMessageArea>, refresh: (notice?: string) => Promise<void>, editSettings: (api: any) => void }} Context
 */

/**
 * @param {HTMLElement} body
 * @param {import('./apim-service.js').ServiceView} view
 */
export async function renderApimApis(body, view) {
  const service = String(view.service.name);
  const messages = createMessageArea('apim-apis-message');
  const settings = createSettingsForm(service, (notice) => void apis.refresh(notice));
  /** @type {Context} */
  const context = {
    service,
    messages,
    refresh: (notice) => apis.refresh(notice),
    // Opening the settings clears the list's notice: a "Saved …" beside the form's next error misleads.
    editSettings: (api) => {
      messages.clear();
      void settings.open(api);
    },
  };
  const apis = createListArea({
    name: 'apim-apis',
    loadingText: 'Loading APIs…',
    load: () => loadApis(service),
    messages,
    table: {
      caption: 'APIs',
      headers: ['API', 'URL suffix', 'Web service URL', 'Operations', 'Subscription', ''],
      row: (row) => apiRow(row, context),
      empty: 'No APIs yet. Choose + Add API.',
      stack: true,
    },
  });
  const detail = h('div', { testid: 'api-detail-slot' });
  const create = createApiForm(service, (notice) => void apis.refresh(notice));
  replace(
    body,
    h('div', { class: 'toolbar' }, toggleButton('+ Add API', 'api-create-open', create)),
    create,
    settings.element,
    listPanel('apim-apis-title', 'APIs', messages.element, apis.element),
    detail,
  );
  await apis.refresh();
  if (view.route.arg !== undefined) {
    await renderOperations(detail, service, view.route.arg, () => apis.refresh());
  }
}

/**
 * The service's APIs, each with its operations.
 * @param {string} service
 * @returns {Promise<{ api: any, operations: any[] }[]>}
 */
async function loadApis(service) {
  const apis = await apim.list(service, 'apis');
  return Promise.all(
    apis.map(async (api) => ({ api, operations: await apim.listOperations(service, String(api.name)) })),
  );
}

/**
 * @param {{ api: any, operations: any[] }} row
 * @param {Context} context
 */
function apiRow({ api, operations }, context) {
  const id = String(api.name);
  const p = api.properties ?? {};
  return h(
    'tr',
    { testid: `api-row-${id}` },
    h(
      'th',
      { scope: 'row' },
      h('a', {
        href: `#/apim/${encodeURIComponent(context.service)}/apis/${encodeURIComponent(id)}`,
        testid: `api-link-${id}`,
        text: String(p.displayName ?? id),
      }),
      h('div', { class: 'hint mono', text: id }),
    ),
    h('td', { class: 'mono', testid: 'api-path', text: `/${String(p.path ?? '')}` }),
    h('td', { class: 'mono', testid: 'api-service-url', text: String(p.serviceUrl ?? '') }),
    h('td', {}, operationList(operations)),
    h('td', { text: p.subscriptionRequired === false ? 'Not required' : 'Required' }),
    h('td', { class: 'row-actions' }, settingsButton(api, context), ' ', deleteButton(id, context)),
  );
}

/** @param {any} api @param {Context} context */
function settingsButton(api, context) {
  const id = String(api.name);
  const open = button('Settings', `api-settings-${id}`, {
    small: true,
    'aria-label': `Settings of the API ${id}`,
  });
  open.addEventListener('click', () => context.editSettings(api));
  return open;
}

/**
 * The settings of one API, changed in place: only the fields shown are sent (a PATCH).
 * @param {string} service
 * @param {(notice: string) => void} onSaved
 */
function createSettingsForm(service, onSaved) {
  let id = '';
  /** @type {string | undefined} the version the form shows: a save goes ahead only while it is current */
  let version;
  const displayName = h('input', { type: 'text', autocomplete: 'off', testid: 'api-settings-display-name' });
  const serviceUrl = h('input', {
    type: 'url',
    required: true,
    autocomplete: 'off',
    testid: 'api-settings-service-url',
  });
  const path = h('input', {
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    testid: 'api-settings-path',
  });
  const subscription = checkbox('Subscription required', { testid: 'api-settings-subscription' });
  const panel = editPanel({
    testid: 'api-settings',
    fields: [
      field('Display name', displayName),
      field('Web service URL', serviceUrl, 'Where the gateway sends the calls.'),
      field('API URL suffix', path, 'The path after the gateway URL, e.g. orders (empty: the root).'),
      subscription.element,
    ],
    save: async () => {
      await apim.updateVersion(
        service,
        ['apis', id],
        {
          ...(displayName.value.trim() === '' ? {} : { displayName: displayName.value.trim() }),
          serviceUrl: serviceUrl.value.trim(),
          path: path.value.trim().replace(/^\/+/, ''),
          subscriptionRequired: subscription.input.checked,
        },
        version,
      );
      return `Saved the settings of the API ${id}.`;
    },
    onSaved,
  });
  return {
    element: panel.element,
    /** Shows the API as it is now (read again, with its version), else as the list showed it. @param {any} api */
    async open(api) {
      id = String(api.name);
      const current = await apim.read(service, ['apis', id]).catch(() => ({ body: api, etag: undefined }));
      version = current.etag;
      const p = current.body.properties ?? {};
      displayName.value = String(p.displayName ?? '');
      serviceUrl.value = String(p.serviceUrl ?? '');
      path.value = String(p.path ?? '');
      subscription.input.checked = p.subscriptionRequired !== false;
      panel.show(`Settings of the API ${id}`, displayName);
    },
  };
}

/** @param {string} id @param {Context} context */
function deleteButton(id, context) {
  const remove = button('Delete', `api-delete-${id}`, {
    small: true,
    variant: 'danger',
    'aria-label': `Delete the API ${id}`,
  });
  remove.addEventListener('click', async () => {
    const confirmed = await confirmDialog({
      title: `Delete the API ${id}?`,
      message: 'Its operations and policies are deleted, and products no longer include it.',
      confirmLabel: 'Delete',
      danger: true,
    });
    if (!confirmed) {
      return;
    }
    try {
      await apim.remove(context.service, ['apis', id]);
      await context.refresh(`Deleted the API ${id}.`);
    } catch (error) {
      context.messages.show(messageOf(error));
    }
  });
  return remove;
}

/** @param {any[]} operations */
function operationList(operations) {
  if (operations.length === 0) {
    return h('span', { class: 'muted', text: 'none yet (every call answers 404)' });
  }
  return h(
    'ul',
    { class: 'plain-list mono', testid: 'api-operations' },
    operations.map((op) =>
      h('li', { text: `${String(op.properties?.method ?? '')} ${String(op.properties?.urlTemplate ?? '')}` }),
    ),
  );
}

/**
 * Reads the operations box: one per non-empty line; the first bad or repeated line is reported with its
 * number.
 * @param {string} text
 */
function readOperations(text) {
  const lines = text.split('\n');
  /** @type {{ id: string, method: string, urlTemplate: string, line: number }[]} */
  const operations = [];
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') {
      continue;
    }
    const operation = parseOperationLine(line);
    if (operation === undefined) {
      return {
        error: `Operations, line ${index + 1}: "${line.trim()}" must be a method and a URL template, e.g. GET /getProducts or POST /orders/{id}.`,
        operations,
      };
    }
    const earlier = operations.find((op) => op.id === operation.id);
    if (earlier !== undefined) {
      return {
        error: `Operations, line ${index + 1}: "${line.trim()}" is the operation of line ${earlier.line} again; give each one once.`,
        operations,
      };
    }
    operations.push({ ...operation, line: index + 1 });
  }
  return { error: undefined, operations };
}

/**
 * Adds the operations of a new API; when the server refuses one, deletes the API again (nothing is left
 * half made) and says which line it was.
 * @param {string} service @param {string} id
 * @param {{ id: string, method: string, urlTemplate: string, line: number }[]} operations
 */
async function addOperationsOrUndo(service, id, operations) {
  for (const op of operations) {
    try {
      await apim.put(service, ['apis', id, 'operations', op.id], {
        method: op.method,
        urlTemplate: op.urlTemplate,
      });
    } catch (error) {
      await apim.remove(service, ['apis', id]).catch(() => undefined);
      throw new ApiError(
        error instanceof ApiError ? error.status : 0,
        error instanceof ApiError ? error.code : 'PORTAL',
        `Operations, line ${op.line}: ${messageOf(error)} Nothing was created.`,
      );
    }
  }
}

/**
 * The "+ Add API" form (an HTTP API: Azure's fields).
 * @param {string} service
 * @param {(notice: string) => void} onCreated
 */
function createApiForm(service, onCreated) {
  const displayName = h('input', { type: 'text', autocomplete: 'off', testid: 'api-display-name' });
  const name = h('input', {
    type: 'text',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    testid: 'api-name',
  });
  const serviceUrl = h('input', {
    type: 'url',
    required: true,
    autocomplete: 'off',
    placeholder: 'https://backend.example.com/api',
    testid: 'api-service-url-input',
  });
  const path = h('input', {
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    testid: 'api-path-input',
  });
  const subscription = checkbox('Subscription required', { checked: true, testid: 'api-subscription' });
  const operations = h('textarea', {
    rows: 4,
    spellcheck: 'false',
    class: 'mono',
    placeholder: 'GET /getProducts\nPOST /orders/{id}',
    testid: 'api-operations-input',
  });
  const messages = createMessageArea('api-create-message');
  const submit = button('Create', 'api-create', { type: 'submit', variant: 'primary' });
  const form = h(
    'form',
    { class: 'panel', id: 'create-api', hidden: true, testid: 'api-create-form' },
    h('h2', { text: 'Create an HTTP API' }),
    h(
      'div',
      { class: 'field-row' },
      field('Display name', displayName),
      field('Name', name, "Letters, digits, '-', '_' or '.'."),
    ),
    field('Web service URL', serviceUrl, 'Where the gateway sends the calls.'),
    field('API URL suffix', path, 'The path after the gateway URL, e.g. orders (empty: the root).'),
    subscription.element,
    field(
      'Operations',
      operations,
      'One per line: a method and a URL template under the suffix. The gateway answers only calls that match an operation.',
    ),
    messages.element,
    h('div', { class: 'actions' }, submit),
  );
  handleSubmit(form, submit, messages, async () => {
    const parsed = readOperations(operations.value);
    if (parsed.error !== undefined) {
      // Nothing is sent while a line is wrong.
      messages.show(parsed.error);
      operations.focus();
      return;
    }
    const id = name.value.trim();
    await apim.create(service, ['apis', id], {
      ...(displayName.value.trim() === '' ? {} : { displayName: displayName.value.trim() }),
      path: path.value.trim().replace(/^\/+/, ''),
      serviceUrl: serviceUrl.value.trim(),
      protocols: ['http', 'https'],
      subscriptionRequired: subscription.input.checked,
    });
    await addOperationsOrUndo(service, id, parsed.operations);
    form.reset();
    onCreated(
      `Created the API ${id}${parsed.operations.length === 0 ? '' : ` with ${parsed.operations.length} operation(s)`}.`,
    );
  });
  return form;
}
