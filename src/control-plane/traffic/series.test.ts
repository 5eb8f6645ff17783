import { describe, expect, it } from 'vitest';
import { PorticoError } from '../../shared/errors.js';
import { gridOf, parseBuckets, parseTrafficWindow, pointIndex, quantileMs } from './series.js';

describe('traffic series', () => {
  it('estimates p95 inside its bucket, from the bound below even when that bucket is empty', () => {
    expect(quantileMs({ '5': 90, '500': 10 }, 0.95)).toBe(375);
    expect(quantileMs({ '1': 100 }, 0.95)).toBe(0.95);
    expect(quantileMs({}, 0.95)).toBeNull();
  });

  it('reads the bucket past every bound as the last bound (10 s)', () => {
    expect(quantileMs({ inf: 3 }, 0.95)).toBe(10_000);
    expect(quantileMs({ '1': 1, inf: 99 }, 0.95)).toBe(10_000);
  });

  it('counts a damaged stored value as no latency, and ignores unknown keys', () => {
    expect(parseBuckets('not json')).toEqual({});
    expect(parseBuckets('[1,2]')).toEqual({});
    expect(parseBuckets('{"5":2,"x":3,"-1":4,"inf":1,"10":"7"}')).toEqual({ '5': 2, inf: 1 });
  });

  it('lays a window out to end with the step now is in', () => {
    const now = Date.parse('2026-12-04T10:07:30.000Z');
    const day = gridOf('day', now);
    expect(new Date(day.start + (day.points - 1) * day.stepMs).toISOString()).toBe(
      '2026-12-04T10:00:00.000Z',
    );
    expect(pointIndex(day, '2026-12-04T10:14:00.000Z')).toBe(95);
    expect(pointIndex(day, '2026-12-03T09:59:00.000Z')).toBe(-1);
    const hour = gridOf('hour', now);
    expect(pointIndex(hour, '2026-12-04T10:07:00.000Z')).toBe(59);
    expect(pointIndex(hour, '2026-12-04T09:08:00.000Z')).toBe(0);
    expect(pointIndex(hour, '2026-12-04T09:07:00.000Z')).toBe(-1);
  });

  it('takes hour (the default) or day, and says what to send otherwise', () => {
    expect(parseTrafficWindow(null)).toBe('hour');
    expect(parseTrafficWindow('day')).toBe('day');
    expect(() => parseTrafficWindow('PT1H')).toThrow(PorticoError);
    expect(() => parseTrafficWindow('week')).toThrow(/use hour .* or day/);
  });
});
