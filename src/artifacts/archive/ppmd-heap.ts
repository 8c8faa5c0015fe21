/**
 * What PPMd's two variants share (7z's var.H, sevenzip/ppmd7.ts; ZIP's var.I, zip/ppmd8.ts): their
 * constants; the model's memory, one byte array whose 16- and 32-bit fields all lie at even offsets
 * (units of 12 bytes counted from a multiple of 4, symbol states of 6), read as 16-bit words; symbol
 * states (symbol, frequency, successor); the allocator of units in 38 size classes, whose free blocks
 * each variant marks, lists and glues its own way (`insertNode`, `removeNode`, `glueFreeBlocks`); and
 * the SEE contexts, a row per escape situation, each a mean that adapts. The model's updates stay in
 * each variant: lines that look alike there differ in a constant or a comparison that the format
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

  constructor(size: number, seeContexts: number) {
    this.size = size;
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
