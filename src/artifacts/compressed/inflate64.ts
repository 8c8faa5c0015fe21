/**
 * Deflate64 ("enhanced deflate", PKWARE's ZIP method 9, 7-Zip's coder 040109): deflate with a 64 KiB
 * window, length code 285 meaning 3 plus 16 extra bits (instead of 258), and distance codes 30 and 31
 * (32,769 and 49,153, 14 extra bits). zlib does not read it; Windows Explorer writes it for large
 * files in a "compressed folder", 7-Zip on request. The stored, fixed and dynamic blocks are
 * deflate's (RFC 1951); the differences are the tables below. Facts from the formats; the code is
 * this project's. Bounded by `maxOutput`; damage stops it with what was decoded.
 */
import type { Decompressed } from './flat.js';

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 3];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 16];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577, 32769, 49153];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14];
/** The order the code-length code's lengths are sent in (RFC 1951, 3.2.7). */
const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
const MAX_BITS = 15;
/** Bytes read past the input's end as zeros before the stream is said cut (a last code may be short of a whole byte). */
const SLACK_BYTES = 4;

class Damaged extends Error {}

/** Bits least significant first, as deflate packs them. */
class Bits {
  private pos = 0;
  private buf = 0;
  private n = 0;

  constructor(private readonly input: Buffer) {}

  need(k: number): void {
    while (this.n < k) {
      if (this.pos >= this.input.length + SLACK_BYTES) throw new Damaged('the stream ends early');
      const byte = this.pos < this.input.length ? this.input[this.pos]! : 0;
      this.pos++;
      this.buf = (this.buf | (byte << this.n)) >>> 0;
      this.n += 8;
    }
  }

  bits(k: number): number {
    if (k === 0) return 0;
    this.need(k);
    const v = this.buf & (k === 32 ? 0xffffffff : (1 << k) - 1);
    this.buf = k === 32 ? 0 : this.buf >>> k;
    this.n -= k;
    return v >>> 0;
  }

  peek(k: number): number {
    this.need(k);
    return this.buf & ((1 << k) - 1);
  }

  drop(k: number): void {
    this.buf >>>= k;
    this.n -= k;
  }

  /** To the next byte (a stored block's LEN and NLEN start there). */
  align(): void {
    this.drop(this.n & 7);
  }

  /** A stored block's bytes as they lie (after `align` and its LEN and NLEN). */
  bytes(count: number): Buffer {
    // Whole bytes already in the buffer go back to the input.
    this.pos -= this.n >> 3;
    this.buf = 0;
    this.n = 0;
    if (this.pos + count > this.input.length) throw new Damaged('a stored block runs past the end of the stream');
    const out = this.input.subarray(this.pos, this.pos + count);
    this.pos += count;
    return out;
  }
}

/** A canonical code as a table indexed by the next `bits` bits (least significant first): symbol << 4 | length. */
class Huffman {
  readonly table: Int32Array;
  readonly bits: number;

  constructor(lengths: ArrayLike<number>) {
    let max = 0;
    for (let i = 0; i < lengths.length; i++) if (lengths[i]! > max) max = lengths[i]!;
    this.bits = max;
    this.table = new Int32Array(1 << Math.max(1, max)).fill(-1);
    const count = new Array<number>(MAX_BITS + 1).fill(0);
    for (let i = 0; i < lengths.length; i++) count[lengths[i]!]!++;
    count[0] = 0;
    const next = new Array<number>(MAX_BITS + 2).fill(0);
    for (let len = 1, code = 0; len <= MAX_BITS; len++) {
      code = (code + count[len - 1]!) << 1;
      next[len] = code;
    }
    for (let sym = 0; sym < lengths.length; sym++) {
      const len = lengths[sym]!;
      if (!len) continue;
      const code = next[len]!++;
      if (code >= 1 << len) throw new Damaged('a Huffman code has more codes than its lengths allow');
      let reversed = 0;
      for (let i = 0; i < len; i++) reversed |= ((code >> i) & 1) << (len - 1 - i);
      for (let fill = reversed; fill < 1 << max; fill += 1 << len) this.table[fill] = (sym << 4) | len;
    }
  }

  decode(b: Bits): number {
    if (this.bits === 0) throw new Damaged('a symbol of an empty Huffman code');
    const e = this.table[b.peek(this.bits)]!;
    if (e < 0) throw new Damaged('a code no Huffman code has');
    b.drop(e & 15);
    return e >> 4;
  }
}

let fixed: { lit: Huffman; dist: Huffman } | null = null;

function fixedCodes(): { lit: Huffman; dist: Huffman } {
  if (!fixed) {
    const lit = new Array<number>(288);
    for (let i = 0; i < 288; i++) lit[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
    fixed = { lit: new Huffman(lit), dist: new Huffman(new Array<number>(32).fill(5)) };
  }
  return fixed;
}

function dynamicCodes(b: Bits): { lit: Huffman; dist: Huffman } {
  const hlit = b.bits(5) + 257;
  const hdist = b.bits(5) + 1;
  const hclen = b.bits(4) + 4;
  const clen = new Array<number>(19).fill(0);
  for (let i = 0; i < hclen; i++) clen[CLEN_ORDER[i]!] = b.bits(3);
  const codeLengths = new Huffman(clen);
  const lengths = new Array<number>(hlit + hdist).fill(0);
  for (let i = 0; i < hlit + hdist; ) {
    const sym = codeLengths.decode(b);
    if (sym < 16) {
      lengths[i++] = sym;
      continue;
    }
    let repeat: number;
    let value = 0;
    if (sym === 16) {
      if (i === 0) throw new Damaged('a repeated code length with none before it');
      value = lengths[i - 1]!;
      repeat = 3 + b.bits(2);
    } else if (sym === 17) repeat = 3 + b.bits(3);
    else repeat = 11 + b.bits(7);
    if (i + repeat > hlit + hdist) throw new Damaged('code lengths run past their count');
    while (repeat-- > 0) lengths[i++] = value;
  }
  if (lengths[256] === 0) throw new Damaged('a block without an end-of-block code');
  return { lit: new Huffman(lengths.slice(0, hlit)), dist: new Huffman(lengths.slice(hlit)) };
}

/** A raw Deflate64 stream, decoded to at most `maxOutput` bytes. */
export function inflate64(input: Buffer, maxOutput: number): Decompressed {
  let out = Buffer.alloc(Math.min(maxOutput, Math.max(65_536, input.length * 4)));
  let at = 0;
  const room = (n: number): boolean => {
    if (at + n <= out.length) return true;
    if (at + n > maxOutput) return false;
    const grown = Buffer.alloc(Math.min(maxOutput, Math.max(at + n, out.length * 2)));
    out.copy(grown, 0, 0, at);
    out = grown;
    return true;
  };
  const b = new Bits(input);
  try {
    for (let last = 0; !last; ) {
      last = b.bits(1);
      const type = b.bits(2);
      if (type === 0) {
        b.align();
        const len = b.bits(16);
        const nlen = b.bits(16);
        if ((len ^ 0xffff) !== nlen) throw new Damaged('a stored block\'s length and its complement differ');
        const data = b.bytes(len);
        if (!room(len)) return { data: out.subarray(0, at), cut: true, error: null };
        data.copy(out, at);
        at += len;
        continue;
      }
      if (type === 3) throw new Damaged('block type 3');
      const { lit, dist } = type === 1 ? fixedCodes() : dynamicCodes(b);
      for (;;) {
        const sym = lit.decode(b);
        if (sym < 256) {
          if (!room(1)) return { data: out.subarray(0, at), cut: true, error: null };
          out[at++] = sym;
          continue;
        }
        if (sym === 256) break;
        const li = sym - 257;
        if (li >= LENGTH_BASE.length) throw new Damaged(`length code ${sym}`);
        const length = LENGTH_BASE[li]! + b.bits(LENGTH_EXTRA[li]!);
        const di = dist.decode(b);
        if (di >= DIST_BASE.length) throw new Damaged(`distance code ${di}`);
        const distance = DIST_BASE[di]! + b.bits(DIST_EXTRA[di]!);
        if (distance > at) throw new Damaged(`a match ${distance} bytes back at byte ${at}`);
        if (!room(length)) return { data: out.subarray(0, at), cut: true, error: null };
        for (let i = 0; i < length; i++, at++) out[at] = out[at - distance]!;
      }
    }
  } catch (err) {
    if (!(err instanceof Damaged)) throw err;
    return { data: out.subarray(0, at), cut: false, error: `Deflate64: ${err.message}` };
  }
  return { data: out.subarray(0, at), cut: false, error: null };
}
