// @ts-check
/**
 * The list of a screen, drawn the same way everywhere: a loading line, then a table of what the load call
 * returned, an "empty" line when it returned nothing, or the API's error; after a change the list is
 * drawn again and a success notice says what changed. A screen states only its columns, its empty text
 * and its load call. Test ids follow the list's `name`: `<name>-table`, `<name>-empty`, `<name>-error`.
 */
import { button, errorNotice, h, loading, messageOf, replace, stackable, table } from './dom.js';

/**
 * @template T
 * @typedef {{
 *   caption: string,
 *   headers: string[],
 *   row: (item: T) => HTMLTableRowElement | HTMLTableRowElement[],
 *   empty?: string,
 *   stack?: boolean,
 * }} ListTable
 *   `row` may give more than one row per item (a details row under it); without `empty` an empty list
 *   still shows the table; `stack` shows each row as a card of labelled lines on a phone (`stackable`).
 */

/**
 * @template T
 * @typedef {{
 *   name: string,
 *   testid?: string,
 *   loadingText: string,
 *   load: () => Promise<T[]>,
 *   messages?: ReturnType<typeof import('./dom.js').createMessageArea>,
 * } & ({ table: ListTable<T>, render?: undefined } | { render: (items: T[]) => HTMLElement[], table?: undefined })} ListSpec
 *   `testid` is the area's (default `<name>-list`); `messages` is where a change's notice goes; `render`
 *   replaces the table when a list is not drawn as one (the environments' panels).
 */

/**
 * A list's table, or its "empty" line when there is nothing in it:
 * `listTable('users', users, { caption, headers, row, empty: 'No users yet.' })`.
 * @template T
 * @param {string} name the test ids' prefix: `<name>-table`, `<name>-empty`
 * @param {T[]} items
 * @param {ListTable<T>} spec
 * @returns {HTMLElement}
 */
export function listTable(name, items, spec) {
  if (items.length === 0 && spec.empty !== undefined) {
    return h('p', { class: 'empty', testid: `${name}-empty`, text: spec.empty });
  }
  const grid = table({
    caption: spec.caption,
    headers: spec.headers,
    testid: `${name}-table`,
    rows: items.flatMap(spec.row),
  });
  return spec.stack === true ? stackable(grid) : grid;
}

/**
 * A list area that loads and draws itself: put `element` on the page, then `await refresh()`; after a
 * change, `refresh('Deleted x.')` draws the list again and then shows the notice in `messages`.
 * @template T
 * @param {ListSpec<T>} spec
 * @example
 * const users = createListArea({
 *   name: 'users',
 *   loadingText: 'Loading users…',
 *   load: () => api.listUsers(site),
 *   messages,
 *   table: { caption: 'Users', headers: ['User', ''], row: userRow, empty: 'No users yet.' },
 * });
 */
export function createListArea(spec) {
  const element = h('div', { testid: spec.testid ?? `${spec.name}-list` }, loading(spec.loadingText));
  /** @param {string} [notice] a success message to show once the list is drawn again */
  const refresh = async (notice) => {
    replace(element, loading(spec.loadingText));
    replace(element, ...(await draw(spec)));
    if (notice !== undefined) {
      if (spec.messages === undefined) {
        throw new Error(`the list ${spec.name} has no message area for the notice "${notice}"`);
      }
      spec.messages.show(notice, 'success');
    }
  };
  return {
    element,
    refresh,
    /**
     * A "Refresh" button: clears the message area, then loads the list again.
     * @param {string} testid
     */
    refreshButton(testid) {
      return button('Refresh', testid, {
        on: {
          click: () => {
            spec.messages?.clear();
            void refresh();
          },
        },
      });
    },
  };
}

/**
 * What the area shows once the load call has answered.
 * @template T
 * @param {ListSpec<T>} spec
 * @returns {Promise<HTMLElement[]>}
 */
async function draw(spec) {
  let items;
  try {
    items = await spec.load();
  } catch (error) {
    return [errorNotice(messageOf(error), `${spec.name}-error`)];
  }
  return spec.render === undefined ? [listTable(spec.name, items, spec.table)] : spec.render(items);
}
