/** Deterministic pseudo-random bytes for tests: the fixture builders' xorshift32, random-looking and the same every run. */
import { pseudoRandom } from '../../fixtures/lib/sevenzip-rar-writers.mjs';

export function xorshiftBytes(n: number, seed: number): Buffer {
  return pseudoRandom(n, seed);
}

/** Deterministic PRNG (mulberry32) so the fuzz subset is the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
