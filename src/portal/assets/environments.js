// @ts-check
/**
 * Environments of a site (Azure's "builds"; production is `default`): host, status and last update, the
 * deployments of each (newest first) with a rollback to an earlier successful one, and deleting a
 * pre-production environment.
 */
import { api } from './api.js';
import { confirmDialog } from './dialog.js';
import {
  button,
  createMessageArea,
  errorNotice,
  externalLink,
  h,
  loading,
  messageOf,
  replace,
  table,
  time,
} from './dom.js';

/**
 * @param {HTMLElement} body
 * @param {import('./site.js').SiteView} view
 */
export async function renderEnvironments(body, view) {
  const messages = createMessageArea('environments-message');
  const list = h('div', { testid: 'environments-list' });
  const refreshButton = button('Refresh', 'environments-refresh');
  /** @param {string} [notice] a success message to show after the refresh */
  const refresh = async (notice) => {
    replace(list, loading('Loading environments…'));
    replace(list, ...(await environmentPanels(view, refresh, messages)));
    if (notice !== undefined) {
      messages.show(notice, 'success');
    }
  };
  refreshButton.addEventListener('click', () => {
    messages.clear();
    void refresh();
  });
  replace(body, h('div', { class: 'toolbar' }, refreshButton), messages.element, list);
  await refresh();
}

/**
 * @param {import('./site.js').SiteView} view
 * @param {(notice?: string) => Promise<void>} refresh
 * @param {ReturnType<typeof createMessageArea>} messages
 * @returns {Promise<HTMLElement[]>}
 */
async function environmentPanels(view, refresh, messages) {
  let builds;
  try {
    builds = await api.listBuilds(view.site.name);
  } catch (error) {
    return [errorNotice(messageOf(error), 'environments-error')];
  }
  const deployments = await Promise.all(
    builds.map((/** @type {any} */ build) =>
      api.listDeployments(view.site.name, build.name).catch((/** @type {unknown} */ error) => error),
    ),
  );
  return builds.map((/** @type {any} */ build, /** @type {number} */ index) =>
    environmentPanel(view, build, deployments[index], { refresh, messages }),
  );
}

/**
 * @typedef {{
 *   refresh: (notice?: string) => Promise<void>,
 *   messages: ReturnType<typeof createMessageArea>,
 * }} Actions
 */

/**
 * @param {import('./site.js').SiteView} view
 * @param {any} build
 * @param {any[] | unknown} deployments the list, or the error of listing them
 * @param {Actions} actions
 */
function environmentPanel(view, build, deployments, actions) {
  const buildName = String(build.name);
  const production = buildName === 'default';
  const environment = String(build.properties?.environmentName ?? (production ? 'production' : buildName));
  const href = String(build.properties?.url ?? '');
  const titleId = `env-title-${buildName}`;
  return h(
    'section',
    { class: 'panel', testid: `env-${buildName}`, 'aria-labelledby': titleId },
    h(
      'div',
      { class: 'panel-head' },
      h('h2', { id: titleId, text: production ? 'Production' : buildName }),
      production ? null : deleteButton(view, buildName, actions),
    ),
    h(
      'dl',
      { class: 'essentials' },
      h('dt', { text: 'Host name' }),
      h(
        'dd',
        { class: 'mono', testid: 'env-hostname' },
        /^https?:\/\//.test(href) ? externalLink(href, 'env-url') : String(build.properties?.hostname ?? ''),
      ),
      h('dt', { text: 'Status' }),
      h('dd', { testid: 'env-status', text: String(build.properties?.status ?? '') }),
      h('dt', { text: 'Last updated' }),
      h('dd', {}, time(build.properties?.lastUpdatedOn)),
    ),
    h('h3', { text: 'Deployments' }),
    Array.isArray(deployments)
      ? deploymentsTable(view, environment, deployments, actions)
      : errorNotice(messageOf(deployments)),
  );
}

/**
 * @param {import('./site.js').SiteView} view
 * @param {string} environment
 * @param {any[]} deployments
 * @param {Actions} actions
 */
function deploymentsTable(view, environment, deployments, actions) {
  if (deployments.length === 0) {
    return h('p', { class: 'empty', testid: 'deployments-empty', text: 'Nothing deployed yet.' });
  }
  return table({
    caption: `Deployments of ${environment}, newest first`,
    headers: ['Status', 'Started', 'Completed', 'Files', 'Deployment id', ''],
    testid: 'deployments-table',
    rows: deployments.map((deployment) => deploymentRow(view, environment, deployment, actions)),
  });
}

/**
 * @param {import('./site.js').SiteView} view
 * @param {string} environment
 * @param {any} deployment
 * @param {Actions} actions
 */
function deploymentRow(view, environment, deployment, actions) {
  const id = String(deployment.name);
  const p = deployment.properties ?? {};
  const live = p.active === true;
  const canRollBack = !live && p.status === 'Succeeded';
  return h(
    'tr',
    { testid: `deployment-${id}`, class: live ? 'row-live' : undefined },
    h(
      'td',
      {},
      h('span', {
        class: `badge badge-${String(p.status).toLowerCase()}`,
        testid: 'deployment-status',
        text: p.status,
      }),
      live ? h('span', { class: 'badge badge-live', testid: 'deployment-live', text: 'Live' }) : null,
    ),
    h('td', {}, time(p.createdTimeUtc)),
    h('td', {}, time(p.completedTimeUtc)),
    h('td', { text: p.fileCount ?? '' }),
    h('td', { class: 'mono', text: id }),
    h('td', {}, canRollBack ? rollbackButton(view, environment, id, actions) : null),
  );
}

/**
 * @param {import('./site.js').SiteView} view
 * @param {string} environment
 * @param {string} id
 * @param {Actions} actions
 */
function rollbackButton(view, environment, id, actions) {
  const rollback = button('Roll back to this', `rollback-${id}`, {
    small: true,
    'aria-label': `Roll back ${environment} to deployment ${id}`,
  });
  rollback.addEventListener('click', async () => {
    const confirmed = await confirmDialog({
      title: 'Roll back?',
      message: `Deployment ${id} becomes live again in ${environment}, replacing the current one.`,
      confirmLabel: 'Roll back',
    });
    if (!confirmed) {
      return;
    }
    rollback.disabled = true;
    actions.messages.clear();
    try {
      await api.rollback(view.site.name, environment, id);
      await actions.refresh(`Deployment ${id} is live again in ${environment}.`);
    } catch (error) {
      rollback.disabled = false;
      actions.messages.show(messageOf(error));
    }
  });
  return rollback;
}

/**
 * @param {import('./site.js').SiteView} view
 * @param {string} buildName
 * @param {Actions} actions
 */
function deleteButton(view, buildName, actions) {
  const remove = button('Delete environment', `env-delete-${buildName}`, { variant: 'danger', small: true });
  remove.addEventListener('click', async () => {
    const confirmed = await confirmDialog({
      title: `Delete the environment ${buildName}?`,
      message: 'Its content, deployments and app settings are removed; its host name stops serving.',
      confirmLabel: 'Delete',
      danger: true,
    });
    if (!confirmed) {
      return;
    }
    actions.messages.clear();
    try {
      await api.deleteBuild(view.site.name, buildName);
      await actions.refresh(`Deleted the environment ${buildName}.`);
    } catch (error) {
      actions.messages.show(messageOf(error));
    }
  });
  return remove;
}
