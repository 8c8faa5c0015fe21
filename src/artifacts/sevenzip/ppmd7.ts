/**
 * PPMd variant H with 7-Zip's range coder: the 7z coder 03 04 01 (`7z a -m0=PPMd`), what 7-Zip
 * picks for text when asked and what its "PPMd" method writes. The format has no specification but
 * Dmitry Shkarin's public-domain PPMd var.H and Igor Pavlov's public-domain Ppmd7 for 7-Zip: a
 * context model whose every update the decoder must repeat exactly as the encoder made it, down to
 * its memory allocator (the model restarts when its memory is full, and where a block is placed
 * decides what a later allocation finds). This is a reading of that model, checked byte for byte
 * against 7-Zip's own archives (test/artifacts/sevenzip/ppmd7.test.ts), with small model memories
 * so that restarts and the allocator's gluing of free blocks are reached.
 *
 * The model lives in one byte array, as the original's does: contexts (12 bytes: symbol count,
 * frequency sum, the symbol table's place, the suffix context's place), symbol states (6 bytes:
 * symbol, frequency, successor), free blocks in units of 12 bytes, and the text of the symbols seen
 * so far, which a successor may point into before its context is made. Places are offsets in the
 * array; 0 is none. Every loop over the model is bounded by the model's own sizes, so a damaged
 * stream decodes to wrong bytes (which the 7z CRC then says) or stops with an error, never hangs.
 */

import { type PpmdCoder, BIN_SCALE, COUNT_TO_BIN_COLUMN, EXP_ESCAPE, INDEXES, INIT_BIN_ESC, INT_BITS, MAX_FREQ, PERIOD_BITS, PpmdHeap, RangeInput, STATE, UNIT, decodeSymbols, indexOf, undecoded, unitsOf, type PpmdResult } from '../archive/ppmd-heap.js';

const TOP = 1 << 24;
const MAX_ORDER = 64;
const MIN_MEMORY = 1 << 11;

/** SEE row by the number of symbols left after masking, and the high-symbol flag. */
const COUNT_TO_SEE_ROW = new Uint8Array(256);
const HIGH_SYMBOL = new Uint8Array(256);
{
  for (let i = 0; i < 3; i++) COUNT_TO_SEE_ROW[i] = i;
  for (let i = 3, row = 3, left = 1; i < 256; i++) {
    COUNT_TO_SEE_ROW[i] = row;
    if (--left === 0) left = ++row - 2;
  }
  HIGH_SYMBOL.fill(8, 0x40);
}

/** The 7z coder's five property bytes: model order, then memory size (little-endian). */
export function ppmd7Properties(props: Buffer): { order: number; memory: number } | null {
  if (props.length < 5) return null;
  return { order: props[0]!, memory: props.readUInt32LE(1) };
}

/**
 * Decodes a 7z PPMd stream to `size` bytes (the folder's unpack size), with a model of the
 * properties' order and memory; a memory over `maxMemory` is refused (null data, with the reason).
 */
export function decodePpmd7(input: Buffer, props: Buffer, size: number, maxMemory: number): PpmdResult {
  const p = ppmd7Properties(props);
  if (!p) return undecoded('PPMd properties are shorter than 5 bytes');
  if (p.order < 2 || p.order > MAX_ORDER) return undecoded(`PPMd model order ${p.order} is outside 2..64`);
  if (p.memory < MIN_MEMORY || p.memory > 0xffffffff - 36) return undecoded(`PPMd model memory ${p.memory} is outside 2 KiB..4 GiB`);
  if (p.memory > maxMemory) return undecoded(`PPMd model memory ${p.memory} bytes is past the ${maxMemory} allowed`);
  const rc = new RangeDecoder(input);
  if (!rc.init()) return undecoded('PPMd range coder start is damaged');
  return decodeSymbols(new Ppmd7(p.memory, p.order, rc), rc, size);
}

/** 7-Zip's range decoder as PPMd uses it: a threshold, then the decoded interval, 32-bit arithmetic. */
class RangeDecoder extends RangeInput {
  constructor(input: Buffer) {
    super(input, 0);
  }

  init(): boolean {
    if (this.byte() !== 0) return false;
    for (let i = 0; i < 4; i++) this.code = ((this.code << 8) | this.byte()) >>> 0;
    return this.code < 0xffffffff;
  }

  decode(start: number, size: number): void {
    this.code = (this.code - start * this.range) >>> 0;
    this.range = Math.imul(this.range, size) >>> 0;
    this.normalize();
  }

  bit(size0: number): number {
    const bound = (this.range >>> 14) * size0;
    let bit: number;
    if (this.code < bound) {
      bit = 0;
      this.range = bound;
    } else {
      bit = 1;
      this.code -= bound;
      this.range -= bound;
    }
    this.normalize();
    return bit;
  }

  private normalize(): void {
    if (this.range < TOP) {
      this.code = ((this.code << 8) | this.byte()) >>> 0;
      this.range = (this.range << 8) >>> 0;
      if (this.range < TOP) {
        this.code = ((this.code << 8) | this.byte()) >>> 0;
        this.range = (this.range << 8) >>> 0;
      }
    }
  }
}

/** 7z's model: SEE contexts in 25 rows of 16. */
/** The var.H model, decoding through `rc` (which RAR 2.9 replaces at each of its PPMd blocks). */
export class Ppmd7 extends PpmdHeap {
  private readonly binSumm = new Uint16Array(128 * 64);
  private readonly masked = new Uint32Array(256);
  private readonly chain = new Uint32Array(MAX_ORDER);

  private hiBitsFlag = 0;

  constructor(
    size: number,
    maxOrder: number,
    public rc: PpmdCoder,
  ) {
    super(size, maxOrder, 25 * 16);
    this.restart();
  }

  // A context: symbol count at 0, frequency sum at 2, symbol table at 4, suffix at 8; a context of
  // one symbol keeps that symbol's state in place of the last three (at 2).
  private numStats(c: number): number {
    return this.u16(c);
  }
  /** The state of `symbol` in context `c`'s table (which holds it: the model's invariant, checked). */
  private findState(c: number, symbol: number): number {
    if (this.numStats(c) === 1) return c + 2;
    let s = this.stats(c);
    for (let n = this.numStats(c); this.mem[s] !== symbol; s += STATE) if (--n <= 0) throw new Error('a suffix context lacks its symbol');
    return s;
  }

  // --- the allocator ------------------------------------------------------------------------

  protected insertNode(node: number, index: number): void {
    this.setU32(node, this.freeList[index]!);
    this.freeList[index] = node;
  }
  protected removeNode(index: number): number {
    const node = this.freeList[index]!;
    this.freeList[index] = this.u32(node);
    return node;
  }
  /**
   * Joins adjacent free blocks: every free block is marked (stamp 0, its size in units) and linked
   * in one list; each absorbs the free blocks right after it; then they go back to the free lists.
   * A block in use starts with a non-zero 16-bit value (a count or a symbol and its frequency), and
   * the gap between LoUnit and HiUnit and the list's head at the end are stamped 1, so gluing stops there.
   */
  protected glueFreeBlocks(): void {
    const head = this.align + this.size;
    const STAMP = 0;
    const NU = 2;
    const NEXT = 4;
    const PREV = 8;
    let n = head;
    this.glues++;
    this.glueCount = 255;
    for (let i = 0; i < INDEXES; i++) {
      const nu = unitsOf(i);
      let next = this.freeList[i]!;
      this.freeList[i] = 0;
      while (next !== 0) {
        const node = next;
        this.setU32(node + NEXT, n);
        this.setU32(n + PREV, next);
        n = next;
        next = this.u32(node);
        this.setU16(node + STAMP, 0);
        this.setU16(node + NU, nu);
      }
    }
    this.setU16(head + STAMP, 1);
    this.setU32(head + NEXT, n);
    this.setU32(n + PREV, head);
    if (this.loUnit !== this.hiUnit) this.setU16(this.loUnit + STAMP, 1);

    for (let guard = 0; n !== head; guard++) {
      if (guard > this.size) throw new Error('the free-block list loops');
      const node = n;
      let nu = this.u16(node + NU);
      for (;;) {
        const node2 = node + nu * UNIT;
        nu += this.u16(node2 + NU);
        if (this.u16(node2 + STAMP) !== 0 || nu >= 0x10000) break;
        this.setU32(this.u32(node2 + PREV) + NEXT, this.u32(node2 + NEXT));
        this.setU32(this.u32(node2 + NEXT) + PREV, this.u32(node2 + PREV));
        this.setU16(node + NU, nu);
      }
      n = this.u32(node + NEXT);
    }

    for (let guard = 0, at = this.u32(head + NEXT); at !== head; guard++) {
      if (guard > this.size) throw new Error('the free-block list loops');
      let node = at;
      const next = this.u32(node + NEXT);
      let nu = this.u16(node + NU);
      for (; nu > 128; nu -= 128, node += 128 * UNIT) this.insertNode(node, INDEXES - 1);
      let i = indexOf(nu);
      if (unitsOf(i) !== nu) {
        const k = unitsOf(--i);
        this.insertNode(node + k * UNIT, nu - k - 1);
      }
      this.insertNode(node, i);
      at = next;
    }
  }
  // --- the model ----------------------------------------------------------------------------

  private restart(): void {
    this.restarts++;
    this.freeList.fill(0);
    this.text = this.align;
    this.hiUnit = this.text + this.size;
    this.loUnit = this.unitsStart = this.hiUnit - Math.floor(Math.floor(this.size / 8) / UNIT) * 7 * UNIT;
    this.glueCount = 0;
    this.orderFall = this.maxOrder;
    this.runLength = this.initRL = -Math.min(this.maxOrder, 12) - 1;
    this.prevSuccess = 0;

    this.hiUnit -= UNIT;
    const root = this.hiUnit;
    this.minContext = this.maxContext = root;
    this.setU32(root + 8, 0);
    this.setU16(root, 256);
    this.setU16(root + 2, 257);
    this.foundState = this.loUnit;
    this.setU32(root + 4, this.loUnit);
    for (let i = 0; i < 256; i++) this.setState(this.loUnit + i * STATE, i, 1, 0);
    this.loUnit += 128 * UNIT;

    for (let i = 0; i < 128; i++) {
      for (let k = 0; k < 8; k++) {
        const value = BIN_SCALE - Math.floor(INIT_BIN_ESC[k]! / (i + 2));
        for (let m = 0; m < 64; m += 8) this.binSumm[i * 64 + k + m] = value;
      }
    }
    for (let i = 0; i < 25; i++) {
      for (let k = 0; k < 16; k++) {
        const see = i * 16 + k;
        this.seeShift[see] = PERIOD_BITS - 4;
        this.seeSumm[see] = (5 * i + 10) << (PERIOD_BITS - 4);
        this.seeCount[see] = 4;
      }
    }
  }

  /** Makes the contexts the found symbol leads to along its suffixes; 0 when memory runs out. */
  private createSuccessors(skip: boolean): number {
    let c = this.minContext;
    const upBranch = this.successor(this.foundState);
    const symbol = this.mem[this.foundState]!;
    let count = 0;
    if (!skip) this.chain[count++] = this.foundState;
    while (this.suffix(c) !== 0) {
      c = this.suffix(c);
      const s = this.findState(c, symbol);
      const next = this.successor(s);
      if (next !== upBranch) {
        c = next;
        if (count === 0) return c;
        break;
      }
      if (count >= MAX_ORDER) throw new Error('a context chain longer than the model order');
      this.chain[count++] = s;
    }
    // The new contexts' one symbol: what followed in the text, with a frequency from context c's.
    const upSymbol = this.mem[upBranch]!;
    let upFreq: number;
    if (this.numStats(c) === 1) upFreq = this.mem[c + 3]!;
    else {
      const s = this.findState(c, upSymbol);
      const cf = this.mem[s + 1]! - 1;
      const s0 = (this.summFreq(c) - this.numStats(c) - cf) >>> 0;
      upFreq = (1 + (2 * cf <= s0 ? (5 * cf > s0 ? 1 : 0) : Math.floor((2 * cf + 3 * s0 - 1) / (2 * s0)))) & 0xff;
    }
    do {
      let c1: number;
      if (this.hiUnit !== this.loUnit) c1 = this.hiUnit -= UNIT;
      else if (this.freeList[0] !== 0) c1 = this.removeNode(0);
      else {
        c1 = this.allocUnitsRare(0);
        if (c1 === 0) return 0;
      }
      this.setU16(c1, 1);
      this.setState(c1 + 2, upSymbol, upFreq, upBranch + 1);
      this.setU32(c1 + 8, c);
      this.setU32(this.chain[--count]! + 2, c1);
      c = c1;
    } while (count !== 0);
    return c;
  }

  private updateModel(): void {
    const fs = this.foundState;
    const symbol = this.mem[fs]!;
    let fSuccessor = this.successor(fs);

    if (this.mem[fs + 1]! < MAX_FREQ / 4 && this.suffix(this.minContext) !== 0) {
      const c = this.suffix(this.minContext);
      if (this.numStats(c) === 1) {
        const s = c + 2;
        if (this.mem[s + 1]! < 32) this.mem[s + 1]!++;
      } else {
        let s = this.stats(c);
        if (this.mem[s] !== symbol) {
          s = this.findState(c, symbol);
          if (this.mem[s + 1]! >= this.mem[s - STATE + 1]!) {
            this.swapStates(s, s - STATE);
            s -= STATE;
          }
        }
        if (this.mem[s + 1]! < MAX_FREQ - 9) {
          this.mem[s + 1] += 2;
          this.setU16(c + 2, this.summFreq(c) + 2);
        }
      }
    }

    if (this.orderFall === 0) {
      this.minContext = this.maxContext = this.createSuccessors(true);
      if (this.minContext === 0) return this.restart();
      this.setU32(this.foundState + 2, this.minContext);
      return;
    }

    this.mem[this.text++] = symbol;
    let successor = this.text;
    if (this.text >= this.unitsStart) return this.restart();

    if (fSuccessor !== 0) {
      if (fSuccessor <= successor) {
        // It points into the text: the context it stands for is made now.
        const cs = this.createSuccessors(false);
        if (cs === 0) return this.restart();
        fSuccessor = cs;
      }
      if (--this.orderFall === 0) {
        successor = fSuccessor;
        if (this.maxContext !== this.minContext) this.text--;
      }
    } else {
      this.setU32(this.foundState + 2, successor);
      fSuccessor = this.minContext;
    }

    const ns = this.numStats(this.minContext);
    const s0 = (this.summFreq(this.minContext) - ns - (this.mem[this.foundState + 1]! - 1)) >>> 0;
    let depth = 0;
    for (let c = this.maxContext; c !== this.minContext; c = this.suffix(c)) {
      if (++depth > MAX_ORDER + 1) throw new Error('a context chain longer than the model order');
      const ns1 = this.numStats(c);
      if (ns1 !== 1) {
        if ((ns1 & 1) === 0) {
          // The table is full at an even count: it grows by one unit when that changes its size class.
          const oldNU = ns1 >>> 1;
          const i = indexOf(oldNU);
          if (i !== indexOf(oldNU + 1)) {
            const grown = this.allocUnits(i + 1);
            if (grown === 0) return this.restart();
            const old = this.stats(c);
            this.mem.copyWithin(grown, old, old + oldNU * UNIT);
            this.insertNode(old, i);
            this.setU32(c + 4, grown);
          }
        }
        const sf = this.summFreq(c);
        this.setU16(c + 2, sf + (2 * ns1 < ns ? 1 : 0) + 2 * ((4 * ns1 <= ns ? 1 : 0) & (sf <= 8 * ns1 ? 1 : 0)));
      } else {
        const s = this.allocUnits(0);
        if (s === 0) return this.restart();
        this.copyState(s, c + 2);
        this.setU32(c + 4, s);
        const freq = this.mem[s + 1]!;
        this.mem[s + 1] = freq < MAX_FREQ / 4 - 1 ? freq << 1 : MAX_FREQ - 4;
        this.setU16(c + 2, this.mem[s + 1]! + this.initEsc + (ns > 3 ? 1 : 0));
      }
      let cf = 2 * this.mem[this.foundState + 1]! * (this.summFreq(c) + 6);
      const sf = s0 + this.summFreq(c);
      if (cf < 6 * sf) {
        cf = 1 + (cf > sf ? 1 : 0) + (cf >= 4 * sf ? 1 : 0);
        this.setU16(c + 2, this.summFreq(c) + 3);
      } else {
        cf = 4 + (cf >= 9 * sf ? 1 : 0) + (cf >= 12 * sf ? 1 : 0) + (cf >= 15 * sf ? 1 : 0);
        this.setU16(c + 2, this.summFreq(c) + cf);
      }
      this.setState(this.stats(c) + ns1 * STATE, symbol, cf, successor);
      this.setU16(c, ns1 + 1);
    }
    this.maxContext = this.minContext = fSuccessor;
  }

  /** Halves the context's frequencies (the found symbol first), dropping the symbols that reach zero. */
  protected rescale(): void {
    const mc = this.minContext;
    const m = this.mem;
    const stats = this.stats(mc);
    const halved = this.halveFrequencies(stats, this.foundState, this.numStats(mc), this.summFreq(mc), this.orderFall !== 0 ? 1 : 0);
    let { escFreq, last: s } = halved;
    const { sumFreq } = halved;
    if (m[s + 1] === 0) {
      const numStats = this.numStats(mc);
      let i = 0;
      do i++;
      while (m[(s -= STATE) + 1] === 0);
      escFreq = (escFreq + i) >>> 0;
      this.setU16(mc, numStats - i);
      if (numStats - i === 1) {
        const sym = m[stats]!;
        let freq = m[stats + 1]!;
        const succ = this.successor(stats);
        do {
          freq -= freq >>> 1;
          escFreq >>>= 1;
        } while (escFreq > 1);
        this.insertNode(stats, indexOf((numStats + 1) >>> 1));
        this.foundState = mc + 2;
        this.setState(this.foundState, sym, freq, succ);
        return;
      }
      const n0 = (numStats + 1) >>> 1;
      const n1 = (numStats - i + 1) >>> 1;
      if (n0 !== n1) this.setU32(mc + 4, this.shrinkUnits(stats, n0, n1));
    }
    this.setU16(mc + 2, sumFreq + escFreq - (escFreq >>> 1));
    this.foundState = this.stats(mc);
  }

  /** The SEE context for an escape from a context with `numMasked` symbols masked; its escape frequency in `escFreq`. */
  private makeEscFreq(numMasked: number): number {
    const mc = this.minContext;
    const ns = this.numStats(mc);
    if (ns === 256) {
      this.escFreq = 1;
      return this.dummySee;
    }
    const nonMasked = ns - numMasked;
    const see =
      COUNT_TO_SEE_ROW[nonMasked - 1]! * 16 +
      (nonMasked < ((this.numStats(this.suffix(mc)) - ns) >>> 0) ? 1 : 0) +
      2 * (this.summFreq(mc) < 11 * ns ? 1 : 0) +
      4 * (numMasked > nonMasked ? 1 : 0) +
      this.hiBitsFlag;
    this.escFreq = this.seeEscape(see);
    return see;
  }

  protected nextContext(): void {
    const c = this.successor(this.foundState);
    if (this.orderFall === 0 && c > this.text) this.minContext = this.maxContext = c;
    else this.updateModel();
  }

  private update1First(): void {
    this.prevSuccess = 2 * this.mem[this.foundState + 1]! > this.summFreq(this.minContext) ? 1 : 0;
    this.runLength = (this.runLength + this.prevSuccess) | 0;
    this.setU16(this.minContext + 2, this.summFreq(this.minContext) + 4);
    this.mem[this.foundState + 1] += 4;
    if (this.mem[this.foundState + 1]! > MAX_FREQ) this.rescale();
    this.nextContext();
  }

  private updateBin(): void {
    const freq = this.mem[this.foundState + 1]!;
    this.mem[this.foundState + 1] = freq + (freq < 128 ? 1 : 0);
    this.prevSuccess = 1;
    this.runLength = (this.runLength + 1) | 0;
    this.nextContext();
  }

  private update2(): void {
    this.setU16(this.minContext + 2, this.summFreq(this.minContext) + 4);
    this.mem[this.foundState + 1] += 4;
    if (this.mem[this.foundState + 1]! > MAX_FREQ) this.rescale();
    this.runLength = this.initRL;
    this.updateModel();
  }

  /** One symbol: 0..255, -1 for the end mark, -2 for damage. */
  decodeSymbol(): number {
    const m = this.mem;
    const rc = this.rc;
    const mask = this.charMask;
    let mc = this.minContext;
    if (this.numStats(mc) !== 1) {
      if (this.numStats(mc) === 0) throw new Error('a context of no symbols');
      let s = this.stats(mc);
      const total = this.summFreq(mc);
      const count = rc.threshold(total);
      let hiCnt = m[s + 1]!;
      if (count < hiCnt) {
        rc.decode(0, hiCnt);
        this.foundState = s;
        const symbol = m[s]!;
        this.update1First();
        return symbol;
      }
      this.prevSuccess = 0;
      let i = this.numStats(mc) - 1;
      do {
        s += STATE;
        if ((hiCnt += m[s + 1]!) > count) {
          rc.decode(hiCnt - m[s + 1]!, m[s + 1]!);
          this.foundState = s;
          const symbol = m[s]!;
          this.update1();
          return symbol;
        }
      } while (--i);
      if (count >= total) return -2;
      this.hiBitsFlag = HIGH_SYMBOL[m[this.foundState]!]!;
      rc.decode(hiCnt, total - hiCnt);
      mask.fill(-1);
      mask[m[s]!] = 0;
      i = this.numStats(mc) - 1;
      do mask[m[(s -= STATE)]!] = 0;
      while (--i);
    } else {
      const one = mc + 2;
      this.hiBitsFlag = HIGH_SYMBOL[m[this.foundState]!]!;
      const prob =
        (m[one + 1]! - 1) * 64 +
        this.prevSuccess +
        COUNT_TO_BIN_COLUMN[this.numStats(this.suffix(mc)) - 1]! +
        this.hiBitsFlag +
        2 * HIGH_SYMBOL[m[one]!]! +
        ((this.runLength >> 26) & 0x20);
      const p = this.binSumm[prob]!;
      if (rc.bit(p) === 0) {
        this.binSumm[prob] = p + (1 << INT_BITS) - ((p + (1 << (PERIOD_BITS - 2))) >> PERIOD_BITS);
        this.foundState = one;
        const symbol = m[one]!;
        this.updateBin();
        return symbol;
      }
      const q = p - ((p + (1 << (PERIOD_BITS - 2))) >> PERIOD_BITS);
      this.binSumm[prob] = q;
      this.initEsc = EXP_ESCAPE[q >>> 10]!;
      mask.fill(-1);
      mask[m[one]!] = 0;
      this.prevSuccess = 0;
    }
    const ps = this.masked;
    for (;;) {
      const numMasked = this.numStats(this.minContext);
      do {
        this.orderFall++;
        mc = this.suffix(this.minContext);
        if (mc === 0) return -1;
        this.minContext = mc;
      } while (this.numStats(mc) === numMasked);
      let hiCnt = 0;
      let s = this.stats(mc);
      const ns = this.numStats(mc);
      const num = ns - numMasked;
      let i = 0;
      for (let seen = 0; i !== num; seen++) {
        if (seen >= ns) throw new Error('a context holds fewer symbols than its count');
        const k = mask[m[s]!]!;
        hiCnt += m[s + 1]! & k;
        ps[i] = s;
        s += STATE;
        i -= k;
      }
      const see = this.makeEscFreq(numMasked);
      const freqSum = this.escFreq + hiCnt;
      const count = rc.threshold(freqSum);
      if (count < hiCnt) {
        let k = 0;
        hiCnt = 0;
        while ((hiCnt += m[ps[k]! + 1]!) <= count) k++;
        s = ps[k]!;
        rc.decode(hiCnt - m[s + 1]!, m[s + 1]!);
        this.seeUpdate(see);
        this.foundState = s;
        const symbol = m[s]!;
        this.update2();
        return symbol;
      }
      if (count >= freqSum) return -2;
      rc.decode(hiCnt, freqSum - hiCnt);
      this.seeSumm[see] = this.seeSumm[see]! + freqSum;
      do mask[m[ps[--i]!]!] = 0;
      while (i !== 0);
    }
  }
}
