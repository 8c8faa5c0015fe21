import { describe, expect, test } from '@jest/globals';
import {
  byteStats, chiSquare, chiSquareUpperTail, expectedRandomEntropy, histogramOf, shannonEntropy,
} from '../../src/fingerprint/entropy.js';
import { xorshiftBytes } from '../helpers/random.js';

/** Deterministic pseudo-random bytes (xorshift32), so the tests never flake. */
const pseudoRandom = (n: number, seed = 0x9e3779b9): Buffer => xorshiftBytes(n, seed);

describe('entropy and chi-square', () => {
  test('every byte value once: 8 bits/byte and chi-square 0', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const h = histogramOf(all);
    expect(shannonEntropy(h)).toBeCloseTo(8, 12);
    expect(chiSquare(h)).toBeCloseTo(0, 12);
  });

  test('constant data: 0 bits/byte and chi-square 255 x n (ent formula)', () => {
    const h = histogramOf(Buffer.alloc(1000, 0x41));
    expect(shannonEntropy(h)).toBe(0);
    expect(chiSquare(h)).toBeCloseTo(255 * 1000, 6);
  });

  test('two equally frequent values: exactly 1 bit/byte', () => {
    expect(shannonEntropy(histogramOf(Buffer.from('abababab')))).toBeCloseTo(1, 12);
  });

  test('histograms over several parts equal the histogram of their concatenation', () => {
    const a = pseudoRandom(300, 1), b = pseudoRandom(500, 2);
    expect(shannonEntropy(histogramOf(a, b))).toBeCloseTo(shannonEntropy(histogramOf(Buffer.concat([a, b]))), 12);
  });

  test('chi-square tail probability matches known quantiles of chi2(255)', () => {
    // chi2(255): median ~254.3, 1% upper quantile ~310.5, 99% ~205.9
    expect(chiSquareUpperTail(254.33)).toBeCloseTo(0.5, 2);
    expect(chiSquareUpperTail(310.46)).toBeCloseTo(0.01, 3);
    expect(chiSquareUpperTail(205.9)).toBeCloseTo(0.99, 2);
  });

  test('expected entropy of random data is size-aware (small files never reach 8)', () => {
    expect(expectedRandomEntropy(4100)).toBeGreaterThan(7.95);
    expect(expectedRandomEntropy(4100)).toBeLessThan(7.96);
    expect(expectedRandomEntropy(219)).toBeGreaterThan(7.0);
    expect(expectedRandomEntropy(219)).toBeLessThan(7.2);
    expect(expectedRandomEntropy(1 << 20)).toBeGreaterThan(7.9998);
  });

  test('pseudo-random bytes test as random; text and constant data do not', () => {
    expect(byteStats(histogramOf(pseudoRandom(16384))).randomLike).toBe(true);
    expect(byteStats(histogramOf(Buffer.from('hello world '.repeat(500)))).highEntropy).toBe(false);
    expect(byteStats(histogramOf(Buffer.alloc(4096))).highEntropy).toBe(false);
  });

  test('a perfectly even pattern has full entropy but fails the chi-square band', () => {
    const pattern = Buffer.alloc(16384);
    for (let i = 0; i < pattern.length; i++) pattern[i] = i & 0xff;
    const s = byteStats(histogramOf(pattern));
    expect(s.highEntropy).toBe(true);
    expect(s.randomLike).toBe(false);
  });
});
