/**
 * Marvin32, the keyed hash Windows writes into each entry of a new-format registry transaction log
 * (the two hashes that tell a whole entry from a torn or stale one; logs.ts). The algorithm is
 * Microsoft's (as in .NET's `Marvin`): two 32-bit lanes, each little-endian word added to the first
 * and mixed by a fixed round, then a padding word and two more rounds. Fed in pieces, so an entry of
 * many megabytes is hashed as it is read.
 */

/** The seed of the registry's log hashes: 0x82EF4D887A4E55C5 (the format specification's 14219357686671994754). */
export const REGISTRY_LOG_SEED = { low: 0x7a4e55c5, high: 0x82ef4d88 } as const;

const rotl = (x: number, n: number): number => ((x << n) | (x >>> (32 - n))) >>> 0;

export class Marvin32 {
  private p0: number;
  private p1: number;
  /** Up to three bytes not yet making a whole word (a piece may end anywhere). */
  private readonly pending = Buffer.alloc(4);
  private pendingLength = 0;

  constructor(seed: { low: number; high: number } = REGISTRY_LOG_SEED) {
    this.p0 = seed.low >>> 0;
    this.p1 = seed.high >>> 0;
  }

  private round(): void {
    let p0 = this.p0;
    let p1 = this.p1;
    p1 = (p1 ^ p0) >>> 0;
    p0 = rotl(p0, 20);
    p0 = (p0 + p1) >>> 0;
    p1 = rotl(p1, 9);
    p1 = (p1 ^ p0) >>> 0;
    p0 = rotl(p0, 27);
    p0 = (p0 + p1) >>> 0;
    p1 = rotl(p1, 19);
    this.p0 = p0;
    this.p1 = p1;
  }

  private word(w: number): void {
    this.p0 = (this.p0 + w) >>> 0;
    this.round();
  }

  update(bytes: Uint8Array): this {
    let i = 0;
    while (this.pendingLength > 0 && this.pendingLength < 4 && i < bytes.length) this.pending[this.pendingLength++] = bytes[i++]!;
    if (this.pendingLength === 4) {
      this.word(this.pending.readUInt32LE(0));
      this.pendingLength = 0;
    }
    // The rounds over whole words with the lanes in locals (a property load and store per word cost 3x).
    let p0 = this.p0;
    let p1 = this.p1;
    for (; i + 4 <= bytes.length; i += 4) {
      p0 = (p0 + ((bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0)) >>> 0;
      p1 = (p1 ^ p0) >>> 0;
      p0 = ((p0 << 20) | (p0 >>> 12)) >>> 0;
      p0 = (p0 + p1) >>> 0;
      p1 = ((p1 << 9) | (p1 >>> 23)) >>> 0;
      p1 = (p1 ^ p0) >>> 0;
      p0 = ((p0 << 27) | (p0 >>> 5)) >>> 0;
      p0 = (p0 + p1) >>> 0;
      p1 = ((p1 << 19) | (p1 >>> 13)) >>> 0;
    }
    this.p0 = p0;
    this.p1 = p1;
    while (i < bytes.length) this.pending[this.pendingLength++] = bytes[i++]!;
    return this;
  }

  /** The hash as the log stores it: the first lane in the low word, the second in the high one. */
  digest(): { low: number; high: number } {
    const b = this.pending;
    let last: number;
    switch (this.pendingLength) {
      case 0:
        last = 0x80;
        break;
      case 1:
        last = 0x8000 | b[0]!;
        break;
      case 2:
        last = 0x800000 | b[0]! | (b[1]! << 8);
        break;
      default:
        last = (0x80000000 | (b[2]! << 16) | b[0]! | (b[1]! << 8)) >>> 0;
    }
    this.word(last);
    this.round();
    return { low: this.p0, high: this.p1 };
  }
}

/** Marvin32 of one buffer with the registry logs' seed. */
export function marvin32(bytes: Uint8Array): { low: number; high: number } {
  return new Marvin32().update(bytes).digest();
}
