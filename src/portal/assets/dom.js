// @ts-check
/**
 * DOM helpers of the portal. Every text, including everything the API returns, goes in through
 * `textContent` or an attribute, never through HTML parsing, so API data cannot become markup or script.
 */

let nextId = 0;

/** A page-unique element id, for `<label for>` and `aria-describedby`. */
export function uid(prefix = 'f') {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/**
 * @typedef {Node | string | number | null | undefined | false} Child
 * @typedef {Record<string, unknown> & {
 *   class?: string, text?: string, testid?: string,
 *   on?: Record<string, (event: any) => void>
 * }} Props
 */

/** Properties set as DOM properties rather than attributes. */
const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'required', 'readOnly', 'selected']);

/**
 * Creates an element: `h('button', { type: 'button', testid: 'save', on: { click } }, 'Save')`.
 * `text` sets textContent; `testid` sets data-testid; `on` adds listeners; strings among the children
 * become text nodes.
 *
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props} [props]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (key === 'text') {
      element.textContent = String(value);
    } else if (key === 'testid') {
      element.dataset.testid = String(value);
    } else if (key === 'class') {
      element.className = String(value);
    } else if (key === 'on') {
      for (const [name, listener] of Object.entries(/** @type {Record<string, EventListener>} */ (value))) {
        element.addEventListener(name, listener);
      }
    } else if (PROPERTIES.has(key)) {
      Reflect.set(element, key, value);
    } else {
      element.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

/**
 * Appends children (nested arrays allowed; null, undefined and false skipped).
 * @param {Element} parent
 * @param {(Child | Child[])[]} children
 */
export function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    parent.append(typeof child === 'number' ? String(child) : child);
  }
}

/**
 * Replaces all children of `parent`.
 * @param {Element} parent
 * @param {...(Child | Child[])} children
 */
export function replace(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}

/** A "loading" line, announced to screen readers. */
export function loading(text = 'Loading…') {
  return h('p', { class: 'status', role: 'status', testid: 'loading', text });
}

/**
 * An error notice; `testid` lets tests find the one they expect.
 * @param {string} message
 * @param {string} [testid]
 */
export function errorNotice(message, testid = 'error') {
  return h('p', { class: 'notice notice-error', role: 'alert', testid, text: message });
}

/**
 * A success notice.
 * @param {string} message
 * @param {string} [testid]
 */
export function successNotice(message, testid = 'success') {
  return h('p', { class: 'notice notice-success', role: 'status', testid, text: message });
}

/**
 * A live region that shows one message at a time (`show(text, 'error' | 'success')`, `clear()`).
 * @param {string} testid
 */
export function createMessageArea(testid) {
  const element = h('div', { class: 'message-area', testid, 'aria-live': 'polite', tabindex: '-1' });
  return {
    element,
    /**
     * Shows the message; when the control that acted is gone (a row deleted, a list drawn again), the
     * keyboard focus goes to the message rather than to the top of the page.
     * @param {string} text @param {'error' | 'success'} [kind]
     */
    show(text, kind = 'error') {
      replace(
        element,
        kind === 'error' ? errorNotice(text, `${testid}-error`) : successNotice(text, `${testid}-success`),
      );
      focusIfLost(element);
    },
    clear() {
      element.replaceChildren();
    },
  };
}

/**
 * Runs `action` when `form` is submitted, in place of sending it: `submit` is disabled and `messages`
 * cleared while it runs, and what it throws (an API error says what to fix) is shown in `messages`.
 * @param {HTMLFormElement} form
 * @param {HTMLButtonElement} submit
 * @param {ReturnType<typeof createMessageArea>} messages
 * @param {() => Promise<void> | void} action
 */
export function handleSubmit(form, submit, messages, action) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    messages.clear();
    try {
      await action();
    } catch (error) {
      messages.show(messageOf(error));
    } finally {
      submit.disabled = false;
      // Disabled while it ran, the button lost the focus: it gets it back unless something took it.
      focusIfLost(submit);
    }
  });
}

/**
 * Gives `target` the keyboard focus when nothing has it any more (the focused control was disabled or
 * removed: the browser then puts it on the page itself) and `target` is on the page.
 * @param {HTMLElement} target
 */
export function focusIfLost(target) {
  const active = document.activeElement;
  if ((active === null || active === document.body || !active.isConnected) && target.isConnected) {
    target.focus();
  }
}

/**
 * A labelled form field: `<div><label for>…</label>input<p hint></p></div>`.
 * @param {string} label
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} control
 * @param {string} [hint]
 */
export function field(label, control, hint) {
  control.id ||= uid('field');
  const hintElement = hint === undefined ? null : h('p', { class: 'hint', id: uid('hint'), text: hint });
  if (hintElement !== null) {
    control.setAttribute('aria-describedby', hintElement.id);
  }
  return h('div', { class: 'field' }, h('label', { for: control.id, text: label }), control, hintElement);
}

/**
 * A checkbox followed by its label: `checkbox('Subscription required', { testid: 'x', checked: true })`.
 * @param {string} label
 * @param {Props} [props]
 * @returns {{ element: HTMLDivElement, input: HTMLInputElement }}
 */
export function checkbox(label, props = {}) {
  const input = h('input', { ...props, type: 'checkbox', id: uid('check') });
  input.defaultChecked = input.checked; // so that form.reset() restores the initial state
  return { element: h('div', { class: 'choice' }, input, h('label', { for: input.id, text: label })), input };
}

/**
 * `<select>` of plain options.
 * @param {string[]} values
 * @param {string} selected
 * @param {Props} [props]
 */
export function select(values, selected, props = {}) {
  return h(
    'select',
    props,
    values.map((value) => h('option', { value, selected: value === selected, text: value })),
  );
}

/**
 * Calls `chosen` once the user has chosen a value of `select`: at once with a pointer; with the keyboard
 * on Enter or on leaving the control, since a closed select changes on each arrow key and looking
 * through the options must not act on each one (WCAG 3.2.2).
 * @param {HTMLSelectElement} control
 * @param {() => void} chosen
 */
export function onChosen(control, chosen) {
  let keyed = false;
  let pending = false;
  const commit = () => {
    pending = false;
    chosen();
  };
  control.addEventListener('pointerdown', () => {
    keyed = false;
  });
  control.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && pending) {
      event.preventDefault();
      commit();
    } else if (event.key !== 'Tab' && event.key !== 'Enter') {
      keyed = true;
    }
  });
  control.addEventListener('change', () => {
    if (keyed) {
      pending = true;
    } else {
      commit();
    }
  });
  control.addEventListener('blur', () => {
    if (pending) {
      commit();
    }
  });
}

/**
 * A time as the browser's locale shows it, in a `<time>` element; `—` for none.
 * @param {string | null | undefined} iso
 */
export function time(iso) {
  if (iso === null || iso === undefined || iso === '') {
    return h('span', { text: '—' });
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return h('time', { datetime: iso, text: iso });
  }
  return h('time', {
    datetime: iso,
    title: date.toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'long' }),
    text: date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
  });
}

/**
 * Copies `input`'s value to the clipboard, falling back to selecting it; reports through `report`.
 * @param {HTMLInputElement} input
 * @param {(text: string, kind?: 'error' | 'success') => void} report
 */
export async function copyValue(input, report) {
  try {
    await navigator.clipboard.writeText(input.value);
    report('Copied to the clipboard.', 'success');
  } catch {
    input.focus();
    input.select();
    report('The browser did not allow copying; the text is selected, press Ctrl+C (⌘C).', 'success');
  }
}

/**
 * A table with a caption (visually hidden when `hideCaption`), header cells and rows.
 * @param {{ caption: string, headers: string[], rows: HTMLTableRowElement[], testid: string, hideCaption?: boolean }} spec
 */
export function table({ caption, headers, rows, testid, hideCaption = true }) {
  for (const row of rows) {
    labelCells(row, headers);
  }
  return h(
    'table',
    { class: 'grid', testid },
    h('caption', { class: hideCaption ? 'visually-hidden' : undefined, text: caption }),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((header) => h('th', { scope: 'col', text: header })),
      ),
    ),
    h('tbody', {}, rows),
  );
}

/**
 * Gives each single-column cell of a body row its column's header as `data-label` (kept when set), so
 * narrow screens can stack a row's cells and still name each one (portal.css).
 * @param {HTMLTableRowElement} row
 * @param {string[]} headers
 */
function labelCells(row, headers) {
  let column = 0;
  for (const cell of Array.from(row.cells)) {
    const header = headers[column] ?? '';
    if (cell.colSpan === 1 && header !== '' && !cell.hasAttribute('data-label')) {
      cell.dataset.label = header;
    }
    column += cell.colSpan;
  }
}

/**
 * A link that opens a page of the data plane in a new tab.
 * @param {string} href
 * @param {string} testid
 */
export function externalLink(href, testid) {
  return h('a', { href, target: '_blank', rel: 'noopener noreferrer', testid, text: href });
}

/**
 * A `<button type="button">` (pass `type: 'submit'` for forms):
 * `button('Save', 'settings-save', { variant: 'primary' })`.
 * @param {string} text
 * @param {string} testid
 * @param {Props & { variant?: 'primary' | 'danger', small?: boolean }} [props]
 */
export function button(text, testid, props = {}) {
  const { variant, small, ...rest } = props;
  const classes = ['button', variant, small === true ? 'small' : undefined].filter(Boolean).join(' ');
  return h('button', { type: 'button', ...rest, class: classes, testid, text });
}

/**
 * The message of anything thrown (an {@link import('./api.js').ApiError} carries the API's message).
 * @param {unknown} error
 */
export function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A tab's list in a panel under its own H2 (the page has the H1), as every tab shows its tables:
 * `listPanel('users-title', 'Users', messages.element, users.element)`.
 * @param {string} id the heading's id, which labels the panel
 * @param {string} title
 * @param {...(Node | null)} children
 */
export function listPanel(id, title, ...children) {
  return h('section', { class: 'panel', 'aria-labelledby': id }, h('h2', { id, text: title }), ...children);
}

/**
 * The frame of an edit panel: a hidden form with a title, the given fields, a message area and Save and
 * Cancel. `save` sends the change and answers the notice to give; the panel then hides and `onSaved` gets
 * the notice. A failure shows in the panel's message area and leaves it open.
 * @param {object} spec
 * @param {string} spec.testid prefix of the test ids: `<testid>-form`, `-message`, `-save`, `-cancel`
 * @param {(Node | null)[]} spec.fields
 * @param {() => Promise<string>} spec.save
 * @param {(notice: string) => void} spec.onSaved
 */
export function editPanel({ testid, fields, save, onSaved }) {
  const title = h('h2');
  const messages = createMessageArea(`${testid}-message`);
  const submit = button('Save', `${testid}-save`, { type: 'submit', variant: 'primary' });
  const cancel = button('Cancel', `${testid}-cancel`);
  const form = h(
    'form',
    { class: 'panel', hidden: true, testid: `${testid}-form` },
    title,
    ...fields,
    messages.element,
    h('div', { class: 'actions' }, submit, cancel),
  );
  cancel.addEventListener('click', () => {
    form.hidden = true;
  });
  handleSubmit(form, submit, messages, async () => {
    const notice = await save();
    form.hidden = true;
    onSaved(notice);
  });
  return {
    element: form,
    /**
     * Shows the panel under `heading`, its messages cleared, the focus on `first`.
     * @param {string} heading @param {HTMLElement} first
     */
    show(heading, first) {
      title.textContent = heading;
      messages.clear();
      form.hidden = false;
      first.focus();
    },
  };
}

/**
 * A button that shows and hides a form (and focuses its first field); Escape in the form hides it and
 * gives the focus back to the button.
 * @param {string} text
 * @param {string} testid
 * @param {HTMLElement} form
 */
export function toggleButton(text, testid, form) {
  const open = button(text, testid, {
    variant: 'primary',
    'aria-expanded': 'false',
    'aria-controls': form.id,
  });
  open.addEventListener('click', () => {
    form.hidden = !form.hidden;
    open.setAttribute('aria-expanded', String(!form.hidden));
    if (!form.hidden) {
      /** @type {HTMLElement | null} */ (form.querySelector('input, select, textarea'))?.focus();
    }
  });
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !form.hidden) {
      event.preventDefault();
      form.hidden = true;
      open.setAttribute('aria-expanded', 'false');
      open.focus();
    }
  });
  return open;
}

/**
 * Makes a table fit a phone: each cell is labelled with its column's header (`data-label`), so that on a
 * narrow screen the stylesheet shows every row as a card of labelled lines; a table still too wide then
 * scrolls inside its box instead of widening the page.
 * @param {HTMLTableElement} element
 */
export function stackable(element) {
  const headers = Array.from(element.querySelectorAll('thead th'), (th) => th.textContent ?? '');
  for (const row of element.querySelectorAll('tbody tr')) {
    for (const [index, cell] of Array.from(row.children).entries()) {
      const label = headers[index];
      if (label !== undefined && label !== '') {
        cell.setAttribute('data-label', label);
      }
    }
  }
  return h('div', { class: 'table-scroll stack-narrow' }, element);
}
