/** Worker messages are parsed defensively, and log lines are formatted for people. */
import { describe, expect, it } from 'vitest';
import { createBackoff } from './_backoff.js';
import { createLineTail, formatWorkerLog } from './_logs.js';
import { parseWorkerMessage } from './_protocol.js';

describe('parseWorkerMessage', () => {
  it('reads ready messages, filling defaults for missing fields', () => {
    const message = parseWorkerMessage({
      type: 'ready',
      functions: [{ name: 'hello', methods: ['get', 'Post'] }, { name: 'all', methods: null }, { bad: true }],
      warnings: ['w', 3],
      model: 'v4',
    });
    expect(message).toEqual({
      type: 'ready',
      functions: [
        { name: 'hello', methods: ['GET', 'POST'], route: 'hello', authLevel: 'anonymous' },
        { name: 'all', methods: null, route: 'all', authLevel: 'anonymous' },
      ],
      warnings: ['w'],
      streaming: false,
    });
    expect(parseWorkerMessage({ type: 'ready', streaming: true })).toMatchObject({ streaming: true });
  });

  it('reads fatal and log messages in both level vocabularies', () => {
    expect(parseWorkerMessage({ type: 'fatal', message: 'm', code: 'C' })).toEqual({
      type: 'fatal',
      message: 'm',
      code: 'C',
    });
    expect(parseWorkerMessage({ type: 'log', level: 'warn', message: 'x' })).toMatchObject({ level: 'warn' });
    expect(parseWorkerMessage({ type: 'log', level: 'loud', message: 'x' })).toMatchObject({
      level: 'information',
    });
  });

  it('reads how much the worker cut from a log message, when it is a count', () => {
    expect(parseWorkerMessage({ type: 'log', message: 'x', omitted: 12 })).toMatchObject({ omitted: 12 });
    for (const omitted of [0, -1, 1.5, '12', Number.POSITIVE_INFINITY]) {
      expect(parseWorkerMessage({ type: 'log', message: 'x', omitted })).not.toHaveProperty('omitted');
    }
  });

  it('drops anything else', () => {
    for (const value of [null, 'ready', [], { type: 'other' }, { type: 'log', message: 1 }]) {
      expect(parseWorkerMessage(value)).toBeUndefined();
    }
  });
});

describe('formatWorkerLog', () => {
  it('tags lines with the function name and the first 8 characters of the invocation id', () => {
    const base = { type: 'log', level: 'information', message: 'hi' } as const;
    expect(formatWorkerLog({ ...base, functionName: 'hello', invocationId: 'abcdef0123456789' })).toEqual([
      '[hello abcdef01] hi',
    ]);
    expect(formatWorkerLog({ ...base, functionName: 'hello' })).toEqual(['[hello] hi']);
    expect(formatWorkerLog(base)).toEqual(['[api] hi']);
  });

  it('tags every line of a message, and drops what could rewrite or forge a line of the log', () => {
    const forged = {
      type: 'log',
      level: 'information',
      functionName: 'evil',
      message: 'ok\napi victim/production: worker ready\r\x1b[2K\x1b]0;title\x07done\x00',
    } as const;
    expect(formatWorkerLog(forged)).toEqual([
      '[evil] ok',
      '[evil] api victim/production: worker ready?done?',
    ]);
  });

  it('cuts a huge message to a readable size', () => {
    const lines = formatWorkerLog({
      type: 'log',
      level: 'information',
      message: `${'x'.repeat(20_000)}\n`.repeat(300),
    });
    expect(lines).toHaveLength(101);
    expect(lines[0]).toMatch(/^\[api\] x{8192}… \(11808 more characters\)$/);
    expect(lines[100]).toBe('[api] … (201 more lines)');
  });

  /** @see the tester's report: a 2,000,000-character line said `(253989 more characters)`. */
  it('counts what the worker cut from a message with what it cuts itself', () => {
    const base = { type: 'log', level: 'information' } as const;
    const long = formatWorkerLog({ ...base, message: 'y'.repeat(262_144), omitted: 1_737_856 });
    expect(long).toEqual([`[api] ${'y'.repeat(8192)}… (1991808 more characters)`]);
    expect(formatWorkerLog({ ...base, message: 'a\nbc', omitted: 5 })).toEqual([
      '[api] a',
      '[api] bc… (5 more characters)',
    ]);
    const manyLines = formatWorkerLog({ ...base, message: 'z\n'.repeat(150), omitted: 7 });
    expect(manyLines[100]).toBe('[api] … (51 more lines, then 7 more characters)');
  });
});

describe('helpers', () => {
  it('backs off by doubling up to the cap, and starts over after a healthy run', () => {
    const backoff = createBackoff({ initialMs: 250, maxMs: 1000, resetAfterMs: 30_000 });
    expect([0, 0, 0, 0].map((uptime) => backoff.next(uptime))).toEqual([250, 500, 1000, 1000]);
    expect(backoff.next(30_000)).toBe(250);
    backoff.reset();
    expect(backoff.next(0)).toBe(250);
  });

  it('keeps the last lines of output', () => {
    const tail = createLineTail(2);
    for (const line of ['a', 'b', 'c']) {
      tail.push(line);
    }
    expect(tail.lines()).toEqual(['b', 'c']);
  });
});
