// @ts-check
/**
 * Named values of a service, as in the Azure portal: name, display name (what policies write as
 * `{{display name}}`), type, and the value; a secret's value stays hidden until "Show value" asks the
 * API for it (`listValue`). "+ Add" creates one; Delete is refused by the API while a policy uses it.
 */
import { apim } from './apim-api.js';
import { confirmDialog } from './dialog.js';
import {
  button,
  checkbox,
  createMessageArea,
  field,
  h,
  handleSubmit,
  messageOf,
  replace,
  toggleButton,
} from './dom.js';
import { createListArea } from './list-area.js';

/**
 * @param {HTMLElement} body
 * @param {import('./apim-service.js').ServiceView} view
 */
export async function renderNamedValues(body, view) {
  const service = String(view.service.name);
  const messages = createMessageArea('named-values-message');
  /** @type {(notice?: string) => Promise<void>} */
  const refresh = (notice) => values.refresh(notice);
  const values = createListArea({
    name: 'named-values',
    loadingText: 'Loading named values…',
    load: () => apim.list(service, 'namedValues'),
    messages,
    table: {
      caption: 'Named values',
      headers: ['Name', 'Display name', 'Type', 'Value', ''],
      row: (nv) => namedValueRow(service, nv, messages, refresh),
      empty: 'No named values yet. Choose + Add.',
      stack: true,
    },
  });
  const create = createForm(service, (notice) => void refresh(notice));
  replace(
    body,
    h('div', { class: 'toolbar' }, toggleButton('+ Add', 'named-value-create-open', create)),
    create,
    messages.element,
    values.element,
  );
  await refresh();
}

/**
 * @param {string} service
 * @param {any} nv
 * @param {ReturnType<typeof createMessageArea>} messages
 * @param {(notice?: string) => Promise<void>} refresh
 */
function namedValueRow(service, nv, messages, refresh) {
  const id = String(nv.name);
  const p = nv.properties ?? {};
  return h(
    'tr',
    { testid: `named-value-row-${id}` },
    h('th', { scope: 'row', class: 'mono', text: id }),
    h('td', { class: 'mono', text: String(p.displayName ?? '') }),
    h('td', { testid: 'named-value-type', text: p.secret === true ? 'Secret' : 'Plain' }),
    h('td', {}, p.secret === true ? secretValue(service, id, messages) : valueText(String(p.value ?? ''))),
    h('td', { class: 'row-actions' }, deleteButton(service, id, messages, refresh)),
  );
}

/** @param {string} value */
function valueText(value) {
  return h('span', { class: 'mono', testid: 'named-value-value', text: value });
}

/**
 * A secret's value: hidden, with "Show value" / "Hide value".
 * @param {string} service @param {string} id
 * @param {ReturnType<typeof createMessageArea>} messages
 */
function secretValue(service, id, messages) {
  const cell = h('div', { class: 'secret-value' });
  const show = button('Show value', `named-value-show-${id}`, {
    small: true,
    'aria-label': `Show the value of ${id}`,
  });
  const hidden = () =>
    replace(
      cell,
      h('span', { class: 'muted', testid: 'named-value-value', text: 'Hidden value' }),
      ' ',
      show,
    );
  show.addEventListener('click', async () => {
    try {
      const value = await apim.namedValue(service, id);
      const hide = button('Hide value', `named-value-hide-${id}`, { small: true });
      hide.addEventListener('click', hidden);
      replace(cell, valueText(value), ' ', hide);
    } catch (error) {
      messages.show(messageOf(error));
    }
  });
  hidden();
  return cell;
}

/**
 * @param {string} service @param {string} id
 * @param {ReturnType<typeof createMessageArea>} messages
 * @param {(notice?: string) => Promise<void>} refresh
 */
function deleteButton(service, id, messages, refresh) {
  const remove = button('Delete', `named-value-delete-${id}`, {
    small: true,
    variant: 'danger',
    'aria-label': `Delete the named value ${id}`,
  });
  remove.addEventListener('click', async () => {
    const confirmed = await confirmDialog({
      title: `Delete the named value ${id}?`,
      message: 'Policies that use it must not need it any more; the service refuses otherwise.',
      confirmLabel: 'Delete',
      danger: true,
    });
    if (!confirmed) {
      return;
    }
    try {
      await apim.remove(service, ['namedValues', id]);
      await refresh(`Deleted the named value ${id}.`);
    } catch (error) {
      messages.show(messageOf(error));
    }
  });
  return remove;
}

/**
 * The "+ Add" form.
 * @param {string} service
 * @param {(notice: string) => void} onCreated
 */
function createForm(service, onCreated) {
  const name = h('input', {
    type: 'text',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    testid: 'named-value-name',
  });
  const displayName = h('input', {
    type: 'text',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    testid: 'named-value-display-name',
  });
  const value = h('input', {
    type: 'password',
    required: true,
    autocomplete: 'off',
    testid: 'named-value-value-input',
  });
  const secret = checkbox('Secret (hidden in lists)', { checked: true, testid: 'named-value-secret' });
  const messages = createMessageArea('named-value-create-message');
  const submit = button('Save', 'named-value-create', { type: 'submit', variant: 'primary' });
  const form = h(
    'form',
    { class: 'panel', id: 'create-named-value', hidden: true, testid: 'named-value-create-form' },
    h('h2', { text: 'Add named value' }),
    h(
      'div',
      { class: 'field-row' },
      field('Name', name),
      field('Display name', displayName, 'Policies use it as {{display name}}.'),
    ),
    field('Value', value),
    secret.element,
    messages.element,
    h('div', { class: 'actions' }, submit),
  );
  handleSubmit(form, submit, messages, async () => {
    const id = name.value.trim();
    await apim.create(service, ['namedValues', id], {
      displayName: displayName.value.trim(),
      value: value.value,
      secret: secret.input.checked,
    });
    form.reset();
    onCreated(`Saved the named value ${id}.`);
  });
  return form;
}
