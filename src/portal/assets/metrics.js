// @ts-check
/**
 * Metrics of a site (Azure's "Metrics" under Monitoring), from `GET {site}/traffic`: per environment,
 * requests, error rate (5xx, and 4xx beside it) and p95 latency over the last hour (per minute) or the
 * last 24 hours (per quarter hour), as small charts with a summary table holding the same figures.
 */
import { sitePath } from './api.js';
import { h, replace, table } from './dom.js';
import { chart, createTrafficView, formatNumber, formatRate } from './traffic-chart.js';

/**
 * @typedef {{ time: string, requests: number, status4xx: number, status5xx: number, p95Ms: number | null }} Point
 * @typedef {{ name: string, isProduction: boolean, totals: Omit<Point, 'time'>, points: Point[] }} EnvironmentTraffic
 */

/**
 * @param {HTMLElement} body
 * @param {import('./site.js').SiteView} view
 */
export async function renderMetrics(body, view) {
  const metrics = createTrafficView({
    name: 'metrics',
    loadingText: 'Loading metrics…',
    resourcePath: sitePath(view.route.name),
    draw: (traffic) => metricsPanels(traffic.environments ?? []),
  });
  replace(
    body,
    h(
      'p',
      { class: 'hint' },
      'Requests every environment of this site answered, their error rate and 95th percentile latency. Each node writes its counts once a minute; this node shows its current minute at once.',
    ),
    metrics.toolbar,
    metrics.content,
  );
  await metrics.show();
}

/** @param {EnvironmentTraffic[]} environments */
function metricsPanels(environments) {
  if (environments.length === 0) {
    return [h('p', { class: 'status', testid: 'metrics-empty', text: 'This site has no environments yet.' })];
  }
  return [summaryPanel(environments), ...environments.map(environmentPanel)];
}

/** @param {EnvironmentTraffic} environment */
function environmentLabel(environment) {
  return environment.isProduction ? 'Production' : environment.name;
}

/**
 * The figures of the charts, for everyone and for screen readers: one row per environment.
 * @param {EnvironmentTraffic[]} environments
 */
function summaryPanel(environments) {
  const rows = environments.map((environment) => {
    const { requests, status4xx, status5xx, p95Ms } = environment.totals;
    return h(
      'tr',
      { testid: `metrics-row-${environment.name}` },
      h('th', { scope: 'row', text: environmentLabel(environment) }),
      h('td', { testid: 'metrics-requests', text: formatNumber(requests) }),
      h('td', { testid: 'metrics-5xx', text: formatNumber(status5xx) }),
      h('td', { testid: 'metrics-error-rate', text: formatRate(status5xx, requests) }),
      h('td', { testid: 'metrics-4xx', text: formatNumber(status4xx) }),
      h('td', { testid: 'metrics-p95', text: p95Ms === null ? '—' : `${formatNumber(p95Ms, 2)} ms` }),
    );
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'metrics-summary-title' },
    h('h2', { id: 'metrics-summary-title', text: 'Summary' }),
    h(
      'div',
      { class: 'table-scroll' },
      table({
        caption: 'Requests, errors and p95 latency per environment over the chosen time range',
        headers: ['Environment', 'Requests', '5xx', 'Error rate (5xx)', '4xx', 'p95 latency'],
        rows,
        testid: 'metrics-summary',
      }),
    ),
  );
}

/** @param {EnvironmentTraffic} environment */
function environmentPanel(environment) {
  const times = environment.points.map((point) => point.time);
  const id = `metrics-${environment.name}`;
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': `${id}-title`, testid: `metrics-environment-${environment.name}` },
    h('h2', { id: `${id}-title`, text: environmentLabel(environment) }),
    h(
      'div',
      { class: 'chart-grid' },
      chart({
        title: 'Requests',
        unit: 'count',
        times,
        series: [{ label: 'Requests', values: environment.points.map((p) => p.requests) }],
        testid: `${id}-requests`,
      }),
      chart({
        title: 'Error rate',
        unit: '%',
        times,
        series: [
          { label: '5xx', values: environment.points.map((p) => rate(p.status5xx, p.requests)) },
          { label: '4xx', values: environment.points.map((p) => rate(p.status4xx, p.requests)) },
        ],
        testid: `${id}-errors`,
      }),
      chart({
        title: 'p95 latency',
        unit: 'ms',
        times,
        series: [{ label: 'p95', values: environment.points.map((p) => p.p95Ms) }],
        testid: `${id}-latency`,
      }),
    ),
  );
}

/**
 * @param {number} part
 * @param {number} whole
 */
function rate(part, whole) {
  return whole > 0 ? Math.round((part / whole) * 1000) / 10 : null;
}
