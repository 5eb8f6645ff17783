// @ts-check
/**
 * The "Environment" chooser of the site screens that show one environment at a time: a labelled
 * `<select>` of the site's builds (production is `default`) that moves to `#/sites/<site>/<tab>/<build>`,
 * and the drawing of such a screen (`renderEnvironmentTab`).
 */
import { api } from './api.js';
import { errorNotice, field, h, loading, messageOf, replace } from './dom.js';
import { onPickerMove } from './unsaved.js';

/**
 * Draws a tab that shows one environment (`view.route.arg`, production when none): a loading line, then
 * the chooser above what `load` draws for that environment, or above the API's error. Test ids:
 * `<name>-env` (the chooser), `<name>-error`.
 * @param {HTMLElement} body
 * @param {import('./site.js').SiteView} view
 * @param {{ name: string, loadingText: string, load: (builds: any[], buildName: string) => Promise<HTMLElement> }} spec
 */
export async function renderEnvironmentTab(body, view, spec) {
  const buildName = view.route.arg ?? 'default';
  replace(body, loading(spec.loadingText));
  /** @type {any[]} */
  let builds = [];
  try {
    builds = await api.listBuilds(view.site.name);
    const shown = await spec.load(builds, buildName);
    replace(body, environmentPicker(view, builds, buildName, `${spec.name}-env`), shown);
  } catch (error) {
    replace(
      body,
      environmentPicker(view, builds, buildName, `${spec.name}-env`),
      errorNotice(messageOf(error), `${spec.name}-error`),
    );
  }
}

/**
 * @param {import('./site.js').SiteView} view
 * @param {any[]} builds
 * @param {string} current the build shown
 * @param {string} testid
 */
export function environmentPicker(view, builds, current, testid) {
  const names = builds.map((build) => String(build.name));
  if (!names.includes(current)) {
    names.push(current);
  }
  const picker = h(
    'select',
    { testid },
    names.map((name) =>
      h('option', {
        value: name,
        selected: name === current,
        text: name === 'default' ? 'Production' : name,
      }),
    ),
  );
  onPickerMove(picker, (value) => {
    const site = encodeURIComponent(view.site.name);
    view.app.navigate(`#/sites/${site}/${view.route.tab}/${encodeURIComponent(value)}`);
  });
  return h('div', { class: 'toolbar' }, field('Environment', picker));
}
