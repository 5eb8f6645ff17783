/**
 * Micro-benchmark of what the traffic history recorder (decision 0032) adds to a request, next to what
 * the listener wrapper does anyway (read the clock, make the labels). Run after `npm run build`:
 * `node bench/micro/traffic.js` (also part of `npm run bench:micro`). The counts are checked first, so
 * the benchmark cannot pass on broken output. Decision 0039 has the figures before and after.
 */
import { bench, group, run, summary } from 'mitata';
import { createTrafficRecorder } from '../../dist/ops/traffic.js';

function check(condition, what) {
  if (!condition) {
    throw new Error(`benchmark input is wrong: ${what}`);
  }
}

const batches = [];
const recorder = createTrafficRecorder({
  sink: async (batch) => {
    batches.push(batch);
  },
  onError: (error) => {
    throw error;
  },
  timer: false,
});
const sites = ['shop', 'blog'];
let next = 0;
const labels = () => ({ site: sites[next++ & 1], environment: 'production', kind: 'static' });

for (let i = 0; i < 10; i += 1) {
  recorder.observeRequest(labels(), i < 3 ? 404 : 200, 0.0004, performance.now());
}
await recorder.flush();
const rows = batches.flatMap((batch) => batch.sites);
check(rows.reduce((sum, row) => sum + row.requests, 0) === 10, '10 requests counted');
check(rows.reduce((sum, row) => sum + row.status4xx, 0) === 3, '3 of them 4xx');
check(
  rows.every((row) => Object.keys(row.latencyMs).join() === '1'),
  'all in the 1 ms bucket',
);

summary(() => {
  group('traffic recorder, per request (as the listener wrapper calls it)', () => {
    bench('baseline: the wrapper reads the clock and makes the labels', () => [performance.now(), labels()]);
    bench('observeRequest', () => recorder.observeRequest(labels(), 200, 0.0004, performance.now()));
  });
});

await run();
await recorder.close();
