import { describe, expect, test } from '@jest/globals';
import { fromCharCodes, maxOf, minOf, pushAll } from '../../src/util/arrays.js';

// Past ~100k elements a spread into a call throws RangeError; these must not.
const HUGE = 300_000;

describe('bounded replacements for spreading into a call', () => {
  test.each([
    [[3, 1, 2], 1, 3],
    [[], Infinity, -Infinity],
    [[5], 5, 5],
    [[1, NaN, 2], NaN, NaN],
    [[-0.5, -7, 4e12], -7, 4e12],
  ])('minOf/maxOf(%j) = %p / %p, like Math.min/Math.max', (values, min, max) => {
    expect(minOf(values)).toBe(min);
    expect(maxOf(values)).toBe(max);
    expect(minOf(values)).toBe(Math.min(...values));
    expect(maxOf(values)).toBe(Math.max(...values));
  });

  test('huge arrays', () => {
    const big = Array.from({ length: HUGE }, (_, i) => i);
    expect(minOf(big)).toBe(0);
    expect(maxOf(big)).toBe(HUGE - 1);
    const target = [-1];
    expect(pushAll(target, big)).toBe(target);
    expect(target.length).toBe(HUGE + 1);
    expect(target[HUGE]).toBe(HUGE - 1);
    expect(fromCharCodes(new Array<number>(HUGE).fill(0x41)).length).toBe(HUGE);
  });

  test('fromCharCodes keeps UTF-16 code units as they are', () => {
    expect(fromCharCodes([0x48, 0x69, 0xd83d, 0xde00, 0xd800])).toBe('Hi\u{1F600}\ud800');
    expect(fromCharCodes([])).toBe('');
  });
});
