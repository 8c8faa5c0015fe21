/** Deterministic pseudo-random bytes for tests: the fixture builders' xorshift32, random-looking and the same every run. */
import { pseudoRandom } from '../../fixtures/lib/sevenzip-rar-writers.mjs';

export function xorshiftBytes(n: number, seed: number): Buffer {
  return pseudoRandom(n, seed);
}
