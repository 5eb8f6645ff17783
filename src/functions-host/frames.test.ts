/**
 * The frame protocol of decision 0036: frames survive any cutting of the byte stream, broken bytes are
 * refused, and header lines merge exactly as a real `node:http` server merges them.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  encodeFrame,
  FRAME,
  FrameError,
  FrameReader,
  RESPONSE_PART_BYTES,
  RESPONSE_WINDOW_BYTES,
} from './worker/frames.js';
import { mergeHeaderLines } from './worker/header-lines.js';
import { ResponseParts } from './worker/response-parts.js';

function bytesOf(parts: readonly (Buffer | undefined)[]): Buffer {
  return Buffer.concat(parts.filter((part): part is Buffer => part !== undefined));
}

describe('frames', () => {
  const first = bytesOf(
    encodeFrame(FRAME.REQUEST, 7, ['GET', '/api/x?q=é', ['host', 'h']], Buffer.from('body')),
  );
  const second = bytesOf(encodeFrame(FRAME.RESPONSE, 8, [204, []]));
  const third = bytesOf(encodeFrame(FRAME.GOAWAY, 0, undefined));

  it('come out whole however the bytes are cut', () => {
    const stream = Buffer.concat([first, second, third]);
    for (const size of [1, 2, 3, 5, 13, stream.length]) {
      const reader = new FrameReader();
      const frames = [];
      for (let at = 0; at < stream.length; at += size) {
        frames.push(...reader.push(stream.subarray(at, at + size)));
      }
      expect(frames.map((frame) => [frame.type, frame.id, frame.head, frame.body.toString()])).toEqual([
        [FRAME.REQUEST, 7, ['GET', '/api/x?q=é', ['host', 'h']], 'body'],
        [FRAME.RESPONSE, 8, [204, []], ''],
        [FRAME.GOAWAY, 0, undefined, ''],
      ]);
    }
  });

  it('carry a large body unchanged', () => {
    const body = Buffer.alloc(5 * 1024 * 1024 + 3, 'ab');
    const stream = bytesOf(encodeFrame(FRAME.RESPONSE, 1, [200, []], body));
    const reader = new FrameReader();
    const frames = [];
    for (let at = 0; at < stream.length; at += 65_536) {
      frames.push(...reader.push(stream.subarray(at, at + 65_536)));
    }
    expect(frames).toHaveLength(1);
    expect(frames[0]?.body.equals(body)).toBe(true);
  });

  it('refuse a length out of range and a head that is not JSON', () => {
    const huge = Buffer.alloc(4);
    huge.writeUInt32BE(0xffff_ffff, 0);
    expect(() => new FrameReader().push(huge)).toThrow(FrameError);
    const broken = Buffer.from(first);
    broken.write('{', 13);
    expect(() => new FrameReader().push(broken)).toThrow(/not JSON/);
  });
});

describe('header lines of a framed request', () => {
  const cases: string[][] = [
    ['Host', 'a', 'host', 'b', 'X-A', '1', 'x-a', '2', 'x-a', '3'],
    ['Cookie', 'c=1', 'cookie', 'd=2', 'Set-Cookie', 's1', 'set-cookie', 's2'],
    [
      'Content-Type',
      't1',
      'content-type',
      't2',
      'User-Agent',
      'u1',
      'user-agent',
      'u2',
      'Authorization',
      'x',
    ],
    ['Referer', 'r1', 'referer', 'r2', 'If-Modified-Since', 'd1', 'if-modified-since', 'd2', 'Accept', 'a'],
    ['X-Empty', '', 'x-empty', 'v', 'Age', '1', 'age', '2', 'Expires', 'e', 'expires', 'f', 'ETag', '"1"'],
  ];

  it.each(cases)('merge as a node:http server merges the same lines (%s …)', async (...lines) => {
    // HTTP/1.1 needs a Host, or node:http answers 400 itself.
    const sent = lines.some((name) => name.toLowerCase() === 'host') ? lines : [...lines, 'Host', 'h'];
    expect(mergeHeaderLines(sent)).toEqual(await headersNodeBuilds(sent));
  });
});

/** What a real `node:http` server puts in `req.headers` for these header lines. */
async function headersNodeBuilds(lines: readonly string[]): Promise<IncomingHttpHeaders> {
  let seen: IncomingHttpHeaders = {};
  const server = createServer((req, res) => {
    seen = req.headers;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const head = ['GET / HTTP/1.1'];
  for (let i = 0; i < lines.length; i += 2) {
    head.push(`${lines[i]}: ${lines[i + 1]}`);
  }
  await new Promise<void>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.end(`${head.join('\r\n')}\r\nConnection: close\r\n\r\n`),
    );
    socket.on('data', () => {});
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
  server.close();
  const { connection: _connection, ...rest } = seen;
  return rest;
}

describe('a response body in parts (decision 0103)', () => {
  const sent = () => {
    const frames: { type: number; bytes: number }[] = [];
    const reader = new FrameReader();
    const write = (parts: readonly (Buffer | undefined)[]) => {
      for (const frame of reader.push(bytesOf(parts))) {
        frames.push({ type: frame.type, bytes: frame.body.length });
      }
    };
    return { frames, write };
  };
  const dataBytes = (frames: { type: number; bytes: number }[]) =>
    frames.filter((frame) => frame.type === FRAME.DATA).reduce((sum, frame) => sum + frame.bytes, 0);

  it('goes no further than the window ahead of the credit, then ends', () => {
    const { frames, write } = sent();
    const parts = new ResponseParts(write);
    parts.start(3, Buffer.alloc(RESPONSE_WINDOW_BYTES * 3));
    expect(dataBytes(frames)).toBe(RESPONSE_WINDOW_BYTES);
    expect(frames.every((frame) => frame.bytes <= RESPONSE_PART_BYTES)).toBe(true);
    parts.credit(3, RESPONSE_WINDOW_BYTES);
    expect(dataBytes(frames)).toBe(RESPONSE_WINDOW_BYTES * 2);
    parts.credit(3, RESPONSE_WINDOW_BYTES);
    expect(dataBytes(frames)).toBe(RESPONSE_WINDOW_BYTES * 3);
    expect(frames.at(-1)?.type).toBe(FRAME.END);
  });

  it('stops at a cancel', () => {
    const { frames, write } = sent();
    const parts = new ResponseParts(write);
    parts.start(4, Buffer.alloc(RESPONSE_WINDOW_BYTES * 3));
    parts.cancel(4);
    parts.credit(4, RESPONSE_WINDOW_BYTES);
    expect(dataBytes(frames)).toBe(RESPONSE_WINDOW_BYTES);
    expect(frames.some((frame) => frame.type === FRAME.END)).toBe(false);
  });
});
