/**
 * Results kept in walk order while some are still out (src/pipeline/in-order.ts): whatever order
 * they come in, they are kept in the order they were given; the walk waits only at the bounds.
 */
import { expect, test } from '@jest/globals';
import { InOrder } from '../../src/pipeline/in-order.js';

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test('a result that is in is kept at once when nothing waits before it', () => {
  const kept: string[] = [];
  const order = new InOrder(4, 100);
  expect(order.now(() => kept.push('a'))).toBeUndefined();
  expect(kept).toEqual(['a']);
  expect(order.idle).toBe(true);
});

test('results are kept in the order given, whatever order they come in', async () => {
  const kept: string[] = [];
  const order = new InOrder(4, 100);
  const first = deferred<string>();
  const second = deferred<string>();
  expect(order.later(first.promise, (v) => kept.push(v))).toBeUndefined();
  expect(order.now(() => kept.push('b'))).toBeUndefined();
  expect(order.later(second.promise, (v) => kept.push(v))).toBeUndefined();
  expect(order.now(() => kept.push('d'))).toBeUndefined();
  expect(kept).toEqual([]);
  second.resolve('c');
  await Promise.resolve();
  expect(kept).toEqual([]); // 'c' is in, but 'a' before it is not
  first.resolve('a');
  await order.drain();
  expect(kept).toEqual(['a', 'b', 'c', 'd']);
  expect(order.idle).toBe(true);
  // Idle again: the next result is kept at once.
  order.now(() => kept.push('e'));
  expect(kept).toEqual(['a', 'b', 'c', 'd', 'e']);
});

test('the walk waits when too many results are out or held, and goes on once the oldest is kept', async () => {
  const kept: number[] = [];
  const order = new InOrder(2, 4);
  const out = [deferred<number>(), deferred<number>()];
  expect(order.later(out[0]!.promise, (v) => kept.push(v))).toBeUndefined();
  const full = order.later(out[1]!.promise, (v) => kept.push(v));
  expect(full).toBeInstanceOf(Promise);
  out[0]!.resolve(0);
  await full;
  expect(kept).toEqual([0]);
  // Held results count too: 1 out + 3 in reaches 4.
  expect(order.now(() => kept.push(2))).toBeUndefined();
  expect(order.now(() => kept.push(3))).toBeUndefined();
  const held = order.now(() => kept.push(4));
  expect(held).toBeInstanceOf(Promise);
  out[1]!.resolve(1);
  await held;
  expect(kept).toEqual([0, 1, 2, 3, 4]);
});

test('a result that fails, or a keep that throws, stops the walk at its next step with that error', async () => {
  const order = new InOrder(4, 100);
  const bad = deferred<number>();
  order.later(bad.promise, () => undefined);
  bad.reject(new Error('lost'));
  await expect(order.drain()).rejects.toThrow('lost');

  const throwing = new InOrder(4, 100);
  const slow = deferred<number>();
  throwing.later(slow.promise, () => {
    throw new Error('keep failed');
  });
  throwing.now(() => undefined);
  slow.resolve(1);
  await Promise.resolve();
  await Promise.resolve();
  expect(() => throwing.now(() => undefined)).toThrow('keep failed');
});

test('many results: slots already kept are let go, order holds across thousands', async () => {
  const kept: number[] = [];
  const order = new InOrder(16, 5000);
  const slow = deferred<number>();
  order.later(slow.promise, (v) => kept.push(v));
  for (let i = 1; i < 3000; i++) order.now(() => kept.push(i));
  slow.resolve(0);
  await order.drain();
  expect(kept).toHaveLength(3000);
  expect(kept.every((v, i) => v === i)).toBe(true);
});
