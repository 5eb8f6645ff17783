// @ts-check
/**
 * The "Environment" chooser of the site screens that show one environment at a time: a labelled
 * `<select>` of the site's builds (production is `default`) that moves to `#/sites/<site>/<tab>/<build>`.
 */
import { field, h } from './dom.js';

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
  picker.addEventListener('change', () => {
    const site = encodeURIComponent(view.site.name);
    view.app.navigate(`#/sites/${site}/${view.route.tab}/${encodeURIComponent(picker.value)}`);
  });
  return h('div', { class: 'toolbar' }, field('Environment', picker));
}
