/**
 * What RAR's own compression reads its input with: bits taken from the most significant end of each
 * byte, and canonical Huffman codes of at most 15 bits given by their lengths (codes ordered by
 * length, then by symbol, as deflate's are, but read MSB first). Shared by RAR 5's decoder
 * (unpack5.ts) and RAR 2.9's (unpack29.ts).
 *
 * Reads past the end of the input give zero bits, as unrar's buffer does; the decoders stop on
 * `overrun()` so that a cut stream ends with an error, never loops on zeros.
 */

export class MsbBits {
  /** Bit position from the start of `input`. */
  pos = 0;
  readonly endBit: number;

  constructor(readonly input: Uint8Array) {
    this.endBit = input.length * 8;
  }

  /** The next 16 bits, first bit highest, without taking them. */
  peek16(): number {
    const at = this.pos >>> 3;
    const b = this.input;
    const word = ((b[at] ?? 0) << 16) | ((b[at + 1] ?? 0) << 8) | (b[at + 2] ?? 0);
    return (word >>> (8 - (this.pos & 7))) & 0xffff;
  }

  skip(n: number): void {
    this.pos += n;
  }

  /** `n` bits (0..16) as a number, first bit highest. */
  bits(n: number): number {
    if (n === 0) return 0;
    const v = this.peek16() >>> (16 - n);
    this.pos += n;
    return v;
  }

  /** `n` bits (0..48), for the long distances. */
  wide(n: number): number {
    let value = 0;
    for (; n > 16; n -= 16) value = value * 0x10000 + this.bits(16);
    return value * 2 ** n + this.bits(n);
  }

  /** Moves to the next byte boundary (RAR 5's block headers and RAR 2.9's table starts are aligned). */
  align(): void {
    this.pos = (this.pos + 7) & ~7;
  }

  /** Past the input by more than the few bytes a decoder may peek. */
  overrun(): boolean {
    return this.pos > this.endBit;
  }
}

const QUICK_BITS = 10;

/**
 * A canonical Huffman code from its code lengths (0 = symbol unused). Decoding looks up the first
 * 10 bits, and walks the lengths for longer codes. A code the lengths do not define (an incomplete
 * table, or damage) decodes to -1.
 */
export class HuffmanTable {
  /** For each length 1..15, the first left-aligned 16-bit code longer than it (unrar's DecodeLen). */
  private readonly limit = new Uint32Array(17);
  /** Index in `symbols` of each length's first code, and how many codes each length has. */
  private readonly first = new Uint32Array(17);
  private readonly perLength = new Uint32Array(16);
  private readonly symbols: Uint16Array;
  /** symbol << 4 | length for each 10-bit prefix whose code is at most 10 bits; 0 when longer or undefined. */
  private readonly quick = new Uint32Array(1 << QUICK_BITS);

  constructor(lengths: ArrayLike<number>, count: number) {
    const perLength = this.perLength;
    for (let i = 0; i < count; i++) perLength[lengths[i]! & 15]!++;
    perLength[0] = 0;
    let code = 0;
    let index = 0;
    for (let len = 1; len <= 15; len++) {
      this.first[len] = index;
      index += perLength[len]!;
      code += perLength[len]!;
      // A damaged table may claim more codes than the length holds: the limit stays within 16 bits.
      this.limit[len] = Math.min(code << (16 - len), 0x10000);
      code <<= 1;
    }
    this.limit[16] = 0x10000;
    this.symbols = new Uint16Array(index);
    const next = this.first.slice(0, 16);
    for (let s = 0; s < count; s++) {
      const len = lengths[s]! & 15;
      if (len !== 0) this.symbols[next[len]!++] = s;
    }
    for (let prefix = 0; prefix < 1 << QUICK_BITS; prefix++) {
      const left = prefix << (16 - QUICK_BITS);
      const found = this.slow(left);
      this.quick[prefix] = found >= 0 && (found & 15) <= QUICK_BITS ? found : 0;
    }
  }

  /** symbol << 4 | length of the code `left` starts with, or -1 where the lengths define none. */
  private slow(left: number): number {
    let len = 1;
    while (len <= 15 && left >= this.limit[len]!) len++;
    if (len > 15) return -1;
    const offset = (left - this.limit[len - 1]!) >>> (16 - len);
    return offset < this.perLength[len]! ? (this.symbols[this.first[len]! + offset]! << 4) | len : -1;
  }

  /** The next symbol from `input`, or -1 where the code is not defined. */
  decode(input: MsbBits): number {
    const left = input.peek16();
    const q = this.quick[left >>> (16 - QUICK_BITS)]!;
    if (q !== 0) {
      input.skip(q & 15);
      return q >>> 4;
    }
    const found = this.slow(left);
    if (found < 0) return -1;
    input.skip(found & 15);
    return found >>> 4;
  }
}

/**
 * A block's code lengths as RAR 2.9 and RAR 5 send them: 20 four-bit lengths of a pre-code (15 then
 * a count is a run of zeros), then `total` lengths in that pre-code: 0-15 a length (RAR 2.9 sends
 * it as its difference from `previous`, the last table's), 16 and 17 repeat the length before, 18
 * and 19 are runs of zeros. Returns null where a code is undefined or the input ran out.
 */
export function readCodeLengths(input: MsbBits, total: number, previous: Uint8Array | null): Uint8Array | null {
  const pre = new Uint8Array(PRE_CODES);
  for (let i = 0; i < PRE_CODES; ) {
    const length = input.bits(4);
    if (length === 15) {
      const zeros = input.bits(4);
      if (zeros === 0) pre[i++] = 15;
      else for (let n = zeros + 2; n > 0 && i < PRE_CODES; n--) pre[i++] = 0;
    } else pre[i++] = length;
  }
  const preCode = new HuffmanTable(pre, PRE_CODES);
  const lengths = new Uint8Array(total);
  for (let i = 0; i < total; ) {
    if (input.overrun()) return null;
    const n = preCode.decode(input);
    if (n < 0) return null;
    if (n < 16) {
      lengths[i] = previous ? (n + previous[i]!) & 0xf : n;
      i++;
    } else if (n < 18) {
      let count = n === 16 ? input.bits(3) + 3 : input.bits(7) + 11;
      if (i > 0) for (; count > 0 && i < total; count--, i++) lengths[i] = lengths[i - 1]!;
    } else {
      let count = n === 18 ? input.bits(3) + 3 : input.bits(7) + 11;
      for (; count > 0 && i < total; count--) lengths[i++] = 0;
    }
  }
  return input.overrun() ? null : lengths;
}

const PRE_CODES = 20;
