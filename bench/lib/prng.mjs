// Deterministic pseudo-random numbers for the benchmark generator and the fuzzer.
// mulberry32: tiny, fast, good enough for test data (not for cryptography).

export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [lo, hi). */
export function intIn(rand, lo, hi) {
  return lo + Math.floor(rand() * (hi - lo));
}

export function pick(rand, list) {
  return list[Math.floor(rand() * list.length)];
}

/** `n` pseudo-random bytes from `seed` (xorshift32 words: fast for pools of tens of MiB). */
export function randomBytes(n, seed) {
  const words = new Uint32Array(Math.ceil(n / 4));
  let x = (seed >>> 0) || 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return Buffer.from(words.buffer, 0, n);
}
