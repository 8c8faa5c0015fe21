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
