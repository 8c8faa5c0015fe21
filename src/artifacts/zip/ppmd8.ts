/**
 * PPMd variant I revision 1, ZIP's method 98 (`7z a -tzip -mm=PPMd`, WinZip's .zipx "best method" for
 * text): Shkarin's PPMd var.I model with Subbotin's carry-less range coder, as in the public-domain
 * reference code (Shkarin's var.I and Pavlov's Ppmd8, whose 2020 correction of a sum larger than the
 * range is followed here). Like 7z's PPMd (sevenzip/ppmd7.ts) the decoder must repeat every model
 * update of the encoder, allocator included; this one differs in its contexts (a byte count of
 * symbols minus one, and flags), its SEE and binary tables, how it creates successors, and its
 * allocator's gluing. Checked byte for byte against 7-Zip's own ZIP archives
 * (test/artifacts/zip/ppmd8.test.ts).
 *
 * Only restore method 0 (restart the model when its memory is full) is decoded: it is what 7-Zip
 * writes. Method 1 (cut off the model's oldest parts) is refused with its reason (a `method` skip).
 * The model is one typed array; every loop is bounded by the model's own sizes.
 */

import { BIN_SCALE, COUNT_TO_BIN_COLUMN, EXP_ESCAPE, INDEXES, INIT_BIN_ESC, INT_BITS, MAX_FREQ, PERIOD_BITS, PpmdHeap, RangeInput, STATE, UNIT, decodeSymbols, indexOf, undecoded, unitsOf, type PpmdResult } from '../archive/ppmd-heap.js';

const TOP = 1 << 24;
const BOT = 1 << 15;
const MAX_ORDER = 16;
const EMPTY_NODE = 0xffffffff;

/** The SEE and binary tables' index by a symbol count (var.I's own steps). */
const COUNT_TO_INDEX = new Uint8Array(260);
{
  for (let i = 0; i < 5; i++) COUNT_TO_INDEX[i] = i;
  for (let i = 5, m = 5, left = 1; i < 260; i++) {
    COUNT_TO_INDEX[i] = m;
    if (--left === 0) left = ++m - 4;
  }
}

export interface Ppmd8Props {
  order: number;
  memory: number;
  restore: number;
}

/** ZIP's two property bytes at the start of a method-98 member: order - 1 (4 bits), memory in MiB - 1 (8 bits), restore method (4 bits). */
export function ppmd8Properties(head: Buffer): Ppmd8Props | null {
  if (head.length < 2) return null;
  const v = head.readUInt16LE(0);
  return { order: (v & 0x0f) + 1, memory: (((v >>> 4) & 0xff) + 1) << 20, restore: v >>> 12 };
}

/** A ZIP member's method-98 data (properties, then the range-coded stream) decoded to `size` bytes. */
export function decodePpmd8(member: Buffer, size: number, maxMemory: number): PpmdResult {
  const p = ppmd8Properties(member);
  if (!p) return undecoded(null, 'PPMd properties cut short');
  if (p.order < 2) return undecoded(null, `PPMd model order ${p.order} is below 2`);
  if (p.restore !== 0) return undecoded(null, p.restore === 1 ? 'PPMd with the cut-off restore method is not decoded here (7-Zip writes restart)' : `PPMd restore method ${p.restore} does not exist`);
  if (p.memory > maxMemory) return undecoded(null, `PPMd model memory ${p.memory} bytes is past the ${maxMemory} allowed`);
  const rc = new RangeDecoder(member, 2);
  if (!rc.init()) return undecoded('PPMd range coder start is damaged');
  return decodeSymbols(new Ppmd8(p.memory, p.order, rc), rc, size);
}

/** Subbotin's carry-less range decoder (32-bit arithmetic). */
class RangeDecoder extends RangeInput {
  low = 0;

  init(): boolean {
    for (let i = 0; i < 4; i++) this.code = ((this.code << 8) | this.byte()) >>> 0;
    return this.code < 0xffffffff;
  }

  /** Decodes an interval, without normalizing (the caller normalizes before the next threshold). */
  decode(start: number, size: number): void {
    const s = Math.imul(start, this.range) >>> 0;
    this.low = (this.low + s) >>> 0;
    this.code = (this.code - s) >>> 0;
    this.range = Math.imul(this.range, size) >>> 0;
  }

  normalize(): void {
    for (let guard = 0; guard < 8; guard++) {
      if (((this.low ^ ((this.low + this.range) >>> 0)) >>> 0) >= TOP) {
        if (this.range >= BOT) return;
        this.range = (0 - this.low) & (BOT - 1);
      }
      this.code = ((this.code << 8) | this.byte()) >>> 0;
      this.range = (this.range << 8) >>> 0;
      this.low = (this.low << 8) >>> 0;
    }
  }
}

/** ZIP's model: SEE contexts in 24 rows of 32, free blocks counted by class (`stamps`). */
class Ppmd8 extends PpmdHeap {
  private readonly stamps = new Uint32Array(INDEXES);
  private readonly binSumm = new Uint16Array(25 * 64);
  private readonly chain = new Uint32Array(MAX_ORDER + 1);

  constructor(
    size: number,
    maxOrder: number,
    private readonly rc: RangeDecoder,
  ) {
    super(size, maxOrder, 24 * 32);
    this.restart();
  }

  // A context: symbol count minus one (byte 0), flags (byte 1), frequency sum (2), symbol table (4),
  // suffix (8); a context of one symbol keeps its state at 2.
  private numStats(c: number): number {
    return this.mem[c]!;
  }
  private flags(c: number): number {
    return this.mem[c + 1]!;
  }
  private findState(c: number, symbol: number): number {
    let s = this.stats(c);
    for (let n = this.numStats(c) + 1; this.mem[s] !== symbol; s += STATE) if (--n <= 0) throw new Error('a suffix context lacks its symbol');
    return s;
  }

  // --- the allocator: a free block is stamped EMPTY_NODE (0), its next (4) and its size in units (8) --

  protected insertNode(node: number, index: number): void {
    this.setU32(node, EMPTY_NODE);
    this.setU32(node + 4, this.freeList[index]!);
    this.setU32(node + 8, unitsOf(index));
    this.freeList[index] = node;
    this.stamps[index]!++;
  }
  protected removeNode(index: number): number {
    const node = this.freeList[index]!;
    this.freeList[index] = this.u32(node + 4);
    this.stamps[index]!--;
    return node;
  }
  /** Joins each free block with the free blocks right after it, then refills the lists; a block in use never starts with EMPTY_NODE, and LoUnit is stamped 0. */
  protected glueFreeBlocks(): void {
    this.glues++;
    this.glueCount = 1 << 13;
    this.stamps.fill(0);
    if (this.loUnit !== this.hiUnit) this.setU32(this.loUnit, 0);
    // The glued blocks, linked through their next fields (head first).
    let head = 0;
    let tail = -1;
    let guard = 0;
    for (let i = 0; i < INDEXES; i++) {
      let next = this.freeList[i]!;
      this.freeList[i] = 0;
      while (next !== 0) {
        if (++guard > this.size) throw new Error('the free lists loop');
        const node = next;
        next = this.u32(node + 4);
        if (this.u32(node + 8) === 0) continue;
        if (tail < 0) head = node;
        else this.setU32(tail + 4, node);
        tail = node;
        for (let n = 0; n < this.size; n++) {
          const node2 = node + this.u32(node + 8) * UNIT;
          if (node2 + 12 > this.mem.length || this.u32(node2) !== EMPTY_NODE) break;
          this.setU32(node + 8, this.u32(node + 8) + this.u32(node2 + 8));
          this.setU32(node2 + 8, 0);
        }
      }
    }
    if (tail >= 0) this.setU32(tail + 4, 0);
    for (guard = 0; head !== 0; ) {
      if (++guard > this.size) throw new Error('the glued list loops');
      let node = head;
      head = this.u32(node + 4);
      let nu = this.u32(node + 8);
      if (nu === 0) continue;
      for (; nu > 128; nu -= 128, node += 128 * UNIT) this.insertNode(node, INDEXES - 1);
      let i = indexOf(nu);
      if (unitsOf(i) !== nu) {
        const k = unitsOf(--i);
        this.insertNode(node + k * UNIT, nu - k - 1);
      }
      this.insertNode(node, i);
    }
  }
  // --- the model ----------------------------------------------------------------------------

  private restart(): void {
    this.restarts++;
    this.freeList.fill(0);
    this.stamps.fill(0);
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
    this.mem[root] = 255;
    this.mem[root + 1] = 0;
    this.setU16(root + 2, 257);
    this.foundState = this.loUnit;
    this.setU32(root + 4, this.loUnit);
    for (let i = 0; i < 256; i++) this.setState(this.loUnit + i * STATE, i, 1, 0);
    this.loUnit += 128 * UNIT;

    for (let i = 0, m = 0; m < 25; m++) {
      while (COUNT_TO_INDEX[i] === m) i++;
      for (let k = 0; k < 8; k++) {
        const value = BIN_SCALE - Math.floor(INIT_BIN_ESC[k]! / (i + 1));
        for (let r = 0; r < 64; r += 8) this.binSumm[m * 64 + k + r] = value;
      }
    }
    for (let i = 0, m = 0; m < 24; m++) {
      while (COUNT_TO_INDEX[i + 3] === m + 3) i++;
      for (let k = 0; k < 32; k++) {
        const see = m * 32 + k;
        this.seeShift[see] = PERIOD_BITS - 4;
        this.seeSumm[see] = (2 * i + 5) << (PERIOD_BITS - 4);
        this.seeCount[see] = 7;
      }
    }
  }

  /** The contexts the found symbol leads to, made along its suffixes (s1: the state already found in the first suffix); 0 when memory runs out. */
  private createSuccessors(skip: boolean, s1: number, c0: number): number {
    let c = c0;
    const upBranch = this.successor(this.foundState);
    const fSymbol = this.mem[this.foundState]!;
    let count = 0;
    if (!skip) this.chain[count++] = this.foundState;
    while (this.suffix(c) !== 0) {
      c = this.suffix(c);
      let s: number;
      if (s1 !== 0) {
        s = s1;
        s1 = 0;
      } else if (this.numStats(c) !== 0) {
        s = this.findState(c, fSymbol);
        if (this.mem[s + 1]! < MAX_FREQ - 9) {
          this.mem[s + 1]!++;
          this.setU16(c + 2, this.summFreq(c) + 1);
        }
      } else {
        s = c + 2;
        const f = this.mem[s + 1]!;
        this.mem[s + 1] = f + ((this.numStats(this.suffix(c)) === 0 ? 1 : 0) & (f < 24 ? 1 : 0));
      }
      const next = this.successor(s);
      if (next !== upBranch) {
        c = next;
        if (count === 0) return c;
        break;
      }
      if (count > MAX_ORDER) throw new Error('a context chain longer than the model order');
      this.chain[count++] = s;
    }
    const upSymbol = this.mem[upBranch]!;
    const flags = 0x10 * (fSymbol >= 0x40 ? 1 : 0) + 0x08 * (upSymbol >= 0x40 ? 1 : 0);
    let upFreq: number;
    if (this.numStats(c) === 0) upFreq = this.mem[c + 3]!;
    else {
      const s = this.findState(c, upSymbol);
      const cf = this.mem[s + 1]! - 1;
      const s0 = (this.summFreq(c) - this.numStats(c) - cf) >>> 0;
      upFreq = (1 + (2 * cf <= s0 ? (5 * cf > s0 ? 1 : 0) : Math.floor((cf + 2 * s0 - 3) / s0))) & 0xff;
    }
    while (count !== 0) {
      let c1: number;
      if (this.hiUnit !== this.loUnit) c1 = this.hiUnit -= UNIT;
      else if (this.freeList[0] !== 0) c1 = this.removeNode(0);
      else {
        c1 = this.allocUnitsRare(0);
        if (c1 === 0) return 0;
      }
      this.mem[c1] = 0;
      this.mem[c1 + 1] = flags;
      this.setState(c1 + 2, upSymbol, upFreq, upBranch + 1);
      this.setU32(c1 + 8, c);
      this.setU32(this.chain[--count]! + 2, c1);
      c = c1;
    }
    return c;
  }

  /** Where the found symbol has no successor yet: it and its suffixes' states point into the text, up to one that has one. */
  private reduceOrder(s1: number, c0: number): number {
    let c = c0;
    const c1 = c0;
    const upBranch = this.text;
    const fSymbol = this.mem[this.foundState]!;
    this.setU32(this.foundState + 2, upBranch);
    this.orderFall++;
    let s: number;
    for (let guard = 0; ; guard++) {
      if (guard > MAX_ORDER + 1) throw new Error('a context chain longer than the model order');
      if (s1 !== 0) {
        c = this.suffix(c);
        s = s1;
        s1 = 0;
      } else {
        if (this.suffix(c) === 0) return c;
        c = this.suffix(c);
        if (this.numStats(c) !== 0) {
          s = this.findState(c, fSymbol);
          if (this.mem[s + 1]! < MAX_FREQ - 9) {
            this.mem[s + 1] += 2;
            this.setU16(c + 2, this.summFreq(c) + 2);
          }
        } else {
          s = c + 2;
          const f = this.mem[s + 1]!;
          this.mem[s + 1] = f + (f < 32 ? 1 : 0);
        }
      }
      if (this.successor(s) !== 0) break;
      this.setU32(s + 2, upBranch);
      this.orderFall++;
    }
    if (this.successor(s) <= upBranch) {
      const saved = this.foundState;
      this.foundState = s;
      const made = this.createSuccessors(false, 0, c);
      this.setU32(s + 2, made);
      this.foundState = saved;
    }
    if (this.orderFall === 1 && c1 === this.maxContext) {
      this.setU32(this.foundState + 2, this.successor(s));
      this.text--;
    }
    return this.successor(s);
  }

  private updateModel(): void {
    const fs = this.foundState;
    let fSuccessor = this.successor(fs);
    const fFreq = this.mem[fs + 1]!;
    const fSymbol = this.mem[fs]!;
    let s = 0;

    if (fFreq < MAX_FREQ / 4 && this.suffix(this.minContext) !== 0) {
      const c = this.suffix(this.minContext);
      if (this.numStats(c) === 0) {
        s = c + 2;
        if (this.mem[s + 1]! < 32) this.mem[s + 1]!++;
      } else {
        s = this.stats(c);
        if (this.mem[s] !== fSymbol) {
          s = this.findState(c, fSymbol);
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

    let c = this.maxContext;
    if (this.orderFall === 0 && fSuccessor !== 0) {
      const cs = this.createSuccessors(true, s, this.minContext);
      if (cs === 0) {
        this.setU32(this.foundState + 2, 0);
        return this.restart();
      }
      this.setU32(this.foundState + 2, cs);
      this.maxContext = cs;
      return;
    }

    this.mem[this.text++] = fSymbol;
    let successor = this.text;
    if (this.text >= this.unitsStart) return this.restart();

    if (fSuccessor === 0) {
      const cs = this.reduceOrder(s, this.minContext);
      if (cs === 0) return this.restart();
      fSuccessor = cs;
    } else if (fSuccessor < this.unitsStart) {
      const cs = this.createSuccessors(false, s, this.minContext);
      if (cs === 0) return this.restart();
      fSuccessor = cs;
    }

    if (--this.orderFall === 0) {
      successor = fSuccessor;
      if (this.maxContext !== this.minContext) this.text--;
    }

    const ns = this.numStats(this.minContext);
    const s0 = (this.summFreq(this.minContext) - ns - fFreq) >>> 0;
    const flag = 0x08 * (fSymbol >= 0x40 ? 1 : 0);
    for (let depth = 0; c !== this.minContext; c = this.suffix(c)) {
      if (++depth > MAX_ORDER + 1) throw new Error('a context chain longer than the model order');
      const ns1 = this.numStats(c);
      if (ns1 !== 0) {
        if ((ns1 & 1) !== 0) {
          const oldNU = (ns1 + 1) >>> 1;
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
        this.setU16(c + 2, this.summFreq(c) + (3 * ns1 + 1 < ns ? 1 : 0));
      } else {
        const s2 = this.allocUnits(0);
        if (s2 === 0) return this.restart();
        this.copyState(s2, c + 2);
        this.setU32(c + 4, s2);
        const f = this.mem[s2 + 1]!;
        this.mem[s2 + 1] = f < MAX_FREQ / 4 - 1 ? f << 1 : MAX_FREQ - 4;
        this.setU16(c + 2, this.mem[s2 + 1]! + this.initEsc + (ns > 2 ? 1 : 0));
      }
      let cf = 2 * fFreq * (this.summFreq(c) + 6);
      const sf = s0 + this.summFreq(c);
      if (cf < 6 * sf) {
        cf = 1 + (cf > sf ? 1 : 0) + (cf >= 4 * sf ? 1 : 0);
        this.setU16(c + 2, this.summFreq(c) + 4);
      } else {
        cf = 4 + (cf > 9 * sf ? 1 : 0) + (cf > 12 * sf ? 1 : 0) + (cf > 15 * sf ? 1 : 0);
        this.setU16(c + 2, this.summFreq(c) + cf);
      }
      this.setState(this.stats(c) + (ns1 + 1) * STATE, fSymbol, cf, successor);
      this.mem[c + 1] = this.flags(c) | flag;
      this.mem[c] = ns1 + 1;
    }
    this.maxContext = this.minContext = fSuccessor;
  }

  protected rescale(): void {
    const mc = this.minContext;
    const m = this.mem;
    const stats = this.stats(mc);
    const halved = this.halveFrequencies(stats, this.foundState, this.numStats(mc) + 1, this.summFreq(mc), this.orderFall !== 0 ? 1 : 0);
    let { escFreq, last: s } = halved;
    const { sumFreq } = halved;
    if (m[s + 1] === 0) {
      const numStats = this.numStats(mc);
      let i = 0;
      do i++;
      while (m[(s -= STATE) + 1] === 0);
      escFreq = (escFreq + i) >>> 0;
      m[mc] = numStats - i;
      if (numStats - i === 0) {
        const sym = m[stats]!;
        let freq = m[stats + 1]!;
        const succ = this.successor(stats);
        freq = Math.floor((2 * freq + escFreq - 1) / escFreq) & 0xff;
        if (freq > MAX_FREQ / 3) freq = Math.floor(MAX_FREQ / 3);
        this.insertNode(stats, indexOf((numStats + 2) >>> 1));
        m[mc + 1] = (this.flags(mc) & 0x10) + 0x08 * (sym >= 0x40 ? 1 : 0);
        this.foundState = mc + 2;
        this.setState(this.foundState, sym, freq, succ);
        return;
      }
      const n0 = (numStats + 2) >>> 1;
      const n1 = (numStats - i + 2) >>> 1;
      if (n0 !== n1) this.setU32(mc + 4, this.shrinkUnits(stats, n0, n1));
      let flags = this.flags(mc) & ~0x08;
      let t = this.stats(mc);
      flags |= 0x08 * (m[t]! >= 0x40 ? 1 : 0);
      for (let k = this.numStats(mc); k > 0; k--) {
        t += STATE;
        flags |= 0x08 * (m[t]! >= 0x40 ? 1 : 0);
      }
      m[mc + 1] = flags;
    }
    this.setU16(mc + 2, sumFreq + escFreq - (escFreq >>> 1));
    m[mc + 1] = this.flags(mc) | 0x04;
    this.foundState = this.stats(mc);
  }

  /** The SEE context for an escape with `numMasked1` (the masked context's count minus one) masked; its escape frequency in `escFreq`. */
  private makeEscFreq(numMasked1: number): number {
    const mc = this.minContext;
    const ns = this.numStats(mc);
    if (ns === 0xff) {
      this.escFreq = 1;
      return this.dummySee;
    }
    const see =
      (COUNT_TO_INDEX[ns + 2]! - 3) * 32 +
      (this.summFreq(mc) > 11 * (ns + 1) ? 1 : 0) +
      2 * (2 * ns < this.numStats(this.suffix(mc)) + numMasked1 ? 1 : 0) +
      this.flags(mc);
    this.escFreq = this.seeEscape(see);
    return see;
  }

  protected nextContext(): void {
    const c = this.successor(this.foundState);
    if (this.orderFall === 0 && c >= this.unitsStart) this.minContext = this.maxContext = c;
    else {
      this.updateModel();
      this.minContext = this.maxContext;
    }
  }

  private update1First(): void {
    this.prevSuccess = 2 * this.mem[this.foundState + 1]! >= this.summFreq(this.minContext) ? 1 : 0;
    this.runLength = (this.runLength + this.prevSuccess) | 0;
    this.setU16(this.minContext + 2, this.summFreq(this.minContext) + 4);
    this.mem[this.foundState + 1] += 4;
    if (this.mem[this.foundState + 1]! > MAX_FREQ) this.rescale();
    this.nextContext();
  }

  private update2(): void {
    this.setU16(this.minContext + 2, this.summFreq(this.minContext) + 4);
    this.mem[this.foundState + 1] += 4;
    if (this.mem[this.foundState + 1]! > MAX_FREQ) this.rescale();
    this.runLength = this.initRL;
    this.updateModel();
    this.minContext = this.maxContext;
  }

  /** One symbol: 0..255, -1 for the end mark, -2 for damage. */
  decodeSymbol(): number {
    const m = this.mem;
    const rc = this.rc;
    const mask = this.charMask;
    let mc = this.minContext;
    rc.normalize();
    if (this.numStats(mc) !== 0) {
      let s = this.stats(mc);
      // A sum larger than the range is cut to it (7-Zip 20.01's correction, in its encoder too).
      const summFreq = Math.min(this.summFreq(mc), rc.range);
      const count = rc.threshold(summFreq);
      let hiCnt = m[s + 1]!;
      if (count < hiCnt) {
        rc.decode(0, hiCnt);
        this.foundState = s;
        const symbol = m[s]!;
        this.update1First();
        return symbol;
      }
      this.prevSuccess = 0;
      let i = this.numStats(mc);
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
      if (count >= summFreq) return -2;
      rc.decode(hiCnt, summFreq - hiCnt);
      mask.fill(-1);
      for (let t = this.stats(mc); t <= s; t += STATE) mask[m[t]!] = 0;
    } else {
      const one = mc + 2;
      const prob =
        COUNT_TO_INDEX[m[one + 1]! - 1]! * 64 +
        COUNT_TO_BIN_COLUMN[this.numStats(this.suffix(mc))]! +
        this.prevSuccess +
        this.flags(mc) +
        ((this.runLength >> 26) & 0x20);
      const p = this.binSumm[prob]!;
      const size0 = (rc.range >>> 14) * p;
      const q = p - ((p + (1 << (PERIOD_BITS - 2))) >> PERIOD_BITS);
      if (rc.code < size0) {
        this.binSumm[prob] = q + (1 << INT_BITS);
        rc.range = size0;
        rc.normalize();
        this.foundState = one;
        const symbol = m[one]!;
        const freq = m[one + 1]!;
        m[one + 1] = freq + (freq < 196 ? 1 : 0);
        this.prevSuccess = 1;
        this.runLength = (this.runLength + 1) | 0;
        this.nextContext();
        return symbol;
      }
      this.binSumm[prob] = q;
      this.initEsc = EXP_ESCAPE[q >>> 10]!;
      rc.low = (rc.low + size0) >>> 0;
      rc.code = (rc.code - size0) >>> 0;
      rc.range = ((rc.range & ~(BIN_SCALE - 1)) - size0) >>> 0;
      mask.fill(-1);
      mask[m[one]!] = 0;
      this.prevSuccess = 0;
    }
    for (;;) {
      rc.normalize();
      const numMasked = this.numStats(this.minContext);
      do {
        this.orderFall++;
        mc = this.suffix(this.minContext);
        if (mc === 0) return -1;
        this.minContext = mc;
      } while (this.numStats(mc) === numMasked);
      let hiCnt = 0;
      const first = this.stats(mc);
      const end = first + (this.numStats(mc) + 1) * STATE;
      for (let s = first; s < end; s += STATE) hiCnt += m[s + 1]! & mask[m[s]!]!;
      const see = this.makeEscFreq(numMasked);
      const freqSum = this.escFreq + hiCnt;
      const freqSum2 = Math.min(freqSum, rc.range);
      const count = rc.threshold(freqSum2);
      if (count < hiCnt) {
        let acc = 0;
        let s = first;
        for (; s < end; s += STATE) if ((acc += m[s + 1]! & mask[m[s]!]!) > count) break;
        if (s >= end) return -2;
        rc.decode(acc - m[s + 1]!, m[s + 1]!);
        rc.normalize();
        this.seeUpdate(see);
        this.foundState = s;
        const symbol = m[s]!;
        this.update2();
        return symbol;
      }
      if (count >= freqSum2) return -2;
      rc.decode(hiCnt, freqSum2 - hiCnt);
      this.seeSumm[see] = this.seeSumm[see]! + freqSum;
      for (let s = first; s < end; s += STATE) mask[m[s]!] = 0;
    }
  }
}
