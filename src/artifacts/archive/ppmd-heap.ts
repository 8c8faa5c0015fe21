/**
 * What PPMd's two variants share (7z's var.H, sevenzip/ppmd7.ts; ZIP's var.I, zip/ppmd8.ts): their
 * constants; the model's memory, one byte array whose 16- and 32-bit fields all lie at even offsets
 * (units of 12 bytes counted from a multiple of 4, symbol states of 6), read as 16-bit words; symbol
 * states (symbol, frequency, successor); the allocator of units in 38 size classes, whose free blocks
 * each variant marks, lists and glues its own way (`insertNode`, `removeNode`, `glueFreeBlocks`); and
 * the SEE contexts, a row per escape situation, each a mean that adapts; the model's running state,
 * a context's frequency sum, table and suffix, and the two updates that are the same in both
 * (`update1`, and the halving at the start of a rescale). The model's other updates stay in each variant: lines that look alike there differ in a constant or a comparison that the format
 * fixes, and each is read against its own reference.
 */
export const UNIT = 12;
export const STATE = 6;
export const MAX_FREQ = 124;
export const INT_BITS = 7;
export const PERIOD_BITS = 7;
export const BIN_SCALE = 1 << (INT_BITS + PERIOD_BITS);
export const INDEXES = 38;

export const EXP_ESCAPE = Uint8Array.of(25, 14, 9, 7, 5, 5, 4, 4, 4, 3, 3, 3, 2, 2, 2, 2);
export const INIT_BIN_ESC = Uint16Array.of(0x3cdd, 0x1f3f, 0x59bf, 0x48f3, 0x64a1, 0x5abc, 0x6632, 0x6051);

/** Block sizes in units by size class (1, 2, 3, 4, 6, 8, ... 128), the class of each size, and the binary contexts' column by the suffix's symbol count. */
const INDEX_TO_UNITS = new Uint8Array(INDEXES);
const UNITS_TO_INDEX = new Uint8Array(128);
export const COUNT_TO_BIN_COLUMN = new Uint8Array(256);
{
  let units = 0;
  for (let i = 0; i < INDEXES; i++) {
    const step = i >= 12 ? 4 : (i >> 2) + 1;
    for (let s = 0; s < step; s++) UNITS_TO_INDEX[units++] = i;
    INDEX_TO_UNITS[i] = units;
  }
  COUNT_TO_BIN_COLUMN[0] = 0;
  COUNT_TO_BIN_COLUMN[1] = 2;
  COUNT_TO_BIN_COLUMN.fill(4, 2, 11);
  COUNT_TO_BIN_COLUMN.fill(6, 11);
}
export const unitsOf = (index: number): number => INDEX_TO_UNITS[index]!;
export const indexOf = (units: number): number => UNITS_TO_INDEX[units - 1]!;

export abstract class PpmdHeap {
  protected readonly mem: Uint8Array;
  protected readonly words: Uint16Array;
  protected readonly size: number;
  protected readonly align: number;
  protected readonly freeList = new Uint32Array(INDEXES);
  protected glueCount = 0;
  protected loUnit = 0;
  protected hiUnit = 0;
  protected text = 0;
  protected unitsStart = 0;
  /** SEE contexts (`seeContexts` of them, then the dummy one of the order-0 context, which never adapts). */
  protected readonly seeSumm: Uint16Array;
  protected readonly seeShift: Uint8Array;
  protected readonly seeCount: Uint8Array;
  protected readonly dummySee: number;
  /** How often the model restarted and glued its free blocks (what the tests reach). */
  restarts = 0;
  glues = 0;

  // The model's running state, the same in both variants.
  protected readonly maxOrder: number;
  protected readonly charMask = new Int8Array(256);
  protected minContext = 0;
  protected maxContext = 0;
  protected foundState = 0;
  protected orderFall = 0;
  protected initEsc = 0;
  protected prevSuccess = 0;
  protected runLength = 0;
  protected initRL = 0;
  /** Set by each variant's makeEscFreq: the escape frequency of the SEE context it returns (no object per escape). */
  protected escFreq = 0;

  constructor(size: number, maxOrder: number, seeContexts: number) {
    this.size = size;
    this.maxOrder = maxOrder;
    // As the original: the model starts 1..4 bytes in (0 is "none"), so that align + size is a
    // multiple of 4; one unit past its end is free-list room for the glue of the 7z variant.
    this.align = 4 - (size & 3);
    this.mem = new Uint8Array(this.align + size + UNIT);
    this.words = new Uint16Array(this.mem.buffer, 0, this.mem.length >>> 1);
    this.seeSumm = new Uint16Array(seeContexts + 1);
    this.seeShift = new Uint8Array(seeContexts + 1);
    this.seeCount = new Uint8Array(seeContexts + 1);
    this.dummySee = seeContexts;
    this.seeShift[seeContexts] = PERIOD_BITS;
    this.seeCount[seeContexts] = 64;
  }

  // Little-endian fields at even offsets (typed arrays use the machine's byte order: little-endian
  // on every platform Node supports).
  protected u16(at: number): number {
    return this.words[at >>> 1]!;
  }
  protected setU16(at: number, v: number): void {
    this.words[at >>> 1] = v;
  }
  protected u32(at: number): number {
    const w = at >>> 1;
    return (this.words[w]! | (this.words[w + 1]! << 16)) >>> 0;
  }
  protected setU32(at: number, v: number): void {
    const w = at >>> 1;
    this.words[w] = v;
    this.words[w + 1] = v >>> 16;
  }

  // A state: symbol at 0, frequency at 1, successor at 2.
  protected successor(s: number): number {
    return this.u32(s + 2);
  }
  protected setState(s: number, symbol: number, freq: number, successor: number): void {
    this.mem[s] = symbol;
    this.mem[s + 1] = freq;
    this.setU32(s + 2, successor);
  }
  protected copyState(to: number, from: number): void {
    this.mem.copyWithin(to, from, from + STATE);
  }
  protected swapStates(a: number, b: number): void {
    const m = this.mem;
    for (let i = 0; i < STATE; i++) {
      const t = m[a + i]!;
      m[a + i] = m[b + i]!;
      m[b + i] = t;
    }
  }

  // A context's frequency sum at 2, symbol table at 4, suffix at 8 (its first two bytes are each variant's own).
  protected summFreq(c: number): number {
    return this.u16(c + 2);
  }
  protected stats(c: number): number {
    return this.u32(c + 4);
  }
  protected suffix(c: number): number {
    return this.u32(c + 8);
  }

  protected abstract rescale(): void;
  protected abstract nextContext(): void;

  /** A symbol found after the first of its context's table: its frequency up, moved ahead of the one before when it passes it. */
  protected update1(): void {
    let s = this.foundState;
    this.mem[s + 1] += 4;
    this.setU16(this.minContext + 2, this.summFreq(this.minContext) + 4);
    if (this.mem[s + 1]! > this.mem[s - STATE + 1]!) {
      this.swapStates(s, s - STATE);
      this.foundState = s -= STATE;
      if (this.mem[s + 1]! > MAX_FREQ) this.rescale();
    }
    this.nextContext();
  }

  protected abstract insertNode(node: number, index: number): void;
  protected abstract removeNode(index: number): number;
  protected abstract glueFreeBlocks(): void;

  /** Returns the part of a block of class `oldIndex` past its first `newIndex` units to the free lists. */
  protected splitBlock(at: number, oldIndex: number, newIndex: number): void {
    const rest = unitsOf(oldIndex) - unitsOf(newIndex);
    const ptr = at + unitsOf(newIndex) * UNIT;
    let i = indexOf(rest);
    if (unitsOf(i) !== rest) {
      const k = unitsOf(--i);
      this.insertNode(ptr + k * UNIT, rest - k - 1);
    }
    this.insertNode(ptr, i);
  }
  protected allocUnitsRare(index: number): number {
    if (this.glueCount === 0) {
      this.glueFreeBlocks();
      if (this.freeList[index] !== 0) return this.removeNode(index);
    }
    let i = index;
    do {
      if (++i === INDEXES) {
        const bytes = unitsOf(index) * UNIT;
        this.glueCount = (this.glueCount - 1) >>> 0;
        if (this.unitsStart - this.text > bytes) return (this.unitsStart -= bytes);
        return 0;
      }
    } while (this.freeList[i] === 0);
    const block = this.removeNode(i);
    this.splitBlock(block, i, index);
    return block;
  }
  protected allocUnits(index: number): number {
    if (this.freeList[index] !== 0) return this.removeNode(index);
    const bytes = unitsOf(index) * UNIT;
    if (bytes <= this.hiUnit - this.loUnit) {
      const at = this.loUnit;
      this.loUnit += bytes;
      return at;
    }
    return this.allocUnitsRare(index);
  }
  protected shrinkUnits(old: number, oldNU: number, newNU: number): number {
    const i0 = indexOf(oldNU);
    const i1 = indexOf(newNU);
    if (i0 === i1) return old;
    if (this.freeList[i1] !== 0) {
      const at = this.removeNode(i1);
      this.mem.copyWithin(at, old, old + newNU * UNIT);
      this.insertNode(old, i0);
      return at;
    }
    this.splitBlock(old, i0, i1);
    return old;
  }

  /**
   * What both variants' rescale does first: the found state moved to the front of its table, then the
   * frequencies of the table's `symbols` states (two at least) halved, rounded up when `adder` is 1 (the
   * found one's after adding 4), the table kept in descending order. Returns the new sum, the escape
   * frequency left of the context's `contextSum` (unsigned, as the original's) and the last state's place.
   */
  protected halveFrequencies(stats: number, found: number, symbols: number, contextSum: number, adder: number): { sumFreq: number; escFreq: number; last: number } {
    if (symbols < 2) throw new Error('a symbol table of fewer than two symbols');
    const m = this.mem;
    let s = found;
    {
      const sym = m[s]!;
      const freq = m[s + 1]!;
      const succ = this.successor(s);
      for (; s !== stats; s -= STATE) this.copyState(s, s - STATE);
      this.setState(s, sym, freq, succ);
    }
    let escFreq = (contextSum - m[s + 1]!) >>> 0;
    m[s + 1] += 4;
    m[s + 1] = (m[s + 1]! + adder) >>> 1;
    let sumFreq = m[s + 1]!;
    for (let i = symbols - 1; i > 0; i--) {
      s += STATE;
      escFreq = (escFreq - m[s + 1]!) >>> 0;
      m[s + 1] = (m[s + 1]! + adder) >>> 1;
      sumFreq += m[s + 1]!;
      if (m[s + 1]! > m[s - STATE + 1]!) {
        const sym = m[s]!;
        const freq = m[s + 1]!;
        const succ = this.successor(s);
        let s1 = s;
        do this.copyState(s1, s1 - STATE);
        while ((s1 -= STATE) !== stats && freq > m[s1 - STATE + 1]!);
        this.setState(s1, sym, freq, succ);
      }
    }
    return { sumFreq, escFreq, last: s };
  }

  /** A SEE context's escape frequency (its mean, taken from its sum). */
  protected seeEscape(see: number): number {
    const r = this.seeSumm[see]! >>> this.seeShift[see]!;
    this.seeSumm[see] = this.seeSumm[see]! - r;
    return r + (r === 0 ? 1 : 0);
  }
  protected seeUpdate(see: number): void {
    if (this.seeShift[see]! < PERIOD_BITS && --this.seeCount[see]! === 0) {
      this.seeSumm[see] = this.seeSumm[see]! << 1;
      this.seeCount[see] = 3 << this.seeShift[see]!++;
    }
  }
}

/** What decoding a PPMd stream gave: its bytes, why it stopped early, and (for the tests) how often the model restarted and glued its free blocks. */
export interface PpmdResult {
  data: Buffer;
  error: string | null;
  restarts: number;
  glues: number;
  /** Not decoded at all (properties the decoder does not take): why. */
  refused?: string;
}

/** A result for a stream not decoded: its properties' fault, said as an error or as a refusal. */
export function undecoded(error: string | null, refused?: string): PpmdResult {
  return { data: Buffer.alloc(0), error, restarts: 0, glues: 0, ...(refused === undefined ? {} : { refused }) };
}

/** Both variants' range decoders read bytes so (those past the input's end read as zeros, and counted) and take a threshold so. */
/** What a var.H model asks of its range decoder: 7z's (sevenzip/ppmd7.ts) and RAR 2.9's (rar/unpack29.ts) differ only in how they keep their interval. */
export interface PpmdCoder {
  /** Scales the interval to `total` and gives where the coded value falls in it. */
  threshold(total: number): number;
  /** Takes the symbol between `start` and `start + size` of the last threshold's total. */
  decode(start: number, size: number): void;
  /** A binary context: 0 when the value falls in the first `size0` of 2^14. */
  bit(size0: number): number;
}

export abstract class RangeInput {
  range = 0xffffffff;
  code = 0;
  /** Bytes asked for past the input's end. */
  overrun = 0;

  constructor(
    private readonly input: Buffer,
    private at: number,
  ) {}

  protected byte(): number {
    if (this.at < this.input.length) return this.input[this.at++]!;
    this.overrun++;
    return 0;
  }

  threshold(total: number): number {
    this.range = Math.floor(this.range / total);
    // Only a damaged stream asks for more than the range holds (the original would divide by zero).
    if (this.range === 0) throw new Error('the range coder ran out of range');
    return Math.floor(this.code / this.range);
  }
}

/**
 * `size` bytes from `model` (each symbol 0..255; -1 the end mark, -2 damage), stopping at the first
 * that cannot be, or once the input has run out (a few bytes past it are the coder's lookahead).
 */
export function decodeSymbols(model: PpmdHeap & { decodeSymbol(): number }, rc: RangeInput, size: number): PpmdResult {
  const out = Buffer.allocUnsafe(size);
  let n = 0;
  let error: string | null = null;
  try {
    for (; n < size; n++) {
      const symbol = model.decodeSymbol();
      if (symbol < 0) {
        error = symbol === -1 ? `PPMd end mark after ${n} of ${size} bytes` : `PPMd data damaged after ${n} bytes`;
        break;
      }
      if (rc.overrun > 4) {
        error = `PPMd stream ends after ${n} of ${size} bytes`;
        break;
      }
      out[n] = symbol;
    }
  } catch (err) {
    error = `PPMd data damaged after ${n} bytes: ${(err as Error).message}`;
  }
  // The model's first start is not a restart.
  return { data: out.subarray(0, n), error, restarts: model.restarts - 1, glues: model.glues };
}
