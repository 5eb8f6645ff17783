import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createInvocationScope, type InvocationTag } from './invocation-scope.js';

const tag = (invocationId: string): InvocationTag => ({ functionName: 'fn', invocationId });

/** Runs an invocation that waits a turn (as a handler awaiting I/O does), then asks for its tag. */
async function invocation(scope: ReturnType<typeof createInvocationScope>, id: string) {
  return scope.run(tag(id), async () => {
    await nextTurn();
    return scope.current()?.invocationId;
  });
}

describe('invocation scope', () => {
  it('stays untracked while no line asks for its invocation', async () => {
    const scope = createInvocationScope();
    await Promise.all([scope.run(tag('a'), async () => 1), scope.run(tag('b'), async () => 2)]);
    expect(scope.tracking).toBe(false);
  });

  it('tags a line of the only invocation in flight before tracking starts', async () => {
    const scope = createInvocationScope();
    expect(await invocation(scope, 'alone')).toBe('alone');
    expect(scope.tracking).toBe(true);
  });

  it('leaves a line of several untracked invocations untagged, then tags every later invocation', async () => {
    const scope = createInvocationScope();
    // Both ask while both are in flight: neither can be told apart.
    const asked: (string | undefined)[] = [];
    const both = ['a', 'b'].map((id) =>
      scope.run(tag(id), async () => {
        await nextTurn();
        asked.push(scope.current()?.invocationId);
        await nextTurn();
      }),
    );
    await Promise.all(both);
    expect(asked).toEqual([undefined, undefined]);
    expect(
      await Promise.all([invocation(scope, 'c'), invocation(scope, 'd'), invocation(scope, 'e')]),
    ).toEqual(['c', 'd', 'e']);
  });

  it('tags the one untracked invocation left among tracked ones', async () => {
    const scope = createInvocationScope();
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const early = scope.run(tag('early'), async () => {
      await held;
      return scope.current()?.invocationId;
    });
    scope.current(); // a line written now starts tracking
    expect(scope.tracking).toBe(true);
    const late = invocation(scope, 'late');
    release();
    expect(await Promise.all([early, late])).toEqual(['early', 'late']);
  });

  it('gives no tag outside an invocation and forgets an invocation that threw', async () => {
    const scope = createInvocationScope();
    expect(() =>
      scope.run(tag('threw'), () => {
        throw new Error('before any await');
      }),
    ).toThrow('before any await');
    await expect(scope.run(tag('rejected'), async () => Promise.reject(new Error('no')))).rejects.toThrow(
      'no',
    );
    await nextTurn();
    expect(scope.current()).toBeUndefined();
  });
});
