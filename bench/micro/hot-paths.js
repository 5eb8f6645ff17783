/**
 * Micro-benchmarks of the edge's per-request pure work, each next to a baseline measured in the same run
 * (ratios, not absolute times). Run after `npm run build`: `npm run bench:micro`.
 *
 * - route matching over the docs' example rules plus 40 more, against one Map lookup per request;
 * - request-target decoding (fast path and percent-encoded path), against a bare `indexOf('?')` split;
 * - the functions route table (30 templates with constraints), against a Map lookup;
 * - a copy of a per-request object with one field on top (`overlay`, decision 0046), against the
 *   `{ ...base, field }` literal it replaces on the request paths.
 * Each case first checks its answer, so a benchmark cannot pass on broken output.
 */
import { bench, group, run, summary } from 'mitata';
import { parseRequestTarget } from '../../dist/edge/request-target.js';
import { compileRoutes, matchRoute } from '../../dist/edge/routing/routes.js';
import { createRouteTable } from '../../dist/functions-host/worker/routes.js';
import { overlay } from '../../dist/shared/overlay.js';

function check(condition, what) {
  if (!condition) {
    throw new Error(`benchmark input is wrong: ${what}`);
  }
}

const rules = [
  { route: '/profile*', allowedRoles: ['authenticated'] },
  { route: '/admin/index.html', allowedRoles: ['administrator'] },
  { route: '/images/*', headers: { 'cache-control': 'max-age=1' } },
  ...Array.from({ length: 40 }, (_, i) => ({ route: `/section${i}/*.{png,jpg}`, allowedRoles: ['x'] })),
  { route: '/api/*', methods: ['GET'], allowedRoles: ['registeredusers'] },
  { route: '/calendar*', rewrite: '/calendar.html' },
  { route: '/specials', redirect: '/deals', statusCode: 301 },
].map((rule, index) => ({ index, ...rule }));
const routes = compileRoutes(rules);
const lastRule = { path: '/specials', method: 'GET' };
check(matchRoute(routes, lastRule)?.rule.route === '/specials', 'the last rule matches');
const map = new Map(rules.map((rule) => [rule.route, rule]));

summary(() => {
  group('route matching (45 rules, worst case: last rule)', () => {
    bench('baseline: Map lookup', () => map.get('/specials'));
    bench('matchRoute', () => matchRoute(routes, lastRule));
    bench('matchRoute, no rule matches', () =>
      matchRoute(routes, { path: '/nothing/here.css', method: 'GET' }),
    );
  });
});

check(parseRequestTarget('/a%20b/c.html?x=1').path === '/a b/c.html', 'decoding');
summary(() => {
  group('request target', () => {
    bench('baseline: split at ?', () => {
      const url = '/assets/app.js?v=1';
      const q = url.indexOf('?');
      return q === -1 ? url : url.slice(0, q);
    });
    bench('parseRequestTarget, plain path', () => parseRequestTarget('/assets/app.js?v=1'));
    bench('parseRequestTarget, encoded path', () => parseRequestTarget('/a%20b/c%C3%A9.html?x=1'));
  });
});

const functions = Array.from({ length: 30 }, (_, i) => ({
  name: `fn${String(i).padStart(2, '0')}`,
  route: `things${i}/{category:alpha}/{id:int?}`,
  methods: ['GET'],
}));
const { table, errors } = createRouteTable(functions, { routePrefix: 'api' });
check(
  errors.length === 0 && table.match('GET', '/api/things29/books/7')?.functionName === 'fn29',
  'function routes',
);
const fnMap = new Map(functions.map((fn) => [fn.route, fn]));
summary(() => {
  group('functions route table (30 templates, last one matches)', () => {
    bench('baseline: Map lookup', () => fnMap.get('things29/{category:alpha}/{id:int?}'));
    bench('table.match', () => table.match('GET', '/api/things29/books/7'));
  });
});

/** A proxy target as the edge builds one per `/api` call; a fresh one each time, as on the request path. */
const proxyTarget = (n) => ({
  pathAndQuery: '/api/hello',
  originalUrl: 'http://shop.localhost/api/hello',
  requestId: `r${n}`,
  principalHeader: undefined,
  forwardedHost: 'shop.localhost',
  forwardedProto: 'http',
});
const extraHeaders = Object.freeze(['x-ms-auth-token', 'token']);
check(overlay(proxyTarget(1), { extraHeaders }).extraHeaders === extraHeaders, 'overlay');
let calls = 0;
summary(() => {
  group('copy of a proxy target with one field on top', () => {
    bench('baseline: { ...target, extraHeaders }', () => ({ ...proxyTarget(calls++), extraHeaders }));
    bench('overlay(target, { extraHeaders })', () => overlay(proxyTarget(calls++), { extraHeaders }));
  });
});

await run();
