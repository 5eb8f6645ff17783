// @ts-check
/**
 * The page of one resource (a static web app, an API Management service): breadcrumb, name, a bar of
 * tabs addressed by the location hash, and the chosen tab's panel, rendered once the resource has loaded.
 */
import { ApiError } from './api.js';
import { errorNotice, h, loading, messageOf, replace } from './dom.js';

/**
 * @template R
 * @typedef {{ id: string, label: string, render: (body: HTMLElement, resource: R) => Promise<void> | void }} Tab
 */

/**
 * @template R
 * @typedef {{
 *   tabs: readonly Tab<R>[],
 *   current: string,
 *   name: string,
 *   kind: string,
 *   parent: { href: string, testid: string, text: string },
 *   hrefOf: (tab: string) => string,
 *   load: () => Promise<R>,
 * }} TabbedPage
 */

/**
 * Renders the page into `main`; a tab id the page has not falls back to the first tab. `kind` names the
 * title's test id (`<kind>-title`), the load error's (`<kind>-error`) and the tab bar's label.
 * @template R
 * @param {HTMLElement} main
 * @param {TabbedPage<R>} page
 * @param {(label: string) => void} setTitle
 */
export async function renderTabbedPage(main, page, setTitle) {
  const tab = page.tabs.find((t) => t.id === page.current) ?? page.tabs[0];
  if (tab === undefined) {
    return;
  }
  setTitle(tab.label);
  const body = h('section', {
    class: 'tab-panel',
    testid: `panel-${tab.id}`,
    'aria-labelledby': `tab-${tab.id}`,
  });
  replace(
    main,
    h(
      'nav',
      { class: 'breadcrumb', 'aria-label': 'Breadcrumb' },
      h('a', { href: page.parent.href, testid: page.parent.testid, text: page.parent.text }),
      ' › ',
      h('span', { 'aria-current': 'page', text: page.name }),
    ),
    h('h1', { testid: `${page.kind}-title`, text: page.name }),
    tabBar(page, tab.id),
    body,
  );
  replace(body, loading());
  let resource;
  try {
    resource = await page.load();
  } catch (error) {
    // Gone (deleted in another tab or by someone else): a way back to the list, beside the breadcrumb.
    const gone = error instanceof ApiError && error.status === 404;
    replace(
      body,
      errorNotice(messageOf(error), `${page.kind}-error`),
      gone
        ? h(
            'p',
            {},
            h('a', {
              href: page.parent.href,
              testid: `${page.kind}-back`,
              text: `Back to ${page.parent.text}`,
            }),
          )
        : null,
    );
    return;
  }
  await tab.render(body, resource);
}

/**
 * @template R
 * @param {TabbedPage<R>} page
 * @param {string} current
 */
function tabBar(page, current) {
  const label = `${page.kind.charAt(0).toUpperCase()}${page.kind.slice(1)} sections`;
  return h(
    'nav',
    { class: 'tabs', 'aria-label': label },
    h(
      'ul',
      {},
      page.tabs.map((tab) =>
        h(
          'li',
          {},
          h('a', {
            href: page.hrefOf(tab.id),
            id: `tab-${tab.id}`,
            testid: `tab-${tab.id}`,
            'aria-current': tab.id === current ? 'page' : undefined,
            text: tab.label,
          }),
        ),
      ),
    ),
  );
}
