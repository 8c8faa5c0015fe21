/**
 * A bounded cursor over a 7z header buffer. Reading past the end throws HeaderError, which the
 * header parser catches at the top and turns into a warning plus what was read so far.
 */

export class HeaderError extends Error {}

/**
 * Listed files (and sub-streams) a header of `diskBytes` on-disk bytes may describe. 7-Zip's
 * densest real headers (20,000 empty files named f1..f20000) pack to ~0.55 byte per file; 8 per
 * byte leaves room for four times that, while a 2.5 KB LZMA stream of zero padding no longer
 * yields 200,000 placeholder entries. The floor keeps tiny archives listed whole.
 */
export const ITEMS_PER_DISK_BYTE = 8;
const MIN_ITEMS = 1024;

export function entriesDescribedBy(diskBytes: number): number {
  return Math.max(MIN_ITEMS, diskBytes * ITEMS_PER_DISK_BYTE);
}

export class HeaderReader {
  pos = 0;

  /**
   * @param maxItems files or sub-streams this header may describe: bounded by the bytes it
   * occupies on disk (a packed header can inflate zero padding a thousandfold), see
   * entriesDescribedBy().
   */
  constructor(
    readonly buf: Buffer,
    readonly maxItems: number = Number.MAX_SAFE_INTEGER,
  ) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw new HeaderError('header ends early');
    return this.buf[this.pos++]!;
  }

  bytes(n: number): Buffer {
    if (n < 0 || n > this.remaining) throw new HeaderError(`field of ${n} bytes runs past the header end`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  uint32(): number {
    const b = this.bytes(4);
    return b.readUInt32LE(0);
  }

  uint64(): number {
    const b = this.bytes(8);
    return Number(b.readBigUInt64LE(0));
  }

  /** 7z variable-length UINT64: the leading 1-bits of the first byte say how many bytes follow. */
  number(): number {
    const first = this.byte();
    let mask = 0x80;
    let value = 0;
    for (let i = 0; i < 8; i++) {
      if ((first & mask) === 0) return value + (first & (mask - 1)) * 2 ** (8 * i);
      value += this.byte() * 2 ** (8 * i);
      mask >>>= 1;
    }
    return value;
  }

  /**
   * A count that sizes a later loop or array: must fit `limit`, and, since each counted item
   * takes at least `minBytesEach` bytes, must fit in what is left of the header.
   */
  count(what: string, limit: number, minBytesEach = 1): number {
    const n = this.number();
    if (n > limit) throw new HeaderError(`${what} count ${n} exceeds the limit ${limit}`);
    if (minBytesEach > 0 && n * minBytesEach > this.remaining) throw new HeaderError(`${what} count ${n} exceeds the header size`);
    return n;
  }

  /** A size that must fit in the rest of the header. */
  size(what: string): number {
    const n = this.number();
    if (n > this.remaining) throw new HeaderError(`${what} size ${n} runs past the header end`);
    return n;
  }

  /** Bit vector of n items, most significant bit first. */
  bitVector(n: number): boolean[] {
    const bytes = this.bytes(Math.ceil(n / 8));
    const out = new Array<boolean>(n);
    for (let i = 0; i < n; i++) out[i] = (bytes[i >>> 3]! & (0x80 >>> (i & 7))) !== 0;
    return out;
  }

  /** "AllAreDefined" byte, then a bit vector when it is 0. */
  definedVector(n: number): boolean[] {
    const allDefined = this.byte();
    return allDefined !== 0 ? new Array<boolean>(n).fill(true) : this.bitVector(n);
  }

  expect(id: number, where: string): void {
    const got = this.byte();
    if (got !== id) throw new HeaderError(`expected property 0x${id.toString(16)} in ${where}, found 0x${got.toString(16)}`);
  }
}
