/** The invocation request as the host builds it (spec §6.2) and the v3 bindingData source (spec §5). */
import { describe, expect, it } from 'vitest';
import type { AppFunction } from './app-functions.js';
import { absoluteUrl, buildInvocationRequest, normalizeHeaders } from './rpc-request.js';

const FN: AppFunction = {
  name: 'f',
  callback: () => undefined,
  trigger: {
    bindingName: 'httpTrigger1a2b',
    route: 'items/{id}',
    methods: undefined,
    authLevel: 'anonymous',
  },
  metadata: { name: 'f', functionId: 'f-id', directory: '', scriptFile: 'x.js', bindings: {} },
};

const DATA = {
  method: 'POST',
  url: 'https://site.example/api/items/7?a=1&a=2&code=secret',
  headers: { 'content-type': 'application/json', traceparent: 'tp' },
  params: { id: '7' },
  body: Buffer.from('{"name":"bob","n":2}'),
};

describe('normalizeHeaders and absoluteUrl', () => {
  it('joins repeated headers and drops empty ones', () => {
    expect(normalizeHeaders({ 'x-a': ['1', '2'], 'x-b': '', host: 'h' })).toEqual({
      'x-a': '1, 2',
      host: 'h',
    });
  });

  it('takes scheme and host from x-forwarded-*, else the Host header, else loopback', () => {
    expect(
      absoluteUrl('/api/x?y', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'a.example, b' }),
    ).toBe('https://a.example/api/x?y');
    expect(absoluteUrl('/api/x', { host: 'h:1' })).toBe('http://h:1/api/x');
    expect(absoluteUrl('/api/x', { host: 'bad host' })).toBe('http://127.0.0.1/api/x');
  });
});

describe('buildInvocationRequest', () => {
  it('v4: trigger binding by its real name, nullable dictionaries, bytes body, no query', () => {
    const request = buildInvocationRequest(FN, DATA, { model: 'v4', invocationId: 'inv' });
    expect(request.triggerMetadata).toEqual({});
    const streamed = buildInvocationRequest(FN, DATA, { model: 'v4', invocationId: 'inv', streaming: true });
    expect(request.invocationId).toBe('inv');
    expect(request.functionId).toBe('f-id');
    expect(request.inputData).toHaveLength(1);
    expect(request.inputData[0]?.name).toBe('httpTrigger1a2b');
    const http = request.inputData[0]?.data?.http;
    expect(http).toMatchObject({
      method: 'POST',
      url: DATA.url,
      nullableHeaders: { 'content-type': { value: 'application/json' } },
      nullableParams: { id: { value: '7' } },
      body: { bytes: DATA.body },
    });
    expect(http?.nullableQuery).toBeUndefined();
    expect(streamed.triggerMetadata).toEqual({
      id: { string: '7' },
      Query: { json: '{"a":"1,2","code":"secret"}' },
      Headers: { json: JSON.stringify(DATA.headers) },
    });
    // 'tp' is not a traceparent: a new trace, as without one.
    expect(request.traceContext?.traceParent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    // Without one from the caller, a new trace, as the Functions host's activity gives every invocation.
    const untraced = buildInvocationRequest(
      FN,
      { ...DATA, headers: {} },
      { model: 'v4', invocationId: 'i2' },
    );
    expect(untraced.traceContext?.traceParent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(untraced.traceContext?.traceState).toBeUndefined();
  });

  it("runs the invocation in a child span of the caller's trace, as the Functions host's activity does", () => {
    const caller = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const traced = (headers: Record<string, string>) =>
      buildInvocationRequest(FN, { ...DATA, headers }, { model: 'v4', invocationId: 'i3' }).traceContext;
    const child = traced({ traceparent: caller, tracestate: 'congo=t61rcWkgMzE' });
    expect(child?.traceParent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(child?.traceParent).not.toBe(caller);
    expect(child?.traceState).toBe('congo=t61rcWkgMzE');
    // A zero trace id, upper-case hex or version ff is not a parent: a new trace, its tracestate dropped.
    for (const bad of [
      '00-00000000000000000000000000000000-b7ad6b7169203331-01',
      '00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01',
      'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    ]) {
      const fresh = traced({ traceparent: bad, tracestate: 'congo=t61rcWkgMzE' });
      expect(fresh?.traceParent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
      expect(fresh?.traceParent).not.toContain('0af7651916cd43dd');
      expect(fresh?.traceState).toBeUndefined();
    }
  });

  it('v3: adds the joined query and bindingData from the JSON body, query (not code) and route', () => {
    const request = buildInvocationRequest(FN, DATA, { model: 'v3', invocationId: 'inv' });
    expect(request.inputData[0]?.data?.http?.nullableQuery).toEqual({
      a: { value: '1,2' },
      code: { value: 'secret' },
    });
    expect(request.triggerMetadata).toMatchObject({
      name: { json: '"bob"' },
      n: { json: '2' },
      a: { string: '1,2' },
      id: { string: '7' },
    });
    expect(request.triggerMetadata.code).toBeUndefined();
  });

  it('sends no body for an empty one', () => {
    const request = buildInvocationRequest(
      FN,
      { ...DATA, body: Buffer.alloc(0) },
      { model: 'v4', invocationId: 'i' },
    );
    expect(request.inputData[0]?.data?.http?.body).toBeUndefined();
  });
});
