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
    expect(request.traceContext).toEqual({ traceParent: 'tp', attributes: {} });
    // Without one from the caller, a new trace, as the Functions host's activity gives every invocation.
    const untraced = buildInvocationRequest(
      FN,
      { ...DATA, headers: {} },
      { model: 'v4', invocationId: 'i2' },
    );
    expect(untraced.traceContext?.traceParent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
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
