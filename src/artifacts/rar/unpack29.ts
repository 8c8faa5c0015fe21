/**
 * RAR 2.9's compression (RAR 3.x and 4.x, "v2.9" in `lsar`, UNP_VER 29): what WinRAR and rar.exe
 * wrote before RAR 5 and what the old rar.exe copies found on compromised hosts still write. Two
 * coders share one stream and switch at block starts:
 *
 * - LZ: a match dictionary with four canonical Huffman tables (bits.ts), each table sent as
 *   differences from the one before; symbols are bytes, the end of a block or file (256), a filter
 *   (257), a repeat of the last match (258), matches at the last four distances (259-262), short
 *   matches (263-270) and matches with a length and a distance slot (271-298).
 * - PPMd: the var.H context model 7-Zip's 7z uses (sevenzip/ppmd7.ts) over RAR's own range coder,
 *   with an escape byte that introduces a match, a filter, a new block or the file's end.
 *
 * Filters arrive as programs for RAR's virtual machine. Nothing from the evidence is run: like
 * unrar since RAR 5, only the standard programs, recognised by their length and CRC-32, are undone,
 * by fixed loops (filters.ts); any other program leaves the file said damaged.
 *
 * There is no published specification; this is a reading of the format from the behaviour of the
 * freely licensed decoders (unrar's Unpack29, which may be used to read RAR archives, 7-Zip's and
 * libarchive's readers), checked byte for byte against bsdtar and unar on real archives
 * (test/artifacts/rar/unpack29.test.ts). Nothing here writes RAR data.
 */
import { crc32 } from 'node:zlib';
import { BIN_SCALE, type PpmdCoder } from '../archive/ppmd-heap.js';
import { Ppmd7 } from '../sevenzip/ppmd7.js';
import { HuffmanTable, MsbBits, readCodeLengths } from './bits.js';
import { applyRarFilter, exactOfCutSpan, type RarFilter } from './filters.js';
import { asBuffer, LzStream, UnpackDamage, type Unpacked } from './output.js';

const NC = 299;
const DC = 60;
const LDC = 17;
const RC = 28;
const TABLE_SIZE = NC + DC + LDC + RC;

const LENGTH_BASE = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224];
const LENGTH_BITS = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5];
const SHORT_BASE = [0, 4, 8, 16, 32, 64, 128, 192];
const SHORT_BITS = [2, 2, 3, 4, 5, 6, 6, 6];
/** Distance slots per number of extra bits (0, 1, ..., 18). */
const SLOTS_PER_BITS = [4, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 14, 0, 12];
const DIST_BASE = new Array<number>(DC);
const DIST_BITS = new Array<number>(DC);
{
  let dist = 0;
  let slot = 0;
  SLOTS_PER_BITS.forEach((count, bits) => {
    for (let j = 0; j < count; j++, slot++, dist += 2 ** bits) {
      DIST_BASE[slot] = dist;
      DIST_BITS[slot] = bits;
    }
  });
}
/** A low distance of 16 repeats the previous one this many times in all. */
const LOW_DIST_REPEATS = 16;
const CUT = 'the packed data ends before the file does';

/** The virtual machine's memory: a filter's span is at most this (unrar refuses longer ones). */
const VM_MEMORY = 0x40000;
const VM_GLOBAL_ADDRESS = 0x3c000;
const VM_GLOBAL_DATA = 0x2000 - 0x40;
const MAX_FILTER_PROGRAMS = 1024;
const MAX_PENDING_FILTERS = 8192;

type StandardKind = 'e8' | 'e8e9' | 'itanium' | 'delta' | 'rgb' | 'audio';
/** The standard programs by their length and CRC-32 (what unrar recognises; it runs no other). */
const STANDARD_PROGRAMS: ReadonlyArray<{ length: number; crc: number; kind: StandardKind }> = [
  { length: 53, crc: 0xad576887, kind: 'e8' },
  { length: 57, crc: 0x3cd7e57e, kind: 'e8e9' },
  { length: 120, crc: 0x3769893f, kind: 'itanium' },
  { length: 29, crc: 0x0e06077d, kind: 'delta' },
  { length: 149, crc: 0x1c2c5dc8, kind: 'rgb' },
  { length: 216, crc: 0xbc85e701, kind: 'audio' },
];

interface Tables {
  literal: HuffmanTable;
  distance: HuffmanTable;
  lowDistance: HuffmanTable;
  repeatLength: HuffmanTable;
}

/** A filter program the stream has defined (by its slot), and how often it ran. */
interface FilterProgram {
  kind: StandardKind | null;
  runs: number;
  lastLength: number;
}

interface PendingFilter {
  start: number;
  length: number;
  kind: StandardKind | null;
  /** The program's registers R0-R6 as the stream set them (R6, the file offset, is set when it runs). */
  registers: number[];
}

/** A byte source for the filter programs' parameters: LZ reads them from the bits, PPMd from its symbols. */
type ByteReader = () => number;

export class Rar29Stream extends LzStream {
  private prevLowDist = 0;
  private lowDistRepeats = 0;
  private tables: Tables | null = null;
  private readonly oldTable = new Uint8Array(TABLE_SIZE);
  private tablesRead = false;
  private ppmBlock = false;
  private ppm: Ppmd7 | null = null;
  private rc: RarRangeDecoder | null = null;
  private escape = 2;
  private programs: FilterProgram[] = [];
  private lastProgram = 0;

  /**
   * @param max the output the whole stream may reach (the caller's budget).
   * @param maxPpmdMemory the largest PPMd model memory allowed (RAR asks for up to 256 MiB).
   */
  constructor(
    max: number,
    private readonly maxPpmdMemory: number,
  ) {
    super(max);
  }

  /** Decodes one file's packed data, continuing the stream (a solid archive's next file). */
  decodeFile(packed: Uint8Array, size: number | null): Unpacked {
    const out = this.out;
    const { start, limit } = out.beginFile(size);
    const filters: PendingFilter[] = [];
    const input = new MsbBits(packed);
    let error: string | null = null;
    let cut = false;
    try {
      if (!this.tablesRead) this.readTables(input);
      else if (this.rc) this.rc.input = input;
      cut = this.decode(input, limit, size === null, filters);
    } catch (e) {
      if (!(e instanceof UnpackDamage)) throw e;
      this.tablesRead = false;
      // Past a file's last byte only its end mark may follow; a stream that has none ends there.
      if (size === null || out.end < limit) error = e.message;
    }
    if (!error && !cut && size !== null && out.end < limit) error = `the stream ends ${limit - out.end} bytes short of the file's size`;
    const raw = out.buf.subarray(start, out.end);
    let data = raw;
    if (filters.length > 0) {
      const done = this.filtered(raw, start, filters);
      data = done.data;
      if (!error && done.error) error = done.error;
    }
    return { data: asBuffer(data), error, cut };
  }

  /** Returns true when the output stopped at the stream's `max` before the file's end. */
  private decode(input: MsbBits, limit: number, open: boolean, filters: PendingFilter[]): boolean {
    const out = this.out;
    for (;;) {
      if (input.overrun()) throw new UnpackDamage(CUT);
      if (out.end >= limit && (open || limit === out.max)) return out.end >= out.max;
      if (this.ppmBlock) {
        const step = this.ppmStep(input, limit, filters);
        if (step === 'file-end') return false;
        if (step === 'full') return limit === out.max && out.end >= limit;
        continue;
      }
      const tables = this.tables!;
      const n = tables.literal.decode(input);
      if (n < 0) throw new UnpackDamage(`an undefined code at bit ${input.pos}`);
      if (n < 256) {
        if (input.overrun()) throw new UnpackDamage(CUT);
        if (out.end >= limit) return limit === out.max;
        out.buf[out.end++] = n;
        continue;
      }
      if (n >= 271) {
        const slot = n - 271;
        let length = LENGTH_BASE[slot]! + 3 + input.bits(LENGTH_BITS[slot]!);
        const distance = this.readDistance(input, tables);
        if (distance >= 0x2000) length += distance >= 0x40000 ? 2 : 1;
        this.insertOldDist(distance);
        this.lastLength = length;
        if (!this.match(distance, length, limit, input)) return limit === out.max;
        continue;
      }
      if (n === 256) {
        if (this.endOfBlock(input)) return false;
        continue;
      }
      if (n === 257) {
        this.readFilter(() => input.bits(8), input.bits(8), filters);
        if (input.overrun()) throw new UnpackDamage(CUT);
        continue;
      }
      if (n === 258) {
        if (this.lastLength !== 0 && !this.match(this.oldDist[0]!, this.lastLength, limit, input)) return limit === out.max;
        continue;
      }
      if (n < 263) {
        const which = n - 259;
        const distance = this.oldDist[which]!;
        for (let i = which; i > 0; i--) this.oldDist[i] = this.oldDist[i - 1]!;
        this.oldDist[0] = distance;
        const slot = tables.repeatLength.decode(input);
        if (slot < 0) throw new UnpackDamage(`an undefined length code at bit ${input.pos}`);
        const length = LENGTH_BASE[slot]! + 2 + input.bits(LENGTH_BITS[slot]!);
        this.lastLength = length;
        if (!this.match(distance, length, limit, input)) return limit === out.max;
        continue;
      }
      const short = n - 263;
      const distance = SHORT_BASE[short]! + 1 + input.bits(SHORT_BITS[short]!);
      this.insertOldDist(distance);
      this.lastLength = 2;
      if (!this.match(distance, 2, limit, input)) return limit === out.max;
    }
  }

  /**
   * A match up to `limit`; false when it would pass it. Past a file's own size that ends the file:
   * what follows a file's last byte is its end mark, and a stream without one has no more bytes.
   */
  private match(distance: number, length: number, limit: number, input: MsbBits): boolean {
    // A match read partly past the data's end (a cut stream) is not one the packer wrote.
    if (input.overrun()) throw new UnpackDamage(CUT);
    return this.out.copy(distance, length, limit);
  }

  private insertOldDist(distance: number): void {
    this.oldDist.copyWithin(1, 0, 3);
    this.oldDist[0] = distance;
  }

  private readDistance(input: MsbBits, tables: Tables): number {
    const slot = tables.distance.decode(input);
    if (slot < 0) throw new UnpackDamage(`an undefined distance code at bit ${input.pos}`);
    let distance = DIST_BASE[slot]! + 1;
    const bits = DIST_BITS[slot]!;
    if (bits === 0) return distance;
    if (slot <= 9) return distance + input.bits(bits);
    if (bits > 4) distance += input.bits(bits - 4) << 4;
    if (this.lowDistRepeats > 0) {
      this.lowDistRepeats--;
      return distance + this.prevLowDist;
    }
    const low = tables.lowDistance.decode(input);
    if (low < 0) throw new UnpackDamage(`an undefined low distance code at bit ${input.pos}`);
    if (low === 16) {
      this.lowDistRepeats = LOW_DIST_REPEATS - 1;
      return distance + this.prevLowDist;
    }
    this.prevLowDist = low;
    return distance + low;
  }

  /** Symbol 256: "1" a new table here; "00" the file's end; "01" the file's end, a new table at the next file's start. */
  private endOfBlock(input: MsbBits): boolean {
    if (input.bits(1)) {
      this.readTables(input);
      return false;
    }
    this.tablesRead = input.bits(1) === 0;
    return true;
  }

  private readTables(input: MsbBits): void {
    input.align();
    const head = input.peek16();
    if (head & 0x8000) {
      this.startPpm(input);
      return;
    }
    this.ppmBlock = false;
    this.prevLowDist = 0;
    this.lowDistRepeats = 0;
    if (!(head & 0x4000)) this.oldTable.fill(0);
    input.skip(2);
    // Each length is sent as its difference from the previous table's.
    const lengths = readCodeLengths(input, TABLE_SIZE, this.oldTable);
    if (!lengths) throw new UnpackDamage('damaged or cut tables');
    this.tablesRead = true;
    this.tables = {
      literal: new HuffmanTable(lengths, NC),
      distance: new HuffmanTable(lengths.subarray(NC), DC),
      lowDistance: new HuffmanTable(lengths.subarray(NC + DC), LDC),
      repeatLength: new HuffmanTable(lengths.subarray(NC + DC + LDC), RC),
    };
    this.oldTable.set(lengths);
  }

  // --- PPMd blocks ---------------------------------------------------------------------------

  /** A PPMd block's start: flags, the model's memory when it restarts, the escape byte, the coder's first bytes. */
  private startPpm(input: MsbBits): void {
    const byte = (): number => {
      const b = input.input[input.pos >>> 3] ?? 0;
      input.pos += 8;
      return b;
    };
    const flags = byte();
    const reset = (flags & 0x20) !== 0;
    const megabytes = reset ? byte() : 0;
    if (flags & 0x40) this.escape = byte();
    const rc = new RarRangeDecoder(input);
    this.rc = rc;
    if (reset) {
      let order = (flags & 0x1f) + 1;
      if (order > 16) order = 16 + (order - 16) * 3;
      if (order === 1) throw new UnpackDamage('a PPMd block of order 1');
      const memory = (megabytes + 1) * 0x100000;
      if (memory > this.maxPpmdMemory) throw new UnpackDamage(`a PPMd model of ${memory} bytes, past the ${this.maxPpmdMemory} allowed`);
      this.ppm = new Ppmd7(memory, order, rc);
    } else if (!this.ppm) throw new UnpackDamage('a PPMd block that continues a model never started');
    else this.ppm.rc = rc;
    this.ppmBlock = true;
    this.tablesRead = true;
  }

  private ppmSymbol(): number {
    const symbol = this.ppm!.decodeSymbol();
    if (symbol < 0) throw new UnpackDamage('PPMd data damaged');
    return symbol;
  }

  /** One PPMd symbol, or an escape and what it introduces. */
  private ppmStep(input: MsbBits, limit: number, filters: PendingFilter[]): 'more' | 'file-end' | 'full' {
    const out = this.out;
    const ch = this.ppmSymbol();
    if (ch === this.escape) {
      const next = this.ppmSymbol();
      if (next === 0) {
        this.readTables(input);
        return 'more';
      }
      if (next === 2) return 'file-end';
      if (next === 3) {
        this.readFilter(() => this.ppmSymbol(), this.ppmSymbol(), filters);
        return 'more';
      }
      if (next === 4) {
        let distance = 0;
        for (let i = 0; i < 3; i++) distance = distance * 256 + this.ppmSymbol();
        const length = this.ppmSymbol();
        return this.out.copy(distance + 2, length + 32, limit) ? 'more' : 'full';
      }
      if (next === 5) {
        const length = this.ppmSymbol();
        return this.out.copy(1, length + 4, limit) ? 'more' : 'full';
      }
      // Any other: the escape byte itself.
    }
    if (out.end >= limit) return 'full';
    out.buf[out.end++] = ch;
    return 'more';
  }

  // --- filters ------------------------------------------------------------------------------

  /** A filter: its header byte, then its parameters (and, the first time, its program). */
  private readFilter(read: ByteReader, first: number, filters: PendingFilter[]): void {
    let length = (first & 7) + 1;
    if (length === 7) length = read() + 7;
    else if (length === 8) length = read() * 256 + read();
    const code = new Uint8Array(length);
    for (let i = 0; i < length; i++) code[i] = read();
    this.addFilter(first, new MsbBits(code), filters);
  }

  private addFilter(first: number, p: MsbBits, filters: PendingFilter[]): void {
    let slot: number;
    if (first & 0x80) {
      slot = readVmNumber(p);
      if (slot === 0) {
        this.programs = [];
        this.lastProgram = 0;
      } else slot--;
    } else slot = this.lastProgram;
    if (slot > this.programs.length) throw new UnpackDamage(`a filter refers to program ${slot} of ${this.programs.length}`);
    this.lastProgram = slot;
    const isNew = slot === this.programs.length;
    if (isNew && slot >= MAX_FILTER_PROGRAMS) throw new UnpackDamage(`more than ${MAX_FILTER_PROGRAMS} filter programs`);
    const program: FilterProgram = isNew ? { kind: null, runs: 0, lastLength: 0 } : this.programs[slot]!;
    if (isNew) this.programs.push(program);
    else program.runs++;
    let blockStart = readVmNumber(p);
    if (first & 0x40) blockStart += 258;
    let blockLength = program.lastLength;
    if (first & 0x20) {
      blockLength = readVmNumber(p);
      program.lastLength = blockLength;
    }
    const registers = [0, 0, 0, VM_GLOBAL_ADDRESS, blockLength, program.runs, 0];
    if (first & 0x10) {
      const mask = p.bits(7);
      for (let i = 0; i < 7; i++) if (mask & (1 << i)) registers[i] = readVmNumber(p);
    }
    if (isNew) {
      const size = readVmNumber(p);
      if (size === 0 || size >= 0x10000) throw new UnpackDamage(`a filter program of ${size} bytes`);
      if (p.pos + size * 8 > p.endBit) throw new UnpackDamage('a filter program runs past its record');
      const code = new Uint8Array(size);
      for (let i = 0; i < size; i++) code[i] = p.bits(8);
      program.kind = standardKind(code);
    }
    if (first & 8) {
      // Data for the program's global memory: the standard programs do not read it.
      const size = readVmNumber(p);
      if (size > VM_GLOBAL_DATA) throw new UnpackDamage(`filter data of ${size} bytes`);
    }
    if (filters.length >= MAX_PENDING_FILTERS) throw new UnpackDamage(`more than ${MAX_PENDING_FILTERS} filters pending`);
    const start = this.out.end + blockStart;
    filters.push({ start, length: blockLength, kind: program.kind, registers });
  }

  /**
   * The file's bytes with each filter undone on its span, in order; a filter whose span is the
   * output of the one before (same start, same length) runs on that output, as unrar chains them.
   * A span the output does not reach to its end (a cut or split file) is undone as far as that is
   * exact, and the file's bytes end there.
   */
  private filtered(raw: Uint8Array, fileStart: number, filters: PendingFilter[]): { data: Uint8Array; error: string | null } {
    const out = Uint8Array.from(raw);
    const fileEnd = fileStart + raw.length;
    let done = fileStart;
    let error: string | null = null;
    for (let i = 0; i < filters.length; i++) {
      const f = filters[i]!;
      if (f.start < done) continue;
      if (f.start >= fileEnd) break;
      if (f.start + f.length > fileEnd) {
        const kind = standardFilter(f, f.length);
        const cut = this.out.buf.slice(f.start, fileEnd);
        const exact = kind ? exactOfCutSpan(kind, cut.length) : 0;
        if (kind && exact > 0) out.set(applyRarFilter(kind, cut, f.start - fileStart).subarray(0, exact), f.start - fileStart);
        return { data: out.subarray(0, f.start - fileStart + exact), error };
      }
      let span: Uint8Array = this.out.buf.slice(f.start, f.start + f.length);
      for (;;) {
        const run = runStandard(filters[i]!, span, f.start - fileStart);
        if (run.error) error ??= run.error;
        span = run.data;
        const next = filters[i + 1];
        if (!next || next.start !== f.start || next.length !== span.length) break;
        i++;
      }
      out.set(span, f.start - fileStart);
      done = f.start + f.length;
    }
    return { data: out, error };
  }
}

/** A standard program's transform on `span`; a span the program would refuse stays as decoded (unrar writes it so). */
function runStandard(f: PendingFilter, span: Uint8Array, fileOffset: number): { data: Uint8Array; error: string | null } {
  if (f.kind === null) return { data: span, error: 'a filter program that is not one of RAR\'s standard ones (not run)' };
  if (span.length > VM_MEMORY) return { data: span, error: `a filter over ${span.length} bytes, more than RAR allows` };
  const filter = standardFilter(f, span.length);
  return { data: filter ? applyRarFilter(filter, span, fileOffset) : span, error: null };
}

/** The transform a standard program makes of a span of `size` bytes with its registers, or null where unrar's program leaves the span as it is. */
function standardFilter(f: PendingFilter, size: number): RarFilter | null {
  const r = f.registers;
  switch (f.kind) {
    case 'e8':
    case 'e8e9':
      return size >= 4 && size < VM_GLOBAL_ADDRESS ? { kind: 'e8', e9: f.kind === 'e8e9', wrap: false } : null;
    case 'itanium':
      return size >= 21 && size < VM_GLOBAL_ADDRESS ? { kind: 'itanium' } : null;
    case 'delta':
      return size <= VM_MEMORY / 2 && r[0]! > 0 && r[0]! <= 1024 ? { kind: 'delta', channels: r[0]! } : null;
    case 'rgb': {
      const width = r[0]! - 3;
      return size <= VM_MEMORY / 2 && size >= 3 && width >= 0 && width <= size && r[1]! <= 2 ? { kind: 'rgb', width, posR: r[1]! } : null;
    }
    case 'audio':
      return size <= VM_MEMORY / 2 && r[0]! > 0 && r[0]! <= 128 ? { kind: 'audio', channels: r[0]! } : null;
    default:
      return null;
  }
}

/** A program's kind when it is one of the standard ones: its first byte is the XOR of the rest, and its length and CRC-32 are known. */
function standardKind(code: Uint8Array): StandardKind | null {
  let xor = 0;
  for (let i = 1; i < code.length; i++) xor ^= code[i]!;
  if (xor !== code[0]) return null;
  const crc = crc32(code) >>> 0;
  return STANDARD_PROGRAMS.find((s) => s.length === code.length && s.crc === crc)?.kind ?? null;
}

/** The virtual machine's variable-length number: 4 bits, 8 bits (or a negative byte), 16 or 32 bits. */
function readVmNumber(p: MsbBits): number {
  const head = p.peek16();
  switch (head & 0xc000) {
    case 0:
      p.skip(6);
      return (head >>> 10) & 0xf;
    case 0x4000:
      if ((head & 0x3c00) === 0) {
        p.skip(14);
        return (0xffffff00 | ((head >>> 2) & 0xff)) >>> 0;
      }
      p.skip(10);
      return (head >>> 6) & 0xff;
    case 0x8000:
      p.skip(2);
      return p.bits(16);
    default:
      p.skip(2);
      return p.wide(32);
  }
}

const TOP = 1 << 24;
const BOTTOM = 1 << 15;

/**
 * RAR's range coder for PPMd (Subbotin's carry-less coder): it keeps the interval's low end and
 * reads bytes from the packed data where the block's bits left off (byte-aligned).
 */
class RarRangeDecoder implements PpmdCoder {
  private low = 0;
  private code = 0;
  private range = 0xffffffff;

  constructor(public input: MsbBits) {
    for (let i = 0; i < 4; i++) this.code = ((this.code << 8) | this.byte()) >>> 0;
  }

  private byte(): number {
    const b = this.input.input[this.input.pos >>> 3] ?? 0;
    this.input.pos += 8;
    return b;
  }

  threshold(total: number): number {
    this.range = Math.floor(this.range / total);
    if (this.range === 0) throw new UnpackDamage('the range coder ran out of range');
    return Math.floor(((this.code - this.low) >>> 0) / this.range);
  }

  decode(start: number, size: number): void {
    this.low = (this.low + this.range * start) >>> 0;
    this.range = Math.imul(this.range, size) >>> 0;
    this.normalize();
  }

  bit(size0: number): number {
    this.range >>>= 14;
    if (this.range === 0) throw new UnpackDamage('the range coder ran out of range');
    if (Math.floor(((this.code - this.low) >>> 0) / this.range) < size0) {
      this.range = Math.imul(this.range, size0) >>> 0;
      this.normalize();
      return 0;
    }
    this.low = (this.low + this.range * size0) >>> 0;
    this.range = Math.imul(this.range, BIN_SCALE - size0) >>> 0;
    this.normalize();
    return 1;
  }

  private normalize(): void {
    for (;;) {
      if (((this.low ^ (this.low + this.range)) >>> 0) >= TOP) {
        if (this.range >= BOTTOM) return;
        this.range = (-this.low >>> 0) & (BOTTOM - 1);
      }
      this.code = ((this.code << 8) | this.byte()) >>> 0;
      this.range = (this.range << 8) >>> 0;
      this.low = (this.low << 8) >>> 0;
      // The coder reads up to four bytes ahead of the symbols it gives.
      if (this.input.pos > this.input.endBit + 32) throw new UnpackDamage('the packed data ends inside a PPMd block');
    }
  }
}
