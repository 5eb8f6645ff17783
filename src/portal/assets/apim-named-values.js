// @ts-check
/**
 * Named values of a service, as in the Azure portal: name, display name (what policies write as
 * `{{display name}}`), type, and the value; a secret's value stays hidden until "Show value" asks the
 * API for it (`listValue`). "+ Add" creates one; "Edit" changes its display name, type or value (a PATCH:
 * a secret left blank keeps its value), so a secret a policy uses can be rotated in place; Delete is
 * refused by the API while a policy uses it.
 */
import { apim } from './apim-api.js';
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
 * @param {HTMLElement} body
 * @param {import('./apim-service.js').ServiceView} view
 */
export async function renderNamedValues(body, view) {
  const service = String(view.service.name);
  const messages = createMessageArea('named-values-message');
  /** @type {(notice?: string) => Promise<void>} */
  const refresh = (notice) => values.refresh(notice);
  const editor = createEditForm(service, (notice) => void refresh(notice));
  const values = createListArea({
    name: 'named-values',
    loadingText: 'Loading named values…',
    load: () => apim.list(service, 'namedValues'),
    messages,
    table: {
      caption: 'Named values',
      headers: ['Name', 'Display name', 'Type', 'Value', ''],
      // Opening the editor clears the list's notice: a "Saved …" beside the editor's next error misleads.
      row: (nv) =>
        namedValueRow(service, nv, messages, refresh, (chosen) => {
          messages.clear();
          void editor.open(chosen);
        }),
      empty: 'No named values yet. Choose + Add.',
      stack: true,
    },
  });
  const create = createForm(service, (notice) => void refresh(notice));
  replace(
    body,
    h('div', { class: 'toolbar' }, toggleButton('+ Add', 'named-value-create-open', create)),
    create,
    editor.element,
    listPanel('named-values-title', 'Named values', messages.element, values.element),
  );
  await refresh();
}

/**
 * @param {string} service
 * @param {any} nv
 * @param {ReturnType<typeof createMessageArea>} messages
 * @param {(notice?: string) => Promise<void>} refresh
 * @param {(nv: any) => void} openEditor
 */
function namedValueRow(service, nv, messages, refresh, openEditor) {
  const id = String(nv.name);
  const p = nv.properties ?? {};
  return h(
    'tr',
    { testid: `named-value-row-${id}` },
    h('th', { scope: 'row', class: 'mono', text: id }),
    h('td', { class: 'mono', text: String(p.displayName ?? '') }),
    h('td', { testid: 'named-value-type', text: p.secret === true ? 'Secret' : 'Plain' }),
    h('td', {}, p.secret === true ? secretValue(service, id, messages) : valueText(String(p.value ?? ''))),
    h(
      'td',
      { class: 'row-actions' },
      editButton(nv, openEditor),
      ' ',
      deleteButton(service, id, messages, refresh),
    ),
  );
}

/** @param {any} nv @param {(nv: any) => void} openEditor */
function editButton(nv, openEditor) {
  const id = String(nv.name);
  const edit = button('Edit', `named-value-edit-${id}`, {
    small: true,
    'aria-label': `Edit the named value ${id}`,
  });
  edit.addEventListener('click', () => openEditor(nv));
  return edit;
}

/**
 * The Edit form: display name, type and value of one named value; a blank value keeps the stored one.
 * @param {string} service
 * @param {(notice: string) => void} onSaved
 */
function createEditForm(service, onSaved) {
  let id = '';
  /** @type {string | undefined} the version the form shows: a save goes ahead only while it is current */
  let version;
  const displayName = h('input', {
    type: 'text',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    testid: 'named-value-edit-display-name',
  });
  const value = h('input', { type: 'password', autocomplete: 'off', testid: 'named-value-edit-value' });
  const secret = checkbox('Secret (hidden in lists)', { testid: 'named-value-edit-secret' });
  const panel = editPanel({
    testid: 'named-value-edit',
    fields: [
      field('Display name', displayName, 'Policies use it as {{display name}}.'),
      field('Value', value, 'Leave it blank to keep the current value.'),
      secret.element,
    ],
    save: async () => {
      await apim.updateVersion(
        service,
        ['namedValues', id],
        {
          displayName: displayName.value.trim(),
          secret: secret.input.checked,
          ...(value.value === '' ? {} : { value: value.value }),
        },
        version,
      );
      return `Saved the named value ${id}.`;
    },
    onSaved,
  });
  return {
    element: panel.element,
    /** Shows the named value as it is now (read again, with its version), else as listed. @param {any} nv */
    async open(nv) {
      id = String(nv.name);
      const current = await apim
        .read(service, ['namedValues', id])
        .catch(() => ({ body: nv, etag: undefined }));
      version = current.etag;
      const p = current.body.properties ?? {};
      displayName.value = String(p.displayName ?? '');
      value.value = '';
      value.placeholder = p.secret === true ? '(unchanged)' : String(p.value ?? '');
      secret.input.checked = p.secret === true;
      panel.show(`Edit named value ${id}`, displayName);
    },
  };
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
    'aria-label': `Show value of ${id}`,
  });
  const draw = () =>
    replace(
      cell,
      h('span', { class: 'muted', testid: 'named-value-value', text: 'Hidden value' }),
      ' ',
      show,
    );
  const hidden = () => {
    draw();
    show.focus();
  };
  show.addEventListener('click', async () => {
    try {
      const value = await apim.namedValue(service, id);
      const hide = button('Hide value', `named-value-hide-${id}`, {
        small: true,
        'aria-label': `Hide value of ${id}`,
      });
      hide.addEventListener('click', hidden);
      replace(cell, valueText(value), ' ', hide);
      hide.focus();
    } catch (error) {
      messages.show(messageOf(error));
    }
  });
  draw();
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
