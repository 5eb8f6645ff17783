// @ts-check
/**
 * Small time-series charts for the traffic views, drawn by uPlot (MIT), which the portal handler serves
 * from node_modules as `/portal/uplot.js` and `/portal/uplot.css` (no build step, nothing inline: uPlot
 * draws on a canvas and sets styles through the CSSOM, which the strict CSP allows). uPlot is loaded on
 * first use, so the other screens never download it. The figures of every chart are also in a table
 * beside it: the canvas is hidden from screen readers.
 */
import { call } from './api.js';
import { button, errorNotice, h, loading, messageOf, replace } from './dom.js';

/** @typedef {typeof import('uplot')} UPlotConstructor */

/** @type {Promise<UPlotConstructor> | undefined} */
let uplot;

/** Loads uPlot and its stylesheet once. */
function loadUplot() {
  if (uplot === undefined) {
    document.head.append(h('link', { rel: 'stylesheet', href: '/portal/uplot.css' }));
    const url = '/portal/uplot.js';
    uplot = import(url).then((module) => /** @type {UPlotConstructor} */ (module.default));
  }
  return uplot;
}

/** Colours of the series, in order (contrast ≥ 3:1 on white, as WCAG asks of graphics). */
const COLOURS = ['#0f5ea8', '#b3261e', '#6b4e00', '#1b5e20', '#6a1b9a', '#00695c'];

/**
 * @typedef {{ label: string, values: (number | null)[] }} Series
 * @typedef {{ title: string, unit: string, times: string[], series: Series[], testid: string }} ChartSpec
 */

/**
 * A titled chart of one or more series over `times` (ISO); the canvas is drawn once uPlot has loaded
 * and follows the container's width.
 * @param {ChartSpec} spec
 */
export function chart(spec) {
  const area = h('div', { class: 'chart-area', 'aria-hidden': 'true' });
  const figure = h(
    'figure',
    { class: 'chart', testid: spec.testid },
    h('figcaption', { class: 'chart-title', text: `${spec.title} (${spec.unit})` }),
    area,
  );
  void draw(area, spec);
  return figure;
}

/**
 * @param {HTMLElement} area
 * @param {ChartSpec} spec
 */
async function draw(area, spec) {
  const UPlot = await loadUplot();
  const width = () => Math.max(200, Math.floor(area.clientWidth || 300));
  const plot = new UPlot(
    {
      width: width(),
      height: 140,
      legend: { show: spec.series.length > 1 },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: yRange } },
      axes: [{ stroke: '#59636e' }, { stroke: '#59636e', size: 48 }],
      series: [
        {},
        ...spec.series.map((series, index) => ({
          label: series.label,
          stroke: COLOURS[index % COLOURS.length],
          width: 2,
          spanGaps: false,
        })),
      ],
    },
    [spec.times.map((time) => Date.parse(time) / 1000), ...spec.series.map((series) => series.values)],
    area,
  );
  area.dataset.drawn = 'true';
  new ResizeObserver(() => plot.setSize({ width: width(), height: 140 })).observe(area);
}

/**
 * From zero to a little above the highest value (1 when everything is zero), so charts compare at a glance.
 * @param {unknown} _plot
 * @param {number} _min
 * @param {number} max
 * @returns {[number, number]}
 */
function yRange(_plot, _min, max) {
  return [0, max > 0 ? max * 1.1 : 1];
}

/** The windows a traffic view offers, as Azure's metrics blade names them. */
const WINDOWS = [
  { id: 'hour', label: 'Last hour' },
  { id: 'day', label: 'Last 24 hours' },
];

/**
 * A labelled choice of window; `onChange` gets the new window's id.
 * @param {string} current
 * @param {string} testid
 * @param {(window: string) => void} onChange
 */
function windowChoice(current, testid, onChange) {
  const group = h('div', { class: 'window-choice', role: 'group', 'aria-label': 'Time range' });
  for (const option of WINDOWS) {
    group.append(
      h('button', {
        type: 'button',
        class: 'button small',
        testid: `${testid}-${option.id}`,
        'aria-pressed': option.id === current ? 'true' : 'false',
        text: option.label,
        on: { click: () => onChange(option.id) },
      }),
    );
  }
  return group;
}

/**
 * A traffic view: a toolbar (the window choice and Refresh) and the content, which shows a loading line,
 * then what `draw` makes of the chosen window's traffic document, or the API's error. Put `toolbar` and
 * `content` on the page, then `await show()`. Test ids: `<name>-window-<id>`, `<name>-refresh`,
 * `<name>-content`, `<name>-error`.
 * @param {{ name: string, loadingText: string, resourcePath: string, draw: (traffic: any) => HTMLElement[] }} spec
 */
export function createTrafficView(spec) {
  const content = h('div', { testid: `${spec.name}-content` });
  const toolbar = h('div', { class: 'toolbar' });
  let current = 'hour';
  const show = async () => {
    replace(content, loading(spec.loadingText));
    try {
      replace(content, ...spec.draw(await readTraffic(spec.resourcePath, current)));
    } catch (error) {
      replace(content, errorNotice(messageOf(error), `${spec.name}-error`));
    }
  };
  const drawToolbar = () =>
    replace(
      toolbar,
      windowChoice(current, `${spec.name}-window`, (window) => {
        current = window;
        drawToolbar();
        void show();
      }),
      button('Refresh', `${spec.name}-refresh`, { small: true, on: { click: () => void show() } }),
    );
  drawToolbar();
  return { toolbar, content, show };
}

/**
 * Reads a traffic document of the management API (`{site}/traffic` or `{service}/traffic`).
 * @param {string} resourcePath
 * @param {string} window
 */
async function readTraffic(resourcePath, window) {
  return (await call('GET', `${resourcePath}/traffic?window=${encodeURIComponent(window)}`)).properties;
}

/**
 * A number as the browser's locale writes it; `—` for none.
 * @param {number | null | undefined} value
 * @param {number} [digits]
 */
export function formatNumber(value, digits = 0) {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return '—';
  }
  return value.toLocaleString(undefined, { maximumFractionDigits: digits });
}

/**
 * A share as a percentage (`2.5 %`); `—` when there is nothing to divide.
 * @param {number} part
 * @param {number} whole
 */
export function formatRate(part, whole) {
  return whole > 0 ? `${formatNumber((part / whole) * 100, 1)} %` : '—';
}
