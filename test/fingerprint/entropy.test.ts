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

/** ent's sums written plainly: what the four-lane histogram and the term tables must give to the last bit. */
function plainFigures(bytes: Uint8Array): { counts: number[]; entropy: number; chi: number } {
  const counts = new Array<number>(256).fill(0);
  for (const b of bytes) counts[b]!++;
  const total = bytes.length;
  let entropy = 0;
  let chi = 0;
  for (const c of counts) {
    if (c !== 0) entropy -= (c / total) * Math.log2(c / total);
    const d = c - total / 256;
    chi += (d * d) / (total / 256);
  }
  return { counts, entropy: total === 0 ? 0 : entropy, chi: total === 0 ? 0 : chi };
}

describe('the histogram by four lanes and the remembered terms', () => {
  const kinds: Record<string, (n: number) => Uint8Array> = {
    random: (n) => pseudoRandom(n, 0x1234567 + n),
    text: (n) => Buffer.from('The quick brown fox, 0123456789; staged to C:\\PerfLogs\\x.7z\r\n'.repeat(Math.ceil(n / 60) + 1)).subarray(0, n),
    constant: (n) => new Uint8Array(n).fill(0x41),
    runs: (n) => Uint8Array.from({ length: n }, (_, i) => (i >> 5) & 0xff),
  };
  // The table totals (a full head, three full samples) twice each: the first call fills the table, the second reads it.
  const lengths = [0, 1, 3, 255, 256, 257, 1023, 4100, 4100, 4101, 16384, 3 * 16384, 3 * 16384, 12345];

  test('counts, entropy and chi-square equal the plain sums exactly, at every alignment', () => {
    let compared = 0;
    for (const [kind, make] of Object.entries(kinds)) {
      for (const n of lengths) {
        for (const shift of [0, 1, 2, 3]) {
          const backing = new Uint8Array(n + 4);
          backing.set(make(n), shift);
          const bytes = backing.subarray(shift, shift + n);
          const h = histogramOf(bytes);
          const plain = plainFigures(bytes);
          const label = `${kind}, ${n} bytes at +${shift}`;
          expect([label, Array.from(h.counts)]).toEqual([label, plain.counts]);
          expect([label, Object.is(shannonEntropy(h), plain.entropy), Object.is(chiSquare(h), plain.chi)]).toEqual([label, true, true]);
          compared++;
        }
      }
    }
    expect(compared).toBe(4 * lengths.length * 4);
  });

  test('parts added one after another give the counts of the whole', () => {
    const whole = pseudoRandom(9000, 77);
    const h = histogramOf(whole.subarray(0, 10), whole.subarray(10, 4110), whole.subarray(4110));
    expect(Array.from(h.counts)).toEqual(plainFigures(whole).counts);
    expect(h.total).toBe(9000);
  });
});
