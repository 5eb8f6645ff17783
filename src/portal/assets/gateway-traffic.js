// @ts-check
/**
 * Calls per API of an API Management service, from `GET {service}/traffic`: a chart of calls per API
 * and a table of calls, 401 (no or wrong key), 403, 429 (rate limit or quota) and 5xx per API.
 * `renderGatewayTraffic(container, service)` draws it anywhere (the service's screens use it);
 * `#/apim/<service>/traffic` shows it on its own page.
 */
import { servicePath } from './apim-api.js';
import { h, replace, table } from './dom.js';
import { chart, createTrafficView, formatNumber, formatRate } from './traffic-chart.js';

/**
 * @typedef {{ calls: number, status401: number, status403: number, status429: number, status5xx: number }} Calls
 * @typedef {{ api: string, totals: Calls, points: (Calls & { time: string })[] }} ApiTraffic
 */

/** The label of calls that matched no API. */
const NO_API = '(no API matched)';

/**
 * Draws the gateway traffic of `service` into `container` (replacing what it holds).
 * @param {HTMLElement} container
 * @param {string} service
 */
export async function renderGatewayTraffic(container, service) {
  const view = createTrafficView({
    name: 'gateway-traffic',
    loadingText: 'Loading gateway traffic…',
    resourcePath: servicePath(service),
    draw: (traffic) => trafficParts(traffic.apis ?? []),
  });
  replace(
    container,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'gateway-traffic-title', testid: 'gateway-traffic' },
      h('h2', { id: 'gateway-traffic-title', text: 'Gateway requests' }),
      view.toolbar,
      view.content,
    ),
  );
  await view.show();
}

/** @param {ApiTraffic[]} apis */
function trafficParts(apis) {
  if (apis.length === 0) {
    return [
      h('p', { class: 'status', testid: 'gateway-traffic-empty', text: 'This service has no APIs yet.' }),
    ];
  }
  const times = apis[0]?.points.map((point) => point.time) ?? [];
  return [
    chart({
      title: 'Calls per API',
      unit: 'count',
      times,
      series: apis.map((api) => ({ label: api.api || NO_API, values: api.points.map((p) => p.calls) })),
      testid: 'gateway-traffic-chart',
    }),
    h(
      'div',
      { class: 'table-scroll' },
      table({
        caption: 'Calls per API and the answers operators watch, over the chosen time range',
        headers: [
          'API',
          'Calls',
          '401 Unauthorized',
          '403 Forbidden',
          '429 Too many requests',
          '5xx',
          'Error rate (5xx)',
        ],
        rows: apis.map(apiRow),
        testid: 'gateway-traffic-table',
      }),
    ),
  ];
}

/** @param {ApiTraffic} api */
function apiRow(api) {
  const { calls, status401, status403, status429, status5xx } = api.totals;
  return h(
    'tr',
    { testid: `gateway-traffic-row-${api.api || 'none'}` },
    h('th', { scope: 'row', text: api.api || NO_API }),
    h('td', { testid: 'gateway-calls', text: formatNumber(calls) }),
    h('td', { testid: 'gateway-401', text: formatNumber(status401) }),
    h('td', { testid: 'gateway-403', text: formatNumber(status403) }),
    h('td', { testid: 'gateway-429', text: formatNumber(status429) }),
    h('td', { testid: 'gateway-5xx', text: formatNumber(status5xx) }),
    h('td', { text: formatRate(status5xx, calls) }),
  );
}
