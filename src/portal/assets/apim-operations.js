// @ts-check
/**
 * The operations of one API (`#/apim/<service>/apis/<apiId>`), as the Azure portal's API design view:
 * each operation's method and URL template, "+ Add operation" and Delete. An API without operations
 * matches no call (the gateway answers 404 `Resource not found`), as in Azure.
 */
import { ApiError } from './api.js';
import { apim } from './apim-api.js';
import { confirmDialog } from './dialog.js';
import {
  button,
  createMessageArea,
  errorNotice,
  field,
  h,
  loading,
  messageOf,
  replace,
  select,
} from './dom.js';
import { listTable } from './list-area.js';

/** The methods an operation may have (`*`: any). */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', '*'];

/**
 * @param {HTMLElement} slot
 * @param {string} service
 * @param {string} apiId
 * @param {() => Promise<void>} onChange refreshes what lists the operations elsewhere
 * @param {string} [notice] what the last change did
 */
export async function renderOperations(slot, service, apiId, onChange, notice) {
  replace(slot, loading('Loading operations…'));
  let operations;
  try {
    operations = await apim.listOperations(service, apiId);
  } catch (error) {
    replace(slot, errorNotice(messageOf(error), 'operations-error'));
    return;
  }
  const messages = createMessageArea('operations-message');
  /** @param {string} change */
  const done = async (change) => {
    await onChange();
    await renderOperations(slot, service, apiId, onChange, change);
  };
  const titleId = `operations-title-${apiId}`;
  replace(
    slot,
    h(
      'section',
      { class: 'panel', testid: 'api-detail', 'aria-labelledby': titleId },
      h('h2', { id: titleId, text: `Operations of ${apiId}` }),
      messages.element,
      listTable('operations', operations, {
        caption: `Operations of ${apiId}`,
        headers: ['Method', 'URL template', 'Name', ''],
        row: (op) => operationRow(service, apiId, op, messages, done),
        empty: 'No operations yet: the gateway answers 404 to every call of this API until one is added.',
        stack: true,
      }),
      addOperationForm(service, apiId, messages, done),
    ),
  );
  if (notice !== undefined) {
    messages.show(notice, 'success');
  }
}

/**
 * @param {string} service @param {string} apiId @param {any} op
 * @param {ReturnType<typeof createMessageArea>} messages
 * @param {(change: string) => Promise<void>} done
 */
function operationRow(service, apiId, op, messages, done) {
  const name = String(op.name);
  const remove = button('Delete', `operation-delete-${name}`, {
    small: true,
    variant: 'danger',
    'aria-label': `Delete the operation ${name}`,
  });
  remove.addEventListener('click', async () => {
    const confirmed = await confirmDialog({
      title: `Delete the operation ${name}?`,
      message: 'Calls to it stop matching (the gateway answers 404); its policy is deleted too.',
      confirmLabel: 'Delete',
      danger: true,
    });
    if (!confirmed) {
      return;
    }
    try {
      await apim.remove(service, ['apis', apiId, 'operations', name]);
      await done(`Deleted the operation ${name}.`);
    } catch (error) {
      messages.show(messageOf(error));
    }
  });
  return h(
    'tr',
    { testid: `operation-row-${name}` },
    h('td', { class: 'mono', text: String(op.properties?.method ?? '') }),
    h('td', { class: 'mono', text: String(op.properties?.urlTemplate ?? '') }),
    h('th', { scope: 'row', class: 'mono', text: name }),
    h('td', { class: 'row-actions' }, remove),
  );
}

/**
 * "+ Add operation": a method and a URL template; the name is derived as the CLI derives it.
 * @param {string} service @param {string} apiId
 * @param {ReturnType<typeof createMessageArea>} messages
 * @param {(change: string) => Promise<void>} done
 */
function addOperationForm(service, apiId, messages, done) {
  const method = select(METHODS, 'GET', { testid: 'operation-method' });
  const template = h('input', {
    type: 'text',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: '/orders/{id}',
    testid: 'operation-template',
  });
  const add = button('+ Add operation', 'operation-add', { type: 'submit', variant: 'primary' });
  const form = h(
    'form',
    { class: 'inline-form', testid: 'operation-form' },
    field('Method', method),
    field('URL template', template),
    add,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const operation = parseOperationLine(`${method.value} ${template.value.trim()}`);
    if (operation === undefined) {
      messages.show('The URL template must start with / and have no spaces, e.g. /orders/{id}.');
      template.focus();
      return;
    }
    add.disabled = true;
    try {
      await apim.create(service, ['apis', apiId, 'operations', operation.id], {
        method: operation.method,
        urlTemplate: operation.urlTemplate,
      });
      await done(`Added ${operation.method} ${operation.urlTemplate} as ${operation.id}.`);
    } catch (error) {
      add.disabled = false;
      // The form has no name field: say which operation exists, as the user wrote it.
      messages.show(
        error instanceof ApiError && error.code === 'CONTROL_ENTITY_EXISTS'
          ? `${operation.method} ${operation.urlTemplate} exists already in this API (as ${operation.id}).`
          : messageOf(error),
      );
    }
  });
  return form;
}

/**
 * `GET /getProducts` → method, template and the id `portico apim api create --operation` derives.
 * @param {string} line
 * @returns {{ id: string, method: string, urlTemplate: string } | undefined}
 */
export function parseOperationLine(line) {
  const match = /^([A-Za-z]+|\*)\s+(\/\S*)$/.exec(line.trim());
  if (match === null) {
    return undefined;
  }
  const method = (match[1] ?? '').toUpperCase();
  const urlTemplate = match[2] ?? '/';
  const id = `${method === '*' ? 'any' : method}-${urlTemplate}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return { id, method, urlTemplate };
}
