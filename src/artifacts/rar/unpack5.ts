/**
 * RAR 5's compression (the "v5.0" methods fastest..best, and RAR 7's larger-dictionary variant):
 * LZ77 over a dictionary, coded with four canonical Huffman tables sent per block, plus filters
 * named in the stream (filters.ts). There is no published specification; this is a reading of the
 * format as the freely licensed decoders document it by behaviour (unrar's Unpack5, which may be
 * used to read RAR archives, and libarchive's reader), checked byte for byte against bsdtar and
 * unar on real archives (test/artifacts/rar/unpack5.test.ts). Nothing here writes RAR data.
 *
 * - A file's packed data is a run of blocks. Each starts on a byte boundary with a flags byte (how
 *   many bits of its last byte count, how many bytes give its size, whether it is the file's last,
 *   whether tables follow), a check byte, and its size; tables, when present, are 20 four-bit
 *   lengths of a pre-code, then the pre-coded lengths of the four tables (literals and match
 *   lengths; distance slots; a distance's low four bits; lengths of repeated matches).
 * - A literal symbol is a byte; 256 is a filter; 257 repeats the last match; 258-261 a match at one
 *   of the last four distances; 262 and up a new match (length slot, then distance slot).
 * - A solid archive's files continue one stream: the dictionary, the last distances and the tables
 *   carry over from the previous file (`Rar5Stream` is that state).
 *
 * The whole output of a stream is kept (it is bounded by the caller's `max`): a match reaches back
 * into it, and filters are undone on a copy of their span, since later matches read the unfiltered
 * bytes.
 */
import { HuffmanTable, MsbBits, readCodeLengths } from './bits.js';
import { applyRarFilter, exactOfCutSpan, type RarFilter } from './filters.js';
import { asBuffer, LzStream, UnpackDamage as Damage, type Unpacked } from './output.js';

const NC = 306;
const DC_RAR5 = 64;
const DC_RAR7 = 80;
const LDC = 16;
const RC = 44;
/** A filter's span is at most 4 MiB (unrar refuses longer ones). */
const MAX_FILTER_SPAN = 0x400000;
/** Filters pending in one file before the decoder stops: unrar keeps at most 8192. */
const MAX_FILTERS = 8192;
const CUT = 'the packed data ends inside a block';

interface Tables {
  literal: HuffmanTable;
  distance: HuffmanTable;
  lowDistance: HuffmanTable;
  repeatLength: HuffmanTable;
}

interface PendingFilter {
  /** Where its span starts in the stream's output. */
  start: number;
  length: number;
  filter: RarFilter;
}

/** One RAR 5 stream: a file of its own, or a solid archive's files in order. */
export class Rar5Stream extends LzStream {
  private tables: Tables | null = null;

  /** @param rar7 RAR 7's layout (80 distance slots for dictionaries over 4 GiB). */
  constructor(
    max: number,
    private readonly rar7 = false,
  ) {
    super(max);
  }

  decodeFile(packed: Uint8Array, size: number | null): Unpacked {
    const out = this.out;
    const { start, limit } = out.beginFile(size);
    const filters: PendingFilter[] = [];
    let error: string | null = null;
    let cut = false;
    try {
      cut = this.decodeBlocks(new MsbBits(packed), limit, size === null, filters);
    } catch (e) {
      if (!(e instanceof Damage)) throw e;
      error = e.message;
    }
    const raw = out.buf.subarray(start, out.end);
    const data = filters.length === 0 ? raw : this.filtered(raw, start, filters);
    return { data: asBuffer(data), error, cut };
  }

  /** Returns true when the output stopped at `limit` before the file's last block ended. */
  private decodeBlocks(input: MsbBits, limit: number, open: boolean, filters: PendingFilter[]): boolean {
    let block = this.readBlockHeader(input);
    const out = this.out;
    const w = out.buf;
    for (;;) {
      while (input.pos >= block.endBit) {
        if (block.last) {
          if (!open && out.end < limit) throw new Damage(`the stream ends ${limit - out.end} bytes short of the file's size`);
          return false;
        }
        block = this.readBlockHeader(input);
      }
      const tables = this.tables!;
      const slot = tables.literal.decode(input);
      if (slot < 256) {
        if (slot < 0) throw new Damage(`an undefined code at bit ${input.pos}`);
        if (input.overrun()) throw new Damage(CUT);
        if (out.end >= limit) return this.past(open, limit);
        w[out.end++] = slot;
        continue;
      }
      let length: number;
      let distance: number;
      if (slot >= 262) {
        length = this.slotToLength(input, slot - 262);
        distance = this.readDistance(input, tables);
        if (distance > 0x100) length += distance > 0x40000 ? 3 : distance > 0x2000 ? 2 : 1;
        this.oldDist.copyWithin(1, 0, 3);
        this.oldDist[0] = distance;
        this.lastLength = length;
      } else if (slot === 256) {
        this.readFilter(input, filters);
        continue;
      } else if (slot === 257) {
        if (this.lastLength === 0) continue;
        length = this.lastLength;
        distance = this.oldDist[0]!;
      } else {
        const which = slot - 258;
        distance = this.oldDist[which]!;
        for (let i = which; i > 0; i--) this.oldDist[i] = this.oldDist[i - 1]!;
        this.oldDist[0] = distance;
        const lengthSlot = tables.repeatLength.decode(input);
        if (lengthSlot < 0) throw new Damage(`an undefined length code at bit ${input.pos}`);
        length = this.slotToLength(input, lengthSlot);
        this.lastLength = length;
      }
      // A symbol read partly past the data's end (a cut stream) is not one the packer wrote.
      if (input.overrun()) throw new Damage(CUT);
      if (!out.copy(distance, length, limit)) return this.past(open, limit);
    }
  }

  /** The output would pass `limit`: the caller's bound (cut), or the file's size (damage). */
  private past(open: boolean, limit: number): boolean {
    if (open || limit === this.out.max) return true;
    throw new Damage(`the stream decodes past the file's size (${limit} bytes)`);
  }

  private readBlockHeader(input: MsbBits): { endBit: number; last: boolean } {
    input.align();
    const flags = input.bits(8);
    const check = input.bits(8);
    const sizeBytes = ((flags >>> 3) & 3) + 1;
    if (sizeBytes === 4) throw new Damage('a block header with a 4-byte size');
    let size = 0;
    for (let i = 0; i < sizeBytes; i++) size += input.bits(8) << (i * 8);
    const expected = (0x5a ^ flags ^ size ^ (size >>> 8) ^ (size >>> 16)) & 0xff;
    if (expected !== check) throw new Damage(`a block header's check byte does not match at byte ${(input.pos >>> 3) - 2 - sizeBytes}`);
    if (input.overrun()) throw new Damage('the packed data ends inside a block header');
    const startByte = input.pos >>> 3;
    const lastBits = (flags & 7) + 1;
    const endBit = (startByte + size - 1) * 8 + lastBits;
    if (flags & 0x80) this.readTables(input);
    else if (!this.tables) throw new Damage('a block without tables where none came before');
    return { endBit, last: (flags & 0x40) !== 0 };
  }

  private readTables(input: MsbBits): void {
    const dc = this.rar7 ? DC_RAR7 : DC_RAR5;
    const lengths = readCodeLengths(input, NC + dc + LDC + RC, null);
    if (!lengths) throw new Damage('damaged or cut tables');
    this.tables = {
      literal: new HuffmanTable(lengths, NC),
      distance: new HuffmanTable(lengths.subarray(NC), dc),
      lowDistance: new HuffmanTable(lengths.subarray(NC + dc), LDC),
      repeatLength: new HuffmanTable(lengths.subarray(NC + dc + LDC), RC),
    };
  }

  private slotToLength(input: MsbBits, slot: number): number {
    if (slot < 8) return 2 + slot;
    const bits = (slot >>> 2) - 1;
    return 2 + ((4 | (slot & 3)) << bits) + input.bits(bits);
  }

  private readDistance(input: MsbBits, tables: Tables): number {
    const slot = tables.distance.decode(input);
    if (slot < 0) throw new Damage(`an undefined distance code at bit ${input.pos}`);
    if (slot < 4) return 1 + slot;
    const bits = (slot >>> 1) - 1;
    let distance = 1 + (2 | (slot & 1)) * 2 ** bits;
    if (bits < 4) return distance + input.bits(bits);
    if (bits > 4) distance += input.wide(bits - 4) * 16;
    const low = tables.lowDistance.decode(input);
    if (low < 0) throw new Damage(`an undefined low distance code at bit ${input.pos}`);
    return distance + low;
  }

  private readFilter(input: MsbBits, filters: PendingFilter[]): void {
    const start = this.out.end + readFilterNumber(input);
    const length = readFilterNumber(input);
    const type = input.bits(3);
    let filter: RarFilter;
    if (type === 0) filter = { kind: 'delta', channels: input.bits(5) + 1 };
    else if (type === 1 || type === 2) filter = { kind: 'e8', e9: type === 2, wrap: true };
    else if (type === 3) filter = { kind: 'arm' };
    else throw new Damage(`a filter of unknown type ${type}`);
    if (length > MAX_FILTER_SPAN) throw new Damage(`a filter over ${length} bytes, more than RAR allows`);
    if (input.overrun()) throw new Damage(CUT);
    if (filters.length >= MAX_FILTERS) throw new Damage(`more than ${MAX_FILTERS} filters pending`);
    filters.push({ start, length, filter });
  }

  /**
   * The file's bytes with each filter undone on its span (as decoded: the spans are read
   * unfiltered). A span the output does not reach to its end (a cut or split file) is undone as far
   * as that is exact, and the file's bytes end there.
   */
  private filtered(raw: Uint8Array, fileStart: number, filters: PendingFilter[]): Uint8Array {
    const out = Uint8Array.from(raw);
    const fileEnd = fileStart + raw.length;
    let done = fileStart;
    for (const f of filters) {
      // unrar applies filters in order and never to a span it has already written.
      if (f.start < done || f.length === 0) continue;
      if (f.start >= fileEnd) break;
      const end = Math.min(f.start + f.length, fileEnd);
      const span = applyRarFilter(f.filter, this.out.buf.slice(f.start, end), f.start - fileStart);
      if (end < f.start + f.length) {
        const exact = exactOfCutSpan(f.filter, end - f.start);
        out.set(span.subarray(0, exact), f.start - fileStart);
        return out.subarray(0, f.start - fileStart + exact);
      }
      out.set(span, f.start - fileStart);
      done = end;
    }
    return out;
  }
}

/** A filter's start or length: 2 bits of byte count (1-4), then that many bytes, low first. */
function readFilterNumber(input: MsbBits): number {
  const bytes = input.bits(2) + 1;
  let value = 0;
  for (let i = 0; i < bytes; i++) value += input.bits(8) * 2 ** (8 * i);
  return value;
}
