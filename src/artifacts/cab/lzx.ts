/**
 * LZX as Microsoft Cabinets use it (MS-PATCH's LZX DELTA without the delta, as makecab writes with
 * `CompressionType=LZX`): one bit stream per folder, read as 16-bit little-endian words, most
 * significant bit first; verbatim, aligned-offset and uncompressed blocks; the main, length and
 * aligned Huffman trees, their code lengths sent as differences from the previous block's through a
 * 20-symbol pretree; three repeated offsets; output in frames of 32 KiB, the bit stream realigned to
 * a word after each; and the E8 call translation of x86 code, undone on each frame's copy (the
 * window keeps the bytes as decoded). Facts from the format (Microsoft's LZX DELTA specification and
 * the CAB format); the code is this project's. Every length and offset comes from the evidence: a
 * match reaching before the output's start, a code no tree has, or a stream that ends early stops
 * the decoding with what was decoded.
 */

const FRAME = 32_768;
const MIN_MATCH = 2;
const NUM_CHARS = 256;
const PRETREE_SYMBOLS = 20;
const LENGTH_SYMBOLS = 249;
const ALIGNED_SYMBOLS = 8;
const MAX_CODE_BITS = 16;

const BLOCK_VERBATIM = 1;
const BLOCK_ALIGNED = 2;
const BLOCK_UNCOMPRESSED = 3;

/** Position slots per window size (2^15 .. 2^21). */
const POSITION_SLOTS: Readonly<Record<number, number>> = { 15: 30, 16: 32, 17: 34, 18: 36, 19: 38, 20: 42, 21: 50 };

/** Extra bits and base of each position slot (the table the format derives: slots 4 and on add a bit every two, up to 17). */
const EXTRA_BITS: number[] = [];
const POSITION_BASE: number[] = [];
for (let slot = 0, base = 0; slot < 51; slot++) {
  const extra = slot < 4 ? 0 : Math.min(17, (slot >> 1) - 1);
  EXTRA_BITS.push(extra);
  POSITION_BASE.push(base);
  base += 1 << extra;
}

export interface LzxOutput {
  data: Buffer;
  /** Why the decoding stopped before `size` bytes (the data holds what came before). */
  error?: string;
}

class Damaged extends Error {}

/** The bit reader: words of 16 bits, little-endian, taken most significant bit first. */
class Bits {
  pos = 0;
  private buf = 0;
  /** Bits held in `buf` (at most 31). */
  n = 0;
  /** Words read past the input's end (as zeros); a few are normal at the end of a stream. */
  overrun = 0;

  constructor(private readonly input: Buffer) {}

  ensure(k: number): void {
    while (this.n < k) {
      let word = 0;
      if (this.pos + 1 < this.input.length) word = this.input[this.pos]! | (this.input[this.pos + 1]! << 8);
      else if (++this.overrun > 8) throw new Damaged('the compressed data ends early');
      this.pos += 2;
      this.buf = ((this.buf << 16) | word) >>> 0;
      this.n += 16;
    }
  }

  peek(k: number): number {
    return (this.buf >>> (this.n - k)) & ((1 << k) - 1);
  }

  remove(k: number): void {
    this.n -= k;
    this.buf &= this.n === 0 ? 0 : 0xffffffff >>> (32 - this.n);
  }

  /** `k` bits (up to 17: more than 16 are read in two parts). */
  read(k: number): number {
    if (k === 0) return 0;
    if (k > 16) {
      const high = this.read(k - 16);
      return high * 65536 + this.read(16);
    }
    this.ensure(k);
    const v = this.peek(k);
    this.remove(k);
    return v;
  }

  /** To the next word, as an uncompressed block's header wants: 1 to 16 bits dropped (a whole word when aligned). */
  alignForRaw(): void {
    this.ensure(16);
    if (this.n > 16) this.pos -= 2;
    this.n = 0;
    this.buf = 0;
  }

  /** After each frame: what is left of the current word is dropped. */
  alignFrame(): void {
    if (this.n > 0) this.ensure(16);
    this.remove(this.n & 15);
  }
}

/** A canonical Huffman code as a table indexed by the next `bits` bits: symbol << 5 | length (0: no code). */
class Tree {
  table: Uint32Array = new Uint32Array(0);
  bits = 0;

  constructor(readonly lengths: Uint8Array) {}

  build(): void {
    let max = 0;
    for (const l of this.lengths) if (l > max) max = l;
    this.bits = max;
    this.table = new Uint32Array(max === 0 ? 1 : 1 << max);
    if (max === 0) return;
    const count = new Uint32Array(MAX_CODE_BITS + 1);
    for (const l of this.lengths) if (l) count[l]!++;
    const next = new Uint32Array(MAX_CODE_BITS + 1);
    // Codes of one length in symbol order, shorter codes first (canonical).
    let code = 0;
    for (let len = 1; len <= max; len++) {
      next[len] = code;
      code = (code + count[len]!) << 1;
    }
    for (let sym = 0; sym < this.lengths.length; sym++) {
      const len = this.lengths[sym]!;
      if (!len) continue;
      const c = next[len]!++;
      if (c >= 1 << len) throw new Damaged('a Huffman tree has more codes than its lengths allow');
      const first = c << (max - len);
      const fill = 1 << (max - len);
      for (let i = 0; i < fill; i++) this.table[first + i] = (sym << 5) | len;
    }
  }

  decode(bits: Bits): number {
    if (this.bits === 0) throw new Damaged('a symbol of an empty Huffman tree');
    bits.ensure(this.bits);
    const e = this.table[bits.peek(this.bits)]!;
    if (e === 0) throw new Damaged('a code no Huffman tree has');
    bits.remove(e & 31);
    return e >>> 5;
  }
}

/** Code lengths `from`..`to` of `lengths`, sent as differences through a pretree (they persist from block to block). */
function readLengths(bits: Bits, lengths: Uint8Array, from: number, to: number): void {
  const pretree = new Tree(new Uint8Array(PRETREE_SYMBOLS));
  for (let i = 0; i < PRETREE_SYMBOLS; i++) pretree.lengths[i] = bits.read(4);
  pretree.build();
  for (let i = from; i < to; ) {
    const z = pretree.decode(bits);
    if (z === 17) {
      let run = 4 + bits.read(4);
      while (run-- > 0 && i < to) lengths[i++] = 0;
    } else if (z === 18) {
      let run = 20 + bits.read(5);
      while (run-- > 0 && i < to) lengths[i++] = 0;
    } else if (z === 19) {
      let run = 4 + bits.read(1);
      const y = pretree.decode(bits);
      if (y > 16) throw new Damaged('a repeated code length out of range');
      const v = (lengths[i]! + 17 - y) % 17;
      while (run-- > 0 && i < to) lengths[i++] = v;
    } else {
      lengths[i] = (lengths[i]! + 17 - z) % 17;
      i++;
    }
  }
}

/** Undoes the E8 translation of one frame in place (`start`: the frame's place in the output). */
function undoE8(frame: Buffer, start: number, fileSize: number): void {
  if (frame.length <= 10) return;
  const end = frame.length - 10;
  for (let i = 0; i < end; ) {
    if (frame[i] !== 0xe8) {
      i++;
      continue;
    }
    const cur = start + i;
    const abs = frame.readInt32LE(i + 1);
    if (abs >= -cur && abs < fileSize) frame.writeInt32LE(abs >= 0 ? abs - cur : abs + fileSize, i + 1);
    i += 5;
  }
}

/**
 * A folder's LZX stream decoded to `size` bytes (the CFDATA blocks' uncompressed sizes added; the
 * caller has bounded it). `windowBits`: typeCompress's window size, 15-21.
 */
export function decodeLzx(input: Buffer, windowBits: number, size: number): LzxOutput {
  const slots = POSITION_SLOTS[windowBits];
  if (slots === undefined) return { data: Buffer.alloc(0), error: `LZX window of 2^${windowBits} bytes is not one the format has` };
  const out = Buffer.alloc(size);
  const bits = new Bits(input);
  let at = 0;
  let e8Size = 0;
  let error: string | undefined;
  const mainLengths = new Uint8Array(NUM_CHARS + slots * 8);
  const lengthLengths = new Uint8Array(LENGTH_SYMBOLS);
  const main = new Tree(mainLengths);
  const length = new Tree(lengthLengths);
  const aligned = new Tree(new Uint8Array(ALIGNED_SYMBOLS));
  let r0 = 1;
  let r1 = 1;
  let r2 = 1;
  let blockType = 0;
  let blockLeft = 0;
  let blockLength = 0;
  try {
    if (bits.read(1)) e8Size = bits.read(16) * 65536 + bits.read(16);
    while (at < size) {
      const frameEnd = Math.min(size, (Math.floor(at / FRAME) + 1) * FRAME);
      while (at < frameEnd) {
        if (blockLeft === 0) {
          if (blockType === BLOCK_UNCOMPRESSED && blockLength & 1) bits.pos++;
          blockType = bits.read(3);
          blockLeft = blockLength = bits.read(16) * 256 + bits.read(8);
          if (blockType === BLOCK_ALIGNED) {
            for (let i = 0; i < ALIGNED_SYMBOLS; i++) aligned.lengths[i] = bits.read(3);
            aligned.build();
          }
          if (blockType === BLOCK_VERBATIM || blockType === BLOCK_ALIGNED) {
            readLengths(bits, mainLengths, 0, NUM_CHARS);
            readLengths(bits, mainLengths, NUM_CHARS, mainLengths.length);
            main.build();
            readLengths(bits, lengthLengths, 0, LENGTH_SYMBOLS);
            length.build();
          } else if (blockType === BLOCK_UNCOMPRESSED) {
            bits.alignForRaw();
            if (bits.pos + 12 > input.length) throw new Damaged('the compressed data ends early');
            r0 = input.readUInt32LE(bits.pos);
            r1 = input.readUInt32LE(bits.pos + 4);
            r2 = input.readUInt32LE(bits.pos + 8);
            bits.pos += 12;
          } else throw new Damaged(`block type ${blockType}`);
          if (blockLength === 0) throw new Damaged('an empty block');
        }
        if (blockType === BLOCK_UNCOMPRESSED) {
          const n = Math.min(blockLeft, frameEnd - at, input.length - bits.pos);
          if (n <= 0) throw new Damaged('the compressed data ends early');
          input.copy(out, at, bits.pos, bits.pos + n);
          bits.pos += n;
          at += n;
          blockLeft -= n;
          continue;
        }
        // Verbatim and aligned blocks: up to the frame's end or the block's (a match may run past the frame).
        let run = Math.min(blockLeft, frameEnd - at);
        while (run > 0) {
          const sym = main.decode(bits);
          if (sym < NUM_CHARS) {
            out[at++] = sym;
            run--;
            blockLeft--;
            continue;
          }
          const m = sym - NUM_CHARS;
          let matchLength = m & 7;
          if (matchLength === 7) matchLength += length.decode(bits);
          matchLength += MIN_MATCH;
          const slot = m >> 3;
          let offset: number;
          if (slot === 0) offset = r0;
          else if (slot === 1) {
            offset = r1;
            r1 = r0;
            r0 = offset;
          } else if (slot === 2) {
            offset = r2;
            r2 = r0;
            r0 = offset;
          } else {
            const extra = EXTRA_BITS[slot]!;
            offset = POSITION_BASE[slot]! - 2;
            if (blockType === BLOCK_ALIGNED && extra >= 3) {
              offset += bits.read(extra - 3) * 8;
              offset += aligned.decode(bits);
            } else if (extra > 0) offset += bits.read(extra);
            else offset = 1;
            r2 = r1;
            r1 = r0;
            r0 = offset;
          }
          if (offset > at || offset <= 0) throw new Damaged(`a match ${offset} bytes back at byte ${at}`);
          if (matchLength > blockLeft) throw new Damaged('a match runs past its block');
          const n = Math.min(matchLength, size - at);
          for (let i = 0; i < n; i++, at++) out[at] = out[at - offset]!;
          run -= matchLength;
          blockLeft -= matchLength;
        }
      }
      // The frame is done (a match may have run past it: the next frame then starts later).
      if (at >= frameEnd) bits.alignFrame();
    }
  } catch (err) {
    if (!(err instanceof Damaged)) throw err;
    error = `LZX: ${err.message}`;
  }
  const data = error ? out.subarray(0, at) : out;
  if (e8Size !== 0) {
    // The E8 translation is undone on a copy of each frame, as the decoder hands frames out, for the first 32,768 frames.
    const copy = Buffer.from(data);
    for (let start = 0; start < copy.length && start < FRAME * 32_768; start += FRAME) undoE8(copy.subarray(start, Math.min(copy.length, start + FRAME)), start, e8Size);
    return error ? { data: copy, error } : { data: copy };
  }
  return error ? { data, error } : { data };
}
