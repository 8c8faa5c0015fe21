/** Deterministic pseudo-random bytes for tests: the fixture builders' xorshift32, random-looking and the same every run. */
import { pseudoRandom } from '../../fixtures/lib/sevenzip-rar-writers.mjs';
// @ts-expect-error plain-JS bench library without type declarations
import { mulberry32 } from '../../bench/lib/prng.mjs';

export function xorshiftBytes(n: number, seed: number): Buffer {
  return pseudoRandom(n, seed);
}

/** Deterministic PRNG (mulberry32: the bench generator's and the fuzzer's, bench/lib/prng.mjs) so a fuzz subset is the same on every run. */
export function prng(seed: number): () => number {
  return mulberry32(seed) as () => number;
}

/**
 * `n` bytes of text drawn from `words` (deterministic by `seed`): long repeats and a varied vocabulary,
 * so that a context model's contexts grow deep and wide (the PPMd tests).
 */
export function wordSoup(n: number, seed: number, words: readonly string[]): Buffer {
  const random = xorshiftBytes(n, seed);
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < n; i++) {
    const w = words[random[i % n]! % words.length]!;
    parts.push(w, random[(i * 7) % n]! % 3 === 0 ? ' ' : '');
    size += w.length + 1;
  }
  return Buffer.from(parts.join('')).subarray(0, n);
}
