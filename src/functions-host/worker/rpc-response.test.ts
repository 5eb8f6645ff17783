/** Response mapping (spec §5 "Result → HTTP", §6.3) and the Set-Cookie format. */
import { describe, expect, it } from 'vitest';
import type { AppFunction } from './app-functions.js';
import { encodeBody, parseStatus, toHttpResult } from './rpc-response.js';
import { escapeDataString, serializeCookie } from './set-cookie.js';

const V3_FUNCTION: AppFunction = {
  name: 'f',
  callback: () => undefined,
  trigger: { bindingName: 'req', route: undefined, methods: undefined, authLevel: 'function' },
  metadata: {
    name: 'f',
    functionId: 'f',
    directory: '',
    scriptFile: 'index.js',
    bindings: { req: { type: 'httpTrigger', direction: 'in' }, res: { type: 'http', direction: 'out' } },
  },
};

describe('toHttpResult', () => {
  it('reads the http output binding and keeps user headers, with content-type defaulted', () => {
    const result = toHttpResult(V3_FUNCTION, {
      outputData: [
        {
          name: 'res',
          data: { http: { statusCode: '201', headers: { 'X-A': '1' }, body: { string: 'hi' } } },
        },
      ],
    });
    expect(result).toEqual({
      status: 201,
      headers: [
        ['X-A', '1'],
        ['content-type', 'text/plain; charset=utf-8'],
      ],
      body: Buffer.from('hi'),
    });
  });

  it('prefers $return, drops framing headers, and appends one set-cookie per cookie', () => {
    const result = toHttpResult(V3_FUNCTION, {
      returnValue: {
        http: {
          headers: {
            'Content-Type': 'application/json',
            'content-length': '99',
            'transfer-encoding': 'chunked',
          },
          cookies: [
            { name: 'a', value: '1' },
            { name: 'b', value: '2', sameSite: 'explicitNone' },
          ],
          body: { bytes: new Uint8Array([123, 125]) },
        },
      },
    });
    expect(result.status).toBe(200);
    expect(result.headers).toEqual([
      ['Content-Type', 'application/json'],
      ['set-cookie', 'a=1; path=/'],
      ['set-cookie', 'b=2; path=/; samesite=none'],
    ]);
    expect(result.body.toString()).toBe('{}');
  });

  it('answers 204 when there is no http value at all', () => {
    expect(toHttpResult(V3_FUNCTION, { outputData: [] })).toEqual({
      status: 204,
      headers: [],
      body: Buffer.alloc(0),
    });
  });
});

describe('parseStatus', () => {
  it('defaults to 200 and refuses impossible codes', () => {
    expect(parseStatus(undefined)).toBe(200);
    expect(parseStatus(null)).toBe(200);
    expect(parseStatus('abc')).toBe(200);
    expect(parseStatus('404')).toBe(404);
    expect(parseStatus('42')).toBe(500);
    expect(parseStatus('1000')).toBe(500);
  });
});

describe('encodeBody', () => {
  it('writes bytes as-is, text and numbers as text/plain, JSON indented, null as empty', () => {
    expect(encodeBody({ bytes: new Uint8Array([0, 255]) })).toEqual({ body: Buffer.from([0, 255]) });
    expect(encodeBody({ string: 'é' })).toEqual({
      body: Buffer.from('é'),
      defaultType: 'text/plain; charset=utf-8',
    });
    expect(encodeBody({ int: 7 }).body.toString()).toBe('7');
    expect(encodeBody({ double: 1.5 }).body.toString()).toBe('1.5');
    expect(encodeBody({ json: '{"a":[1]}' }).body.toString()).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(encodeBody({ json: 'null' })).toEqual({ body: Buffer.alloc(0), defaultType: undefined });
    expect(encodeBody(undefined)).toEqual({ body: Buffer.alloc(0) });
  });
});

describe('serializeCookie', () => {
  it('formats every attribute the way ASP.NET Core does', () => {
    const line = serializeCookie({
      name: 'session',
      value: "a b;c!'()*~",
      domain: { value: 'example.com' },
      path: { value: '/api' },
      expires: { value: { seconds: 0 } },
      maxAge: { value: 3600.9 },
      secure: { value: true },
      httpOnly: { value: true },
      sameSite: 'lax',
    });
    expect(line).toBe(
      'session=a%20b%3Bc%21%27%28%29%2A~; expires=Thu, 01 Jan 1970 00:00:00 GMT; max-age=3600; ' +
        'domain=example.com; path=/api; secure; samesite=lax; httponly',
    );
  });

  it('escapes like Uri.EscapeDataString', () => {
    expect(escapeDataString('ok-_.~AZaz09')).toBe('ok-_.~AZaz09');
    expect(escapeDataString('{"j":1}')).toBe('%7B%22j%22%3A1%7D');
  });
});
