// @ts-check
/**
 * Configuration › Application settings of one environment, as in Azure: values stay hidden until "Show
 * values"; rows are added, edited and deleted locally, then "Save" sends the whole set (the API
 * replaces all settings of the environment) and shows the API's validation message when it refuses.
 * Save goes through only while nobody else saved the settings since they were loaded (`If-Match`):
 * otherwise nothing is saved and the page says so, and "Discard" loads theirs.
 */
import { ApiError, api } from './api.js';
import { button, createMessageArea, errorNotice, field, h, loading, messageOf, replace } from './dom.js';
import { environmentPicker } from './environment-picker.js';
import { listTable } from './list-area.js';
import { guardUnsaved } from './unsaved.js';

/**
 * @param {HTMLElement} body
 * @param {import('./site.js').SiteView} view
 */
export async function renderConfiguration(body, view) {
  const siteName = view.site.name;
  const buildName = view.route.arg ?? 'default';
  replace(body, loading('Loading application settings…'));
  let builds;
  let saved;
  try {
    [builds, saved] = await Promise.all([api.listBuilds(siteName), api.readAppSettings(siteName, buildName)]);
  } catch (error) {
    replace(
      body,
      environmentPicker(view, builds ?? [], buildName, 'settings-env'),
      errorNotice(messageOf(error), 'settings-error'),
    );
    return;
  }
  const editor = createSettingsEditor(siteName, buildName, saved);
  replace(
    body,
    environmentPicker(view, builds, buildName, 'settings-env'),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'settings-title' },
      h('h2', { id: 'settings-title', text: 'Application settings' }),
      h('p', {
        class: 'hint',
        text: 'Settings reach the API functions of this environment as environment variables. Values are encrypted at rest.',
      }),
      editor,
    ),
  );
}

/**
 * The settings table with its toolbar, row editor and Save.
 * @param {string} siteName
 * @param {string} buildName
 * @param {{ properties: Record<string, string>, etag?: string }} saved
 */
function createSettingsEditor(siteName, buildName, saved) {
  const state = { settings: new Map(Object.entries(saved.properties)), showValues: false, dirty: false };
  guardUnsaved(() => (state.dirty ? 'The application settings have unsaved changes.' : undefined));
  const messages = createMessageArea('settings-message');
  const tableArea = h('div', {});
  const unsaved = h('p', {
    class: 'notice notice-warning',
    testid: 'settings-unsaved',
    // Announced when it appears: an added or deleted row changes nothing else a screen reader reads out.
    role: 'status',
    hidden: true,
    text: 'Unsaved changes: choose Save to apply them. Save replaces all settings of this environment.',
  });
  const add = button('Add', 'settings-add');
  const show = button('Show values', 'settings-show', { 'aria-pressed': 'false' });
  const save = button('Save', 'settings-save', { variant: 'primary' });
  const discard = button('Discard', 'settings-discard');
  const rowEditor = createRowEditor(
    (name, previous) =>
      [...state.settings.keys()].find(
        (other) => other !== previous && other.toLowerCase() === name.toLowerCase(),
      ),
    (name, value, previous) => {
      if (previous !== undefined && previous !== name) {
        state.settings.delete(previous);
      }
      state.settings.set(name, value);
      changed();
    },
  );

  const draw = () => {
    replace(
      tableArea,
      settingsTable(state, { edit: (name, value) => rowEditor.open(name, value, state.showValues), remove }),
    );
    unsaved.hidden = !state.dirty;
    show.textContent = state.showValues ? 'Hide values' : 'Show values';
    show.setAttribute('aria-pressed', String(state.showValues));
  };
  const changed = () => {
    state.dirty = true;
    messages.clear();
    draw();
  };
  /** @param {string} name */
  const remove = (name) => {
    state.settings.delete(name);
    changed();
  };
  add.addEventListener('click', () => rowEditor.open(undefined, undefined, state.showValues));
  show.addEventListener('click', () => {
    state.showValues = !state.showValues;
    draw();
  });
  // Discard loads what the server holds now, which may be newer than what this page loaded.
  discard.addEventListener('click', async () => {
    discard.disabled = true;
    try {
      saved = await api.readAppSettings(siteName, buildName);
      state.settings = new Map(Object.entries(saved.properties));
      state.dirty = false;
      rowEditor.close();
      messages.clear();
      draw();
    } catch (error) {
      messages.show(messageOf(error));
    } finally {
      discard.disabled = false;
    }
  });
  save.addEventListener('click', async () => {
    save.disabled = true;
    messages.clear();
    try {
      saved = await api.replaceAppSettings(
        siteName,
        buildName,
        Object.fromEntries(state.settings),
        saved.etag,
      );
      state.settings = new Map(Object.entries(saved.properties));
      state.dirty = false;
      draw();
      messages.show("Saved. This environment's functions restart with the new settings.", 'success');
    } catch (error) {
      messages.show(
        error instanceof ApiError && error.code === 'CONTROL_PRECONDITION_FAILED'
          ? 'Someone saved these settings since this page loaded them (with the CLI, or in another tab), so nothing was saved: saving would have removed their changes. Choose Discard to load the settings as they are now, then make your change again.'
          : messageOf(error),
      );
    } finally {
      save.disabled = false;
    }
  });
  draw();
  return h(
    'div',
    {},
    h('div', { class: 'toolbar' }, add, show, save, discard),
    unsaved,
    messages.element,
    rowEditor.element,
    tableArea,
  );
}

/**
 * @param {{ settings: Map<string, string>, showValues: boolean }} state
 * @param {{ edit: (name: string, value: string) => void, remove: (name: string) => void }} actions
 */
function settingsTable(state, actions) {
  const names = [...state.settings.keys()].sort((a, b) => a.localeCompare(b));
  return listTable('settings', names, {
    caption: 'Application settings',
    headers: ['Name', 'Value', ''],
    row: (name) => settingRow(name, state, actions),
    empty: 'No application settings.',
  });
}

/**
 * @param {string} name
 * @param {{ settings: Map<string, string>, showValues: boolean }} state
 * @param {{ edit: (name: string, value: string) => void, remove: (name: string) => void }} actions
 */
function settingRow(name, state, actions) {
  const value = state.settings.get(name) ?? '';
  const edit = button('Edit', 'setting-edit', { small: true, 'aria-label': `Edit ${name}` });
  const remove = button('Delete', 'setting-delete', {
    variant: 'danger',
    small: true,
    'aria-label': `Delete ${name}`,
  });
  edit.addEventListener('click', () => actions.edit(name, value));
  remove.addEventListener('click', () => actions.remove(name));
  return h(
    'tr',
    { testid: `setting-row-${name}` },
    h('th', { scope: 'row', class: 'mono', testid: 'setting-name', text: name }),
    state.showValues
      ? h('td', { class: 'mono', testid: 'setting-value', text: value })
      : h('td', {
          class: 'muted',
          testid: 'setting-value',
          text: 'Hidden value. Choose Show values to see it.',
        }),
    h('td', { class: 'row-actions' }, edit, remove),
  );
}

/** The server's rule for setting names (`SETTING_NAME` in src/functions-host/settings.ts). */
const SETTING_NAME = /^[A-Za-z0-9._]+$/;

/**
 * The add/edit form of one setting; `onApply(name, value, previousName)` changes the local set. A name
 * another setting has (`taken`, compared without case, as Azure compares setting names) is refused in
 * the form: adding it would replace that setting without a word. So is a name the server refuses, at
 * once rather than at Save.
 * @param {(name: string, previous: string | undefined) => string | undefined} taken
 * @param {(name: string, value: string, previous: string | undefined) => void} onApply
 */
function createRowEditor(taken, onApply) {
  const name = h('input', {
    type: 'text',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    testid: 'setting-name-input',
  });
  const value = h('input', {
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    testid: 'setting-value-input',
  });
  const apply = button('OK', 'setting-apply', { type: 'submit', variant: 'primary' });
  const problem = createMessageArea('setting-editor-message');
  const cancel = button('Cancel', 'setting-cancel');
  const title = h('h3', { text: 'Add setting' });
  /** @type {string | undefined} */
  let previous;
  const form = h(
    'form',
    { class: 'subpanel', hidden: true, testid: 'setting-editor' },
    title,
    field('Name', name, "Letters, digits, '.' and '_'."),
    field('Value', value),
    problem.element,
    h('div', { class: 'actions' }, apply, cancel),
  );
  const close = () => {
    form.hidden = true;
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const trimmed = name.value.trim();
    if (trimmed === '') {
      return;
    }
    if (!SETTING_NAME.test(trimmed)) {
      problem.show(
        `The name '${trimmed}' is invalid: names may contain only letters, digits, '.' and '_' (no spaces or '-').`,
      );
      name.focus();
      return;
    }
    const other = taken(trimmed, previous);
    if (other !== undefined) {
      problem.show(`A setting named ${other} exists already; choose Edit on its row to change it.`);
      name.focus();
      return;
    }
    onApply(trimmed, value.value, previous);
    close();
  });
  cancel.addEventListener('click', close);
  return {
    element: form,
    close,
    /**
     * @param {string} [editName] @param {string} [editValue]
     * @param {boolean} [shown] whether the page shows values: a hidden one is edited as a password field
     */
    open(editName, editValue, shown = false) {
      previous = editName;
      title.textContent = editName === undefined ? 'Add setting' : `Edit ${editName}`;
      name.value = editName ?? '';
      value.type = shown ? 'text' : 'password';
      value.value = editValue ?? '';
      problem.clear();
      form.hidden = false;
      name.focus();
    },
  };
}
