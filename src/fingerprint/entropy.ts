/**
 * Byte statistics: Shannon entropy (bits/byte) and Pearson chi-square over the 256 byte values,
 * both computed exactly as `ent` does (ent.c: entropy = -sum p log2 p; chisq = sum (o-e)^2/e),
 * plus a size-aware randomness verdict. Hot loops count into Uint32Array histograms (four lanes
 * for longer buffers), no allocation per byte.
 */

import { LIMITS } from '../util/limits.js';

export class ByteHistogram {
  readonly counts = new Uint32Array(256);
  total = 0;

  add(bytes: Uint8Array): void {
    const counts = this.counts;
    if (bytes.length < FOUR_WAY_FROM) {
      for (let i = 0; i < bytes.length; i++) counts[bytes[i]!]++;
    } else {
      // The one to three bytes past a multiple of four first: after the long loop below they were
      // in the code V8 compiles on that loop's entry (on-stack replacement) before any had run, and
      // that code, taken up again by later calls, gave way there whenever a head's length was not
      // a multiple of four (33 deoptimisations on tree-100k; docs/performance.md "Session 32").
      const start = bytes.length & 3;
      for (let i = 0; i < start; i++) counts[bytes[i]!]++;
      // Four tables, one per byte lane: consecutive equal bytes no longer wait on each other's
      // increment (the loop is bound by store-to-load forwarding), about 1.4x faster on 4 KiB heads.
      const lanes = laneCounts;
      lanes.fill(0);
      for (let i = start; i < bytes.length; i += 4) {
        lanes[bytes[i]!]++;
        lanes[256 + bytes[i + 1]!]++;
        lanes[512 + bytes[i + 2]!]++;
        lanes[768 + bytes[i + 3]!]++;
      }
      for (let v = 0; v < 256; v++) counts[v] += lanes[v]! + lanes[256 + v]! + lanes[512 + v]! + lanes[768 + v]!;
    }
    this.total += bytes.length;
  }
}

/** Below this many bytes one table is faster than clearing and folding four. */
const FOUR_WAY_FROM = 256;
/** The four lanes' counts of one `add` (synchronous: nothing else runs between its fill and its fold). */
const laneCounts = new Uint32Array(4 * 256);

/** One histogram over several samples (an array, not a spread: see src/util/arrays.ts). */
export function histogramOf(...parts: Uint8Array[]): ByteHistogram {
  return histogramOfParts(parts);
}

export function histogramOfParts(parts: readonly Uint8Array[]): ByteHistogram {
  const h = new ByteHistogram();
  for (const p of parts) h.add(p);
  return h;
}

/** One histogram reused for the statistics of one buffer (its caller reads it synchronously and keeps nothing). */
const scratch = new ByteHistogram();

/**
 * The histogram of one buffer in a histogram shared by every call: valid until the next call,
 * so read it at once (byteStats, headEntropy) and keep only what is derived from it.
 */
export function scratchHistogramOf(bytes: Uint8Array): ByteHistogram {
  scratch.counts.fill(0);
  scratch.total = 0;
  scratch.add(bytes);
  return scratch;
}

/** p log2 p of a count c of `total` bytes: one term of the entropy's sum. */
function entropyTerm(c: number, total: number): number {
  const p = c / total;
  return p * Math.log2(p);
}

/** (c - e)^2 / e of a count c of `total` bytes, e = total / 256: one term of chi-square's sum. */
function chiTerm(c: number, total: number): number {
  const expected = total / 256;
  const d = c - expected;
  return (d * d) / expected;
}

/**
 * The terms of the two sums, remembered for the totals nearly every file has (a full head, three
 * full samples): each term is computed by the same expression as without the table, and the sums
 * add them in the same order, so the statistics are the same to the last bit; the table only saves
 * the logarithms (256 per head, the largest cost of the statistics after the histogram itself).
 * NaN marks a term not computed yet.
 */
class TermTable {
  readonly entropy: Float64Array;
  readonly chi: Float64Array;
  constructor(readonly total: number) {
    this.entropy = new Float64Array(total + 1).fill(NaN);
    this.chi = new Float64Array(total + 1).fill(NaN);
  }
}

const termTables = new Map<number, TermTable>();

/** The table for `total` bytes, or null for a total too rare to be worth one (a short file's every byte). */
function termTableFor(total: number): TermTable | null {
  let table = termTables.get(total);
  if (table) return table;
  if (total !== LIMITS.headBytes && total !== 3 * LIMITS.entropySampleBytes) return null;
  table = new TermTable(total);
  termTables.set(total, table);
  return table;
}

/** Shannon entropy in bits per byte; 0 for no data. */
export function shannonEntropy(h: ByteHistogram): number {
  const total = h.total;
  if (total === 0) return 0;
  const counts = h.counts;
  const terms = termTableFor(total)?.entropy;
  let sum = 0;
  for (let i = 0; i < 256; i++) {
    const c = counts[i]!;
    if (c !== 0) {
      if (terms) {
        let t = terms[c]!;
        if (t !== t) t = terms[c] = entropyTerm(c, total);
        sum -= t;
      } else sum -= entropyTerm(c, total);
    }
  }
  return sum;
}

/** Pearson chi-square against the uniform distribution (255 degrees of freedom), as ent prints it. */
export function chiSquare(h: ByteHistogram): number {
  const total = h.total;
  if (total === 0) return 0;
  const counts = h.counts;
  const terms = termTableFor(total)?.chi;
  let sum = 0;
  for (let i = 0; i < 256; i++) {
    const c = counts[i]!;
    if (terms) {
      let t = terms[c]!;
      if (t !== t) t = terms[c] = chiTerm(c, total);
      sum += t;
    } else sum += chiTerm(c, total);
  }
  return sum;
}

/** Complementary error function (Numerical Recipes erfcc, relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/**
 * Upper-tail probability P(X >= chi) for chi-square with `df` degrees of freedom (Wilson-Hilferty
 * normal approximation; good to ~1e-3 at df = 255). ent reports the same quantity as
 * "would exceed this value N percent of the times": random data lands between 1% and 99%.
 */
export function chiSquareUpperTail(chi: number, df = 255): number {
  const k = 2 / (9 * df);
  const z = (Math.cbrt(chi / df) - (1 - k)) / Math.sqrt(k);
  return 0.5 * erfc(z / Math.SQRT2);
}

const expectedCache = new Map<number, number>();

/**
 * Expected Shannon entropy of n independent uniform random bytes: small samples never reach
 * 8 bits/byte (a 219-byte random file averages ~7.1). Exact: -256 E[(X/n) log2(X/n)],
 * X ~ Binomial(n, 1/256), summed over the mass that matters.
 */
export function expectedRandomEntropy(n: number): number {
  if (n <= 1) return 0;
  const cached = expectedCache.get(n);
  if (cached !== undefined) return cached;
  const p = 1 / 256;
  const mean = n * p;
  const hi = Math.min(n, Math.ceil(mean + 12 * Math.sqrt(mean) + 12));
  let logPmf = n * Math.log1p(-p); // P(X = 0)
  let sum = 0;
  for (let k = 1; k <= hi; k++) {
    logPmf += Math.log((n - k + 1) / k) + Math.log(p / (1 - p));
    const q = k / n;
    sum += Math.exp(logPmf) * q * Math.log2(q);
  }
  const value = -256 * sum;
  if (expectedCache.size < 100_000) expectedCache.set(n, value);
  return value;
}

/** Below this many bytes a byte histogram says nothing useful about randomness. */
export const MIN_STATISTIC_BYTES = 64;
/** "High entropy" = at least this fraction of what random data of the same length reaches. */
export const HIGH_ENTROPY_RATIO = 0.97;
/** Random data: chi-square upper-tail probability inside [1%, 99%] (Walker's ent guidance). */
export const CHI_RANDOM_LOW = 0.01;
export const CHI_RANDOM_HIGH = 0.99;
/** Far outside the random band: compressor output (too uneven) or a synthetic pattern (too even). */
export const CHI_CLEARLY_UNEVEN = 1e-4;
export const CHI_CLEARLY_EVEN = 1 - 1e-4;

export interface ByteStats {
  bytes: number;
  entropy: number;
  chiSquare: number;
  /** Upper-tail probability of the chi-square statistic (ent's "exceed N percent"). */
  chiP: number;
  /** Expected entropy of random data of this length. */
  expectedEntropy: number;
  /** entropy >= HIGH_ENTROPY_RATIO x expectedEntropy, on at least MIN_STATISTIC_BYTES. */
  highEntropy: boolean;
  /** highEntropy and chi-square inside the random band. */
  randomLike: boolean;
}

export function byteStats(h: ByteHistogram): ByteStats {
  const entropy = shannonEntropy(h);
  const chi = chiSquare(h);
  const chiP = h.total > 0 ? chiSquareUpperTail(chi) : 1;
  const expectedEntropy = expectedRandomEntropy(h.total);
  const highEntropy = h.total >= MIN_STATISTIC_BYTES && entropy >= HIGH_ENTROPY_RATIO * expectedEntropy;
  const randomLike = highEntropy && chiP >= CHI_RANDOM_LOW && chiP <= CHI_RANDOM_HIGH;
  return { bytes: h.total, entropy, chiSquare: chi, chiP, expectedEntropy, highEntropy, randomLike };
}
