import { describe, expect, it } from 'vitest';
import { createKeyedSemaphore, createSemaphore } from './semaphore.js';

describe('createSemaphore', () => {
  it('lets `limit` tasks run at once and the next ones in order as turns are given back', async () => {
    const semaphore = createSemaphore(2);
    const first = await semaphore.acquire();
    const second = await semaphore.acquire();
    const order: string[] = [];
    const third = semaphore.acquire().then((release) => {
      order.push('third');
      return release;
    });
    const fourth = semaphore.acquire().then((release) => {
      order.push('fourth');
      return release;
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    first();
    first(); // a second call gives nothing back twice
    (await third)();
    second();
    (await fourth)();
    expect(order).toEqual(['third', 'fourth']);
    const again = await Promise.race([semaphore.acquire(), new Promise((r) => setTimeout(r, 50, 'busy'))]);
    expect(typeof again).toBe('function');
  });
});

describe('createKeyedSemaphore', () => {
  it('counts the turns of each key apart, and forgets a key nobody holds', async () => {
    const semaphore = createKeyedSemaphore(1);
    const a = await semaphore.acquire('a');
    const order: string[] = [];
    const secondA = semaphore.acquire('a').then((release) => {
      order.push('a');
      return release;
    });
    // Another key is not held up by a key whose turns are all taken.
    (await semaphore.acquire('b'))();
    await Promise.resolve();
    expect(order).toEqual([]);
    a();
    a();
    (await secondA)();
    expect(order).toEqual(['a']);
    (await semaphore.acquire('a'))();
  });
});
