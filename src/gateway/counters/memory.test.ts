/** What only the memory store has: bounded memory (expired counters are swept). */
import { describe, expect, it } from 'vitest';
import { createMemoryCounterStore } from './index.js';

describe('memory counter store', () => {
  it('drops rate logs and quota windows once they expire, keeping lifetime quotas', async () => {
    let time = 1_000_000;
    const store = createMemoryCounterStore({ now: () => time });
    await store.takeRate('a', 5, 10, 1);
    await store.addRate('b', 60, 1);
    await store.takeQuota('q', 5, 300, 1, 0);
    await store.takeQuota('life', 5, 0, 1, 0);
    expect(store.size()).toBe(4);
    time += 10_000;
    store.sweep();
    expect(store.size()).toBe(3);
    time += 300_000;
    store.sweep();
    expect(store.size()).toBe(1);
    expect((await store.takeQuota('life', 5, 0, 1, 0)).remaining).toBe(3);
    await store.close();
  });

  it('keeps counting correctly past its entry cap', async () => {
    let time = 0;
    const store = createMemoryCounterStore({ now: () => time });
    for (let i = 0; i < 3000; i += 1) {
      time += 1;
      await store.addRate('busy', 3600, 1);
    }
    expect(await store.peekRate('busy', 3000, 3600)).toMatchObject({ allowed: false });
    expect(await store.peekRate('busy', 3001, 3600)).toMatchObject({ allowed: true, remaining: 0 });
    await store.close();
  });

  it('counts a large limit over a sliding window exactly while calls expire one by one', async () => {
    let time = 0;
    const store = createMemoryCounterStore({ now: () => time });
    // One call per ms for 5 s against a 2 s window: once full, the window always holds 2000 calls.
    for (let i = 0; i < 5000; i += 1) {
      time += 1;
      expect((await store.takeRate('steady', 100_000, 2, 1)).allowed).toBe(true);
    }
    expect(await store.peekRate('steady', 2001, 2)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await store.peekRate('steady', 2000, 2)).toMatchObject({ allowed: false });
    await store.close();
  });

  it('groups calls of a very large limit into bounded entries, never letting them leave the window early', async () => {
    let time = 0;
    const store = createMemoryCounterStore({ now: () => time });
    for (let i = 0; i < 20_000; i += 1) {
      time += 1;
      await store.takeRate('huge', 1_000_000, 60, 1);
    }
    // All 20000 calls are within the 60 s window: none may be forgotten.
    expect(await store.peekRate('huge', 20_000, 60)).toMatchObject({ allowed: false });
    expect(await store.peekRate('huge', 20_001, 60)).toMatchObject({ allowed: true, remaining: 0 });
    await store.close();
  });
});
