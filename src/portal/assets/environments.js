// @ts-check
/**
 * Environments of a site (Azure's "builds"; production is `default`): host, status and last update, the
 * deployments of each (newest first) with a rollback to an earlier successful one, and deleting a
 * pre-production environment.
 */
import { api } from './api.js';
import { confirmDialog } from './dialog.js';
import { button, createMessageArea, errorNotice, externalLink, h, messageOf, replace, time } from './dom.js';
import { createListArea, listTable } from './list-area.js';

/**
 * @param {HTMLElement} body
 * @param {import('./site.js').SiteView} view
 */
export async function renderEnvironments(body, view) {
  const messages = createMessageArea('environments-message');
  /** @type {Actions} */
  const actions = { refresh: (notice) => environments.refresh(notice), messages };
  const environments = createListArea({
    name: 'environments',
    loadingText: 'Loading environments…',
    load: () => loadEnvironments(view.site.name),
    messages,
    render: (items) =>
      items.map(({ build, deployments }) => environmentPanel(view, build, deployments, actions)),
  });
  replace(
    body,
    h('div', { class: 'toolbar' }, environments.refreshButton('environments-refresh')),
    messages.element,
    environments.element,
  );
  await environments.refresh();
}

/**
 * The site's builds, each with its deployments or the error of listing them.
 * @param {string} siteName
 * @returns {Promise<{ build: any, deployments: any[] | unknown }[]>}
 */
async function loadEnvironments(siteName) {
  const builds = await api.listBuilds(siteName);
  const deployments = await Promise.all(
    builds.map((/** @type {any} */ build) =>
      api.listDeployments(siteName, build.name).catch((/** @type {unknown} */ error) => error),
    ),
  );
  return builds.map((/** @type {any} */ build, /** @type {number} */ index) => ({
    build,
    deployments: deployments[index],
  }));
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
  // Scrolls sideways in its panel when the window is too narrow for its columns (a zoomed laptop).
  return h('div', { class: 'table-scroll' }, deploymentsList(view, environment, deployments, actions));
}

/**
 * @param {import('./site.js').SiteView} view
 * @param {string} environment
 * @param {any[]} deployments
 * @param {Actions} actions
 */
function deploymentsList(view, environment, deployments, actions) {
  return listTable('deployments', deployments, {
    caption: `Deployments of ${environment}, newest first`,
    headers: ['Status', 'Started', 'Completed', 'Files', 'Size', 'Deployment id', ''],
    row: (deployment) => [
      deploymentRow(view, environment, deployment, actions),
      ...deploymentDetails(deployment),
    ],
    empty: 'Nothing deployed yet.',
  });
}

/** Columns of the deployments table (a details row spans them all). */
const DEPLOYMENT_COLUMNS = 7;

/**
 * The warnings a deployment's log holds: the config's (`warning: …`) and the API's (`warning: API: …`,
 * its further lines indented by two spaces), without their prefixes.
 * @param {string} log
 */
function warningsOf(log) {
  /** @type {{ config: string[], api: string[] }} */
  const found = { config: [], api: [] };
  /** @type {string[] | undefined} */
  let last;
  for (const line of log.split('\n')) {
    if (line.startsWith('warning: API: ')) {
      found.api.push(line.slice('warning: API: '.length));
      last = found.api;
    } else if (line.startsWith('warning: ')) {
      found.config.push(line.slice('warning: '.length));
      last = undefined;
    } else if (last !== undefined && line.startsWith('  ') && last.length > 0) {
      last[last.length - 1] += `\n${line.slice(2)}`;
    } else {
      last = undefined;
    }
  }
  return found;
}

/**
 * A row under a deployment with what the CLI shows too: a failed one's reason (the first line of its
 * error) and, in a disclosure, the rest of the error and the deployment's log (e.g. npm's output).
 * @param {any} deployment
 * @returns {HTMLTableRowElement[]}
 */
function deploymentDetails(deployment) {
  const id = String(deployment.name);
  const p = deployment.properties ?? {};
  const [first = '', ...more] = String(p.error ?? '').split('\n');
  const reason = withFirstProblem(first, more);
  const log = [more.join('\n').trim(), String(p.log ?? '').trim()].filter((part) => part !== '').join('\n\n');
  if (reason === '' && log === '') {
    return [];
  }
  // The config's warnings open the log and the API's close it (`warning: API: `, a warning's further
  // lines indented), as the CLI prints them: shown in the open, not only in the log.
  const { config: warnings, api: apiWarnings } = warningsOf(String(p.log ?? ''));
  return [
    h(
      'tr',
      { class: 'row-details', testid: `deployment-details-${id}` },
      h(
        'td',
        { colspan: DEPLOYMENT_COLUMNS },
        reason === ''
          ? null
          : h(
              'p',
              { class: 'failure-reason', testid: 'deployment-reason' },
              h('strong', { text: 'Reason: ' }),
              reason,
            ),
        warnings.length === 0
          ? null
          : h(
              'div',
              { class: 'config-warnings', testid: 'deployment-warnings' },
              h('strong', {
                text: `${warnings.length} configuration warning${warnings.length === 1 ? '' : 's'}:`,
              }),
              h(
                'ul',
                {},
                warnings.map((warning) => h('li', { class: 'mono', text: warning })),
              ),
            ),
        apiWarnings.length === 0
          ? null
          : h(
              'div',
              { class: 'config-warnings', testid: 'deployment-api-warnings' },
              h('strong', {
                text: `${apiWarnings.length} API warning${apiWarnings.length === 1 ? '' : 's'} (what Static Web Apps would not run):`,
              }),
              h(
                'ul',
                {},
                apiWarnings.map((warning) => h('li', { class: 'mono', text: warning })),
              ),
            ),
        log === ''
          ? null
          : h(
              'details',
              { class: 'log' },
              h('summary', {
                text: p.status === 'Failed' ? 'Deployment log and full error' : 'Deployment log',
              }),
              h('pre', {
                class: 'log-text',
                testid: 'deployment-log',
                tabindex: 0,
                'aria-label': `Log of deployment ${id}`,
                text: log,
              }),
            ),
      ),
    ),
  ];
}

/**
 * The reason line of a failed deployment: its error's first line, and, when that line only introduces a
 * list ("…is invalid; the previous deployment keeps serving:"), the list's first item and how many follow.
 * @param {string} first @param {string[]} more
 */
function withFirstProblem(first, more) {
  const items = more.map((line) => line.trim()).filter((line) => line !== '');
  if (!first.trimEnd().endsWith(':') || items.length === 0) {
    return first;
  }
  const rest = items.length - 1;
  return `${first.trimEnd()} ${items[0]}${rest > 0 ? ` (and ${rest} more, below)` : ''}`;
}

/**
 * A byte count as the CLI prints it (`portico deploy list`): B below 1000, then kB, MB, GB (SI units).
 * @param {unknown} value
 */
function formatBytes(value) {
  const bytes = Number(value);
  if (!Number.isFinite(bytes) || bytes < 0) {
    return '';
  }
  if (bytes < 1000) {
    return `${bytes} B`;
  }
  const units = ['kB', 'MB', 'GB', 'TB'];
  let size = bytes / 1000;
  let unit = 0;
  while (size >= 999.95 && unit < units.length - 1) {
    size /= 1000;
    unit += 1;
  }
  return `${size.toFixed(1)} ${units[unit]}`;
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
    h('td', { testid: 'deployment-files', text: p.fileCount ?? '' }),
    h('td', { testid: 'deployment-size', text: formatBytes(p.contentBytes) }),
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
    'aria-label': `Roll back to this: deployment ${id} in ${environment}`,
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
  const remove = button('Delete environment', `env-delete-${buildName}`, {
    variant: 'danger',
    small: true,
    'aria-label': `Delete environment ${buildName}`,
  });
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
