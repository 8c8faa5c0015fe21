/**
 * The timeline's row sort (sortRowsByTime: a counting sort on each time's rank, the texts compared
 * only within a millisecond, as the scan does on code units checked against the collation) against
 * the stable comparison sort it replaces, on rows with many times in common, ties in the texts,
 * texts whose code-unit order is not the collation's, negative and far times, and a time that is
 * no number.
 */
import { describe, expect, test } from '@jest/globals';
import { sortRowsByTime } from '../../src/timeline/timeline.js';
import { compareCodeUnits, compareText, sortByKey } from '../../src/util/compare.js';
import { prng } from '../helpers/random.js';

/** `count` rows over `distinctTimes` times, each with a text drawn from `texts` (so some rows tie on both); `mixedCase`: texts whose code-unit order differs from the collation's. */
function rowsOf(seed: number, count: number, distinctTimes: number, texts: number, mixedCase = false): { rows: number[]; ms: Float64Array; text: string[] } {
  const next = prng(seed);
  const times = Array.from({ length: distinctTimes }, () => Math.round((next() - 0.3) * 4e12));
  const ms = new Float64Array(count + 5);
  const text: string[] = [];
  for (let i = 0; i < ms.length; i++) {
    ms[i] = times[Math.floor(next() * distinctTimes)]!;
    const t = `f-${Math.floor(next() * texts).toString(16)}`;
    text.push(mixedCase && next() < 0.5 ? t.toUpperCase() : t);
  }
  // Not every row is kept, and not in row order (select keeps a subset).
  const rows = Array.from({ length: count }, (_, i) => i + 5).filter(() => next() < 0.9);
  return { rows, ms, text };
}

const reference = (rows: number[], ms: Float64Array, same: (a: number, b: number) => number): number[] => [...rows].sort((a, b) => ms[a]! - ms[b]! || same(a, b));

describe('sortRowsByTime', () => {
  test.each([
    [1, 2000, 50, 7, false],
    [2, 2000, 2000, 3, false],
    [3, 5000, 3, 1000, false],
    [4, 1, 1, 1, false],
    [5, 0, 1, 1, false],
    [6, 300, 1, 2, false],
    [7, 3000, 20, 40, true],
  ])('seed %i: %i rows over %i times and %i texts (mixed case: %s), the order of the stable comparison sort', (seed, count, distinctTimes, texts, mixedCase) => {
    const { rows, ms, text } = rowsOf(seed, count, distinctTimes, texts, mixedCase);
    const same = (a: number, b: number): number => compareText(text[a]!, text[b]!);
    // As the scan sorts a millisecond's rows: on code units, checked against the collation.
    const byKey = (run: number[]): number[] => sortByKey(run, (row) => text[row]!, compareText, compareCodeUnits);
    for (const given of [rows, [...rows].reverse()]) {
      const expected = reference(given, ms, same);
      expect(sortRowsByTime([...given], ms, (run) => run.sort(same))).toEqual(expected);
      expect(sortRowsByTime([...given], ms, byKey)).toEqual(expected);
    }
  });

  test('a time that is no number: after every time, in the order of the texts', () => {
    const ms = new Float64Array([5, Number.NaN, 3, 5, Number.NaN, 1]);
    const text = ['b', 'z', 'c', 'a', 'y', 'd'];
    const same = (a: number, b: number): number => compareText(text[a]!, text[b]!);
    expect(sortRowsByTime([0, 1, 2, 3, 4, 5], ms, (run) => run.sort(same))).toEqual([5, 2, 3, 0, 4, 1]);
  });
});
