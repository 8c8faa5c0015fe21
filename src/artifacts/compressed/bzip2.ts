/**
 * bzip2 decoder (issue 17: unbzip2-stream's decoder was the largest single cost of a scan; its
 * move-to-front loop shifts up to 255 entries per symbol and every bit and output byte is a call).
 * Written from the format's description:
 *
 *   stream  = 'BZh' level('1'..'9': block size level x 100,000) block* end-marker
 *   block   = 0x314159265359, block CRC (32), randomised (1), origPtr (24),
 *             used-byte bitmap (16 + 16 x 16), groups (3: 2..6), selectors (15: >= 1) as unary
 *             move-to-front indexes, per group delta-coded code lengths (5-bit start, 1..20),
 *             then Huffman symbols (group switched every 50): RUNA/RUNB (bijective base-2 run
 *             of the front byte), MTF index + 1, end-of-block = used bytes + 1
 *   end     = 0x177245385090, combined CRC (32), padding to a byte boundary
 *
 * The decoded symbols are the Burrows-Wheeler transform of the block, inverted with the T vector
 * (origPtr is the row of the original); the result is run-length coded (4 equal bytes, then a
 * count 0..255 of further copies), and the block CRC (CRC-32, polynomial 0x04c11db7 MSB-first, as
 * bzip2 computes it) covers the run-expanded bytes. The stream CRC combines the block CRCs
 * (rotate left 1, xor).
 *
 * Every count is bounded by the block size of the header (at most 900,000), selectors by 18,002
 * (more are read but not kept, as bzip2 1.0.8 does), code lengths by 1..20, runs by the block
 * size; input that ends early or breaks a bound throws a Bzip2Error, never reads out of range.
 * Randomised blocks (written only by bzip2 0.9.0 and older) are refused, as before this decoder.
 */

export class Bzip2Error extends Error {}

/** bzip2 block sizes are 100,000 x the level digit of "BZh1".."BZh9". */
const BLOCK_UNIT = 100_000;
/** Most selectors a block can need (900,000 symbols / 50 + 2); bzip2 1.0.8 ignores the rest. */
const MAX_SELECTORS = 18_002;
const MAX_CODE_LENGTH = 20;
const MAX_GROUPS = 6;
const MAX_ALPHABET = 258;
const GROUP_SIZE = 50;
/** Huffman codes up to this length are decoded by one table look-up; longer ones by the canonical limits. */
const TABLE_BITS = 10;
/** Decoded bytes handed to the caller per chunk. */
export const BZIP2_OUT_CHUNK = 64 * 1024;

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c;
  }
  return t;
})();

/**
 * Per-block scratch, shared by every decoder: a block is decoded synchronously from its first bit
 * to its CRC, so no state survives in these between blocks. The T vector is the only large one
 * (4 bytes x block size); every slot a block reads is written by that block first.
 */
const tVectors = new Map<number, Int32Array>();
const selectors = new Uint8Array(MAX_SELECTORS);
const codeLengths = new Uint8Array(MAX_ALPHABET);
const lookup = new Uint16Array(MAX_GROUPS << TABLE_BITS);
/** Per group and code length: first canonical code, number of codes, offset into `sorted`. */
const firstCode = new Int32Array(MAX_GROUPS * (MAX_CODE_LENGTH + 2));
const codeCount = new Int32Array(MAX_GROUPS * (MAX_CODE_LENGTH + 2));
const codeOffset = new Int32Array(MAX_GROUPS * (MAX_CODE_LENGTH + 2));
/** Per group: the symbols sorted by (code length, symbol), i.e. in canonical code order. */
const sorted = new Uint16Array(MAX_GROUPS * MAX_ALPHABET);
const minLength = new Int32Array(MAX_GROUPS);
const maxLength = new Int32Array(MAX_GROUPS);
const usedBytes = new Uint8Array(256);
const mtf = new Uint8Array(256);
const byteCount = new Int32Array(256);

/**
 * The T vector of the inverse transform: each byte's place in the sorted block linked to its place
 * in the block (`tt[i]`'s upper 24 bits), from the byte counts `byteCount` holds. A function of its
 * own, not the first loops of `inverse`: V8 compiles a long loop's rest on entry (on-stack
 * replacement) before the code after it has run once, and the first block's code, without the type
 * feedback of `inverse`'s next statements, was taken up again by later blocks and gave way at the
 * same statement in each (47 deoptimisations on tree-100k's 1,056 `.bz2` files, docs/performance.md
 * "Session 32").
 */
function linkTVector(tt: Int32Array, length: number): void {
  let sum = 0;
  for (let b = 0; b < 256; b++) {
    const c = byteCount[b]!;
    byteCount[b] = sum;
    sum += c;
  }
  for (let i = 0; i < length; i++) {
    const slot = byteCount[tt[i]! & 0xff]!++;
    tt[slot] = tt[slot]! | (i << 8);
  }
}

/**
 * Reads a bzip2 stream (or several concatenated) from input chunks. Bits are taken from the
 * current chunk as far as possible and the next chunk is pulled only when a bit of it is needed,
 * so the input read (counted by the caller) ends at the last bit used.
 */
export class Bzip2Decoder {
  private chunk: Uint8Array = new Uint8Array(0);
  private at = 0;
  /** Up to 32 bits not yet consumed, the oldest highest; `count` of them are valid. */
  private acc = 0;
  private count = 0;
  private blockSize = 0;
  private streamCrc = 0;
  /** Selectors kept for the current block. */
  private keptSelectors = 0;

  constructor(private readonly nextChunk: () => Uint8Array | null) {}

  /** More input follows the current position (another stream after an end marker). */
  hasMoreInput(): boolean {
    return this.count > 0 || this.at < this.chunk.length || this.pull();
  }

  /** 'BZh' and the level digit; starts a stream. */
  readStreamHeader(): void {
    if (this.bits(24) !== 0x425a68) throw new Bzip2Error('no bzip2 stream header (BZh)');
    const level = this.bits(8) - 0x30;
    if (level < 1 || level > 9) throw new Bzip2Error('bzip2 block size level is not 1-9');
    this.blockSize = level * BLOCK_UNIT;
    this.streamCrc = 0;
  }

  /**
   * Decodes the next block of the current stream and hands its bytes to `out` in chunks of
   * BZIP2_OUT_CHUNK (the last, shorter one only once the block CRC matched). When `out` returns
   * false it gets nothing more, but the rest of the block is still run through: its CRC covers
   * every byte of the block, so a damaged block is reported even when the caller needed only a
   * prefix. Returns false at the stream's end marker (whose combined CRC is checked).
   */
  readBlock(out: (chunk: Buffer) => boolean): boolean {
    const magicHigh = this.bits(24);
    const magicLow = this.bits(24);
    if (magicHigh === 0x177245 && magicLow === 0x385090) {
      const stored = ((this.bits(16) << 16) | this.bits(16)) >>> 0;
      if (stored !== this.streamCrc >>> 0) throw new Bzip2Error('stream CRC mismatch');
      this.count -= this.count & 7; // the stream ends on a byte boundary
      return false;
    }
    if (magicHigh !== 0x314159 || magicLow !== 0x265359) throw new Bzip2Error('no block header where one is due');
    const blockCrc = ((this.bits(16) << 16) | this.bits(16)) >>> 0;
    if (this.bits(1)) throw new Bzip2Error('randomised block (bzip2 0.9.0 and older) not supported');
    const origPtr = this.bits(24);
    const alphabet = this.readTables();
    const length = this.readSymbols(alphabet);
    if (origPtr >= length) throw new Bzip2Error('origPtr outside the block');
    const crc = this.inverse(length, origPtr, blockCrc, out);
    if (crc !== blockCrc) throw new Bzip2Error('block CRC mismatch');
    this.streamCrc = ((this.streamCrc << 1) | (this.streamCrc >>> 31)) ^ crc;
    return true;
  }

  /** Used-byte bitmap, selectors and the Huffman tables; returns the alphabet size. */
  private readTables(): number {
    const ranges = this.bits(16);
    let used = 0;
    for (let r = 0; r < 16; r++) {
      if (!(ranges & (0x8000 >>> r))) continue;
      const bitsOfRange = this.bits(16);
      for (let b = 0; b < 16; b++) if (bitsOfRange & (0x8000 >>> b)) usedBytes[used++] = r * 16 + b;
    }
    if (used === 0) throw new Bzip2Error('block uses no byte values');
    const alphabet = used + 2;
    const groups = this.bits(3);
    if (groups < 2 || groups > MAX_GROUPS) throw new Bzip2Error('Huffman group count is not 2-6');
    const nSelectors = this.bits(15);
    if (nSelectors === 0) throw new Bzip2Error('block has no selectors');
    // Selectors are move-to-front indexes over the groups, in unary.
    const order = [0, 1, 2, 3, 4, 5];
    for (let s = 0; s < nSelectors; s++) {
      let j = 0;
      while (this.bits(1)) if (++j >= groups) throw new Bzip2Error('selector out of range');
      const g = order[j]!;
      for (; j > 0; j--) order[j] = order[j - 1]!;
      order[0] = g;
      if (s < MAX_SELECTORS) selectors[s] = g;
    }
    this.keptSelectors = Math.min(nSelectors, MAX_SELECTORS);
    for (let g = 0; g < groups; g++) {
      let len = this.bits(5);
      for (let sym = 0; sym < alphabet; sym++) {
        for (;;) {
          if (len < 1 || len > MAX_CODE_LENGTH) throw new Bzip2Error('Huffman code length outside 1-20');
          if (!this.bits(1)) break;
          len += this.bits(1) ? -1 : 1;
        }
        codeLengths[sym] = len;
      }
      buildGroup(g, alphabet);
    }
    return alphabet;
  }

  /**
   * Huffman symbols through RUNA/RUNB and move-to-front into the T vector; returns the block
   * length. The hot loop: the bit buffer lives in locals and most codes are one table look-up.
   */
  private readSymbols(alphabet: number): number {
    const limit = this.blockSize;
    let tt = tVectors.get(limit);
    if (!tt) tVectors.set(limit, (tt = new Int32Array(limit)));
    for (let i = 0; i < alphabet - 2; i++) mtf[i] = usedBytes[i]!;
    byteCount.fill(0);
    const endOfBlock = alphabet - 1;
    let length = 0;
    let run = 0;
    let weight = 1;
    let selector = 0;
    let left = 0;
    let group = 0;
    let table = 0;
    let acc = this.acc;
    let count = this.count;
    let at = this.at;
    let input = this.chunk;
    for (;;) {
      if (left === 0) {
        if (selector >= this.keptSelectors) throw new Bzip2Error('more symbols than selectors');
        group = selectors[selector++]!;
        table = group << TABLE_BITS;
        left = GROUP_SIZE;
      }
      left--;
      while (count <= 24 && at < input.length) {
        acc = (acc << 8) | input[at++]!;
        count += 8;
      }
      let sym: number;
      const entry = count >= MAX_CODE_LENGTH ? lookup[table | ((acc >>> (count - TABLE_BITS)) & ((1 << TABLE_BITS) - 1))]! : 0;
      if (entry !== 0) {
        count -= entry & 31;
        sym = entry >>> 5;
      } else {
        this.acc = acc;
        this.count = count;
        this.at = at;
        sym = this.longSymbol(group);
        acc = this.acc;
        count = this.count;
        at = this.at;
        input = this.chunk;
      }
      if (sym <= 1) {
        // RUNA adds weight, RUNB twice the weight; the weight doubles with each.
        run += weight << sym;
        weight <<= 1;
        if (run > limit) throw new Bzip2Error('run longer than the block');
        continue;
      }
      if (run > 0) {
        if (length + run > limit) throw new Bzip2Error('block longer than its declared size');
        const b = mtf[0]!;
        byteCount[b] += run;
        if (run < 16) for (let k = 0; k < run; k++) tt[length + k] = b;
        else tt.fill(b, length, length + run);
        length += run;
        run = 0;
        weight = 1;
      }
      if (sym === endOfBlock) break;
      if (length >= limit) throw new Bzip2Error('block longer than its declared size');
      const index = sym - 1;
      const b = mtf[index]!;
      if (index < 24) for (let k = index; k > 0; k--) mtf[k] = mtf[k - 1]!;
      else mtf.copyWithin(1, 0, index);
      mtf[0] = b;
      byteCount[b]++;
      tt[length++] = b;
    }
    this.acc = acc;
    this.count = count;
    this.at = at;
    return length;
  }

  /**
   * A symbol the look-up table does not settle: a code longer than TABLE_BITS, or fewer than 20
   * bits left in the current chunk (then only the bits the code needs are read).
   */
  private longSymbol(group: number): number {
    const base = group * (MAX_CODE_LENGTH + 2);
    const max = maxLength[group]!;
    if (this.count >= MAX_CODE_LENGTH) {
      for (let len = TABLE_BITS + 1; len <= max; len++) {
        const k = ((this.acc >>> (this.count - len)) & ((1 << len) - 1)) - firstCode[base + len]!;
        if (k >= 0 && k < codeCount[base + len]!) {
          this.count -= len;
          return sorted[group * MAX_ALPHABET + codeOffset[base + len]! + k]!;
        }
      }
      throw new Bzip2Error('invalid Huffman code');
    }
    let len = minLength[group]!;
    let code = this.bits(len);
    for (;;) {
      const k = code - firstCode[base + len]!;
      if (k >= 0 && k < codeCount[base + len]!) return sorted[group * MAX_ALPHABET + codeOffset[base + len]! + k]!;
      if (++len > max) throw new Bzip2Error('invalid Huffman code');
      code = (code << 1) | this.bits(1);
    }
  }

  /**
   * Inverse Burrows-Wheeler transform (T vector), then the run-length stage, the block CRC and
   * the output chunks. Returns the block CRC of everything decoded.
   */
  private inverse(length: number, origPtr: number, blockCrc: number, out: (chunk: Buffer) => boolean): number {
    const tt = tVectors.get(this.blockSize)!;
    linkTVector(tt, length);
    let pos = tt[origPtr]! >>> 8;
    let crc = -1;
    let last = -1;
    let run = 0;
    let open = true;
    let chunk = Buffer.allocUnsafe(BZIP2_OUT_CHUNK);
    let used = 0;
    for (let n = 0; n < length; n++) {
      const entry = tt[pos]!;
      pos = entry >>> 8;
      const b = entry & 0xff;
      if (run !== 4) {
        if (b === last) run++;
        else {
          last = b;
          run = 1;
        }
        crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff]!;
        if (!open) continue;
        chunk[used++] = b;
        if (used === BZIP2_OUT_CHUNK) {
          open = out(chunk);
          if (open) chunk = Buffer.allocUnsafe(BZIP2_OUT_CHUNK);
          used = 0;
        }
        continue;
      }
      // After four equal bytes, this one counts further copies of them.
      for (let copies = b; copies > 0; copies--) {
        crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ last) & 0xff]!;
        if (!open) continue;
        chunk[used++] = last;
        if (used === BZIP2_OUT_CHUNK) {
          open = out(chunk);
          if (open) chunk = Buffer.allocUnsafe(BZIP2_OUT_CHUNK);
          used = 0;
        }
      }
      run = 0;
      last = -1;
    }
    crc = ~crc >>> 0;
    if (open && used > 0 && crc === blockCrc) out(chunk.subarray(0, used));
    return crc;
  }

  /** The next n bits (n <= 24), pulling input as needed. */
  private bits(n: number): number {
    while (this.count < n) {
      if (this.at >= this.chunk.length && !this.pull()) throw new Bzip2Error('input stream ended prematurely');
      this.acc = (this.acc << 8) | this.chunk[this.at++]!;
      this.count += 8;
    }
    this.count -= n;
    return (this.acc >>> this.count) & ((1 << n) - 1);
  }

  private pull(): boolean {
    for (;;) {
      const next = this.nextChunk();
      if (next === null) return false;
      this.chunk = next;
      this.at = 0;
      if (next.length > 0) return true;
    }
  }
}

/** Canonical Huffman tables of one group from `codeLengths` (codes ordered by length, then symbol). */
function buildGroup(g: number, alphabet: number): void {
  const base = g * (MAX_CODE_LENGTH + 2);
  let min = MAX_CODE_LENGTH;
  let max = 1;
  codeCount.fill(0, base, base + MAX_CODE_LENGTH + 2);
  for (let s = 0; s < alphabet; s++) {
    const len = codeLengths[s]!;
    codeCount[base + len]!++;
    if (len < min) min = len;
    if (len > max) max = len;
  }
  minLength[g] = min;
  maxLength[g] = max;
  let code = 0;
  let offset = 0;
  for (let len = 1; len <= MAX_CODE_LENGTH; len++) {
    firstCode[base + len] = code;
    codeOffset[base + len] = offset;
    offset += codeCount[base + len]!;
    code = (code + codeCount[base + len]!) * 2;
  }
  const symbols = g * MAX_ALPHABET;
  const next = codeOffset.slice(base, base + MAX_CODE_LENGTH + 1);
  for (let s = 0; s < alphabet; s++) sorted[symbols + next[codeLengths[s]!]!++] = s;
  // Table entries: symbol << 5 | code length, for every TABLE_BITS-bit prefix a short code starts.
  const table = g << TABLE_BITS;
  lookup.fill(0, table, table + (1 << TABLE_BITS));
  for (let len = min; len <= Math.min(max, TABLE_BITS); len++) {
    const shift = TABLE_BITS - len;
    for (let k = 0; k < codeCount[base + len]!; k++) {
      const start = (firstCode[base + len]! + k) * (1 << shift);
      if (start >= 1 << TABLE_BITS) break; // an over-full (damaged) code: the rest cannot be reached
      const entry = (sorted[symbols + codeOffset[base + len]! + k]! << 5) | len;
      lookup.fill(entry, table + start, table + Math.min(start + (1 << shift), 1 << TABLE_BITS));
    }
  }
}
