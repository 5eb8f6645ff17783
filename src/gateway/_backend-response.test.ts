/**
 * The backend's headers reach the caller the same whether or not a policy read them (decision 0040): set
 * straight from undici's object, they must be the names, order and values the policies' map gives.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { BackendResponse } from './_backend-response.js';

/** What `setHeader` was called with, in order. */
function recorder(): { res: ServerResponse; calls: [string, unknown][] } {
  const calls: [string, unknown][] = [];
  const res = { setHeader: (name: string, value: unknown) => calls.push([name, value]) };
  return { res: res as unknown as ServerResponse, calls };
}

const RAW: IncomingHttpHeaders = {
  'content-type': 'application/json',
  connection: 'keep-alive',
  'set-cookie': ['a=1', 'b=2'],
  'keep-alive': 'timeout=5',
  'transfer-encoding': 'chunked',
  'x-single': ['only'],
  date: 'Thu, 01 Jan 2026 00:00:00 GMT',
};

describe('BackendResponse', () => {
  it('sets the same headers, in the same order, without the map as with it', () => {
    const direct = recorder();
    new BackendResponse(200, RAW, undefined).setHeadersOn(direct.res);
    const read = new BackendResponse(200, RAW, undefined);
    const viaMap = recorder();
    expect(read.headers.get('content-type')).toEqual(['application/json']);
    read.setHeadersOn(viaMap.res);
    expect(direct.calls).toEqual(viaMap.calls);
    expect(direct.calls).toEqual([
      ['content-type', 'application/json'],
      ['set-cookie', ['a=1', 'b=2']],
      ['x-single', 'only'],
      ['date', 'Thu, 01 Jan 2026 00:00:00 GMT'],
    ]);
  });

  it('sets what a policy changed once it read the headers', () => {
    const response = new BackendResponse(200, RAW, undefined);
    response.headers.set('x-added', ['1']);
    response.headers.delete('date');
    const { res, calls } = recorder();
    response.setHeadersOn(res);
    expect(calls.map(([name]) => name)).toEqual(['content-type', 'set-cookie', 'x-single', 'x-added']);
  });
});
