import { afterEach, describe, expect, it } from 'vitest';
import { publishEvent } from '../shared/events.js';
import { porticoVersion } from '../shared/version.js';
import { createMetrics, type Metrics } from './metrics.js';

let metrics: Metrics | undefined;

afterEach(() => {
  metrics?.close();
  metrics = undefined;
});

/** The lines of one metric family in the exposition. */
async function family(name: string): Promise<string[]> {
  const text = await (metrics as Metrics).render();
  return text.split('\n').filter((line) => line.startsWith(name) || line.includes(` ${name} `));
}

describe('the metrics of portico serve', () => {
  it('describes every metric in its HELP line', async () => {
    metrics = createMetrics();
    metrics.observeRequest({ site: 'shop', environment: 'default', kind: 'static' }, 200, 0.002);
    const text = await metrics.render();
    const help = text.split('\n').filter((line) => line.startsWith('# HELP portico_'));
    expect(help.length).toBeGreaterThan(5);
    for (const line of help) {
      expect(line, line).toMatch(/^# HELP portico_\w+ \S/);
    }
  });

  it('names the build the node runs (an upgrade tester could not tell which nodes were upgraded)', async () => {
    metrics = createMetrics();
    expect(await family('portico_build_info')).toContainEqual(
      `portico_build_info{version="${porticoVersion()}"} 1`,
    );
    expect(porticoVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('counts /api calls by outcome, with cumulative buckets, sum and count', async () => {
    metrics = createMetrics();
    publishEvent('apiCall', () => ({ phase: 'start' }));
    publishEvent('apiCall', () => ({ phase: 'end', outcome: 'ok', seconds: 0.003 }));
    publishEvent('apiCall', () => ({ phase: 'start' }));
    publishEvent('apiCall', () => ({ phase: 'end', outcome: 'ok', seconds: 0.2 }));
    publishEvent('apiCall', () => ({ phase: 'start' }));
    publishEvent('apiCall', () => ({ phase: 'end', outcome: 'timeout', seconds: 45 }));
    const lines = await family('portico_api_backend_duration_seconds');
    expect(lines).toContain('portico_api_backend_duration_seconds_bucket{outcome="ok",le="0.001"} 0');
    expect(lines).toContain('portico_api_backend_duration_seconds_bucket{outcome="ok",le="0.005"} 1');
    expect(lines).toContain('portico_api_backend_duration_seconds_bucket{outcome="ok",le="0.25"} 2');
    expect(lines).toContain('portico_api_backend_duration_seconds_bucket{outcome="ok",le="+Inf"} 2');
    expect(lines).toContain('portico_api_backend_duration_seconds_sum{outcome="ok"} 0.203');
    expect(lines).toContain('portico_api_backend_duration_seconds_count{outcome="ok"} 2');
    expect(lines).toContain('portico_api_backend_duration_seconds_bucket{outcome="timeout",le="30"} 0');
    expect(lines).toContain('portico_api_backend_duration_seconds_bucket{outcome="timeout",le="+Inf"} 1');
    expect(await family('portico_api_in_flight')).toContain('portico_api_in_flight 0');
    expect(await family('portico_api_backend_failures_total')).toContain(
      'portico_api_backend_failures_total{reason="timeout"} 1',
    );
  });

  it('counts gateway calls by service, API, product and status (401, 403, 429 exact, others by class)', async () => {
    metrics = createMetrics();
    const call = (product: string, status: number) =>
      publishEvent('gatewayCall', () => ({ service: 'contoso', api: 'orders', product, status }));
    call('gold', 200);
    call('gold', 201);
    call('gold', 429);
    call('', 200);
    call('gold', 503);
    const lines = await family('portico_gateway_calls_total');
    const series = lines.filter((line) => !line.startsWith('#'));
    expect(series.sort()).toEqual([
      'portico_gateway_calls_total{service="contoso",api="orders",product="",status="2xx"} 1',
      'portico_gateway_calls_total{service="contoso",api="orders",product="gold",status="2xx"} 2',
      'portico_gateway_calls_total{service="contoso",api="orders",product="gold",status="429"} 1',
      'portico_gateway_calls_total{service="contoso",api="orders",product="gold",status="5xx"} 1',
    ]);
  });
});
