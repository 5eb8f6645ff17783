/** Hook execution and the log path with `log` hooks (spec §1 step 6, §6.1). */
import { describe, expect, it } from 'vitest';
import { createWorkerApp } from './app-state.js';
import { createLogEmitter, runHooks, withReadOnly } from './hooks.js';
import type { LogMessage, ParentChannel } from './messages.js';
import { createWorkerLog } from './worker-log.js';

function capture() {
  const sent: LogMessage[] = [];
  const channel: ParentChannel = {
    send: (message) => {
      if (message.type === 'log') {
        sent.push(message);
      }
    },
    flush: async () => {},
  };
  return { sent, log: createWorkerLog(channel) };
}

describe('runHooks', () => {
  it('awaits each hook in order and lets them write through the context', async () => {
    const order: string[] = [];
    const context = withReadOnly({ inputs: [1] }, { hookData: {} });
    await runHooks(
      [
        async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          order.push('a');
        },
        (ctx) => {
          order.push('b');
          ctx.inputs = [2];
        },
      ],
      context,
    );
    expect(order).toEqual(['a', 'b']);
    expect(context.inputs).toEqual([2]);
    expect(() => {
      context.hookData = {};
    }).toThrow(TypeError);
  });
});

describe('createLogEmitter', () => {
  it('maps levels, tags invocation lines, and drops "none"', () => {
    const { sent, log } = capture();
    const emit = createLogEmitter(createWorkerApp(), log);
    emit('warning', 'user', 'careful', { tag: { functionName: 'f', invocationId: 'i' }, context: {} });
    emit('none', 'system', 'dropped');
    emit('information', 'system', 'outside');
    expect(sent).toEqual([
      {
        type: 'log',
        level: 'warn',
        source: 'user',
        message: 'careful',
        functionName: 'f',
        invocationId: 'i',
      },
      { type: 'log', level: 'info', source: 'system', message: 'outside' },
    ]);
  });

  it('runs log hooks, which may rewrite level and message, and survives a throwing hook', () => {
    const { sent, log } = capture();
    const app = createWorkerApp();
    const seen: unknown[] = [];
    app.hooks.log.push((context) => {
      seen.push(context.invocationContext);
      context.message = `[redacted] ${String(context.message).length}`;
      context.level = 'error';
    });
    app.hooks.log.push(() => {
      throw new Error('hook bug');
    });
    const emit = createLogEmitter(app, log);
    const invocationContext = { functionName: 'f' };
    emit('information', 'user', 'secret', {
      tag: { functionName: 'f', invocationId: 'i' },
      context: invocationContext,
    });
    expect(seen).toEqual([invocationContext]);
    expect(sent.map((entry) => [entry.level, entry.message])).toEqual([
      ['error', expect.stringContaining('hook bug')],
      ['error', '[redacted] 6'],
    ]);
  });
});
