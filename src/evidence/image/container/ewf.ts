/**
 * EWF (EnCase 1-7 `.E01`, `.E02`, ... segment sets) as the logical media. Layout (libewf's
 * "Expert Witness Compression Format" document): a 13-byte file header ("EVF\x09\r\n\xff\0", segment
 * number), then a chain of sections, each with a 76-byte descriptor (type[16], next u64, size u64).
 * `volume`/`disk` give chunk size and media size; each `sectors` section holds chunks, and the
 * `table` after it lists their offsets (bit 31 = zlib-compressed, relative to a base offset);
 * `table2` is a copy, used when `table` is damaged. `hash`/`digest` hold the acquisition MD5/SHA-1.
 * Chunk offsets are read lazily, a table's entries in one read when one of its chunks is first
 * wanted, and a few tables' entries kept (LIMITS.ewfTableEntriesKept).
 */
import type { ByteSource } from '../../../util/byte-source.js';
import { LIMITS } from '../../../util/limits.js';
import { EntryBoundedCache } from '../../fs.js';
import { inflateBlock, type BlockLocation } from './block-fetch.js';
import { blockSource, readExact } from './block-source.js';

export const EWF_SIGNATURE = Buffer.from('455646090d0aff00', 'hex');
const LVF_SIGNATURE = Buffer.from('4c5646090d0aff00', 'hex');
const EWF2_SIGNATURE = Buffer.from('455646320d0a8100', 'hex');
/** Sections walked per segment before giving up (a real segment has a few hundred). */
const MAX_SECTIONS_PER_SEGMENT = 100_000;
/** Entries one table section may claim (EnCase writes at most 16375). */
const MAX_TABLE_ENTRIES = 1 << 20;
const MAX_SEGMENTS = 10_000;

interface TableRef {
  segment: number;
  /** Offset of the first entry in the segment file. */
  entriesAt: number;
  count: number;
  base: number;
  firstChunk: number;
  /** End of the sectors section the chunks live in (bounds the last chunk). */
  dataEnd: number;
}

export interface EwfInfo {
  format: 'ewf';
  segments: number;
  chunkSize: number;
  bytesPerSector: number;
  sectorCount: number;
  mediaSize: number;
  chunkCount: number;
  storedMd5?: string;
  storedSha1?: string;
}

export function isEwf(head: Buffer): boolean {
  return head.length >= 8 && (head.subarray(0, 8).equals(EWF_SIGNATURE) || head.subarray(0, 8).equals(EWF2_SIGNATURE));
}

function sectionType(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 || end > 16 ? 16 : end).toString('latin1');
}

export function openEwf(segments: ByteSource[], name: string, warnings: string[]): { source: ByteSource; info: EwfInfo } {
  if (segments.length === 0) throw new Error('EWF: no segment');
  if (segments.length > MAX_SEGMENTS) throw new Error(`EWF: ${segments.length} segments exceed the limit ${MAX_SEGMENTS}`);
  const head0 = segments[0]!.read(0, 13);
  if (head0.subarray(0, 8).equals(EWF2_SIGNATURE)) throw new Error('EWF2 (Ex01) is not supported yet: convert with ewfexport');
  if (head0.subarray(0, 8).equals(LVF_SIGNATURE)) throw new Error('L01 logical evidence files are not disk images');
  let chunkSize = 0;
  let bytesPerSector = 512;
  let sectorCount = 0;
  let declaredChunks = 0;
  const tables: TableRef[] = [];
  const tables2: TableRef[] = [];
  let nextChunk = 0;
  let nextChunk2 = 0;
  let storedMd5: string | undefined;
  let storedSha1: string | undefined;

  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s]!;
    const fh = readExact(seg, 0, 13);
    if (!fh || !fh.subarray(0, 8).equals(EWF_SIGNATURE)) {
      warnings.push(`EWF segment ${s + 1} (${seg.name}): not an EWF segment; the media ends before it`);
      break;
    }
    const number = fh.readUInt16LE(9);
    if (number !== s + 1) warnings.push(`EWF segment ${seg.name}: numbered ${number}, expected ${s + 1}`);
    let lastSectors: { start: number; end: number } | null = null;
    let pos = 13;
    const seen = new Set<number>();
    for (let n = 0; n < MAX_SECTIONS_PER_SEGMENT; n++) {
      if (seen.has(pos)) {
        warnings.push(`EWF ${seg.name}: section chain loops at ${pos}`);
        break;
      }
      seen.add(pos);
      const d = readExact(seg, pos, 76);
      if (!d) {
        warnings.push(`EWF ${seg.name}: section descriptor at ${pos} truncated`);
        break;
      }
      const type = sectionType(d.subarray(0, 16));
      const next = Number(d.readBigUInt64LE(16));
      const size = Number(d.readBigUInt64LE(24));
      const dataAt = pos + 76;
      if (type === 'volume' || type === 'disk') {
        const v = readExact(seg, dataAt, 24);
        if (v) {
          declaredChunks = v.readUInt32LE(4);
          const spc = v.readUInt32LE(8);
          bytesPerSector = v.readUInt32LE(12) || 512;
          sectorCount = Number(v.readBigUInt64LE(16));
          chunkSize = spc * bytesPerSector;
        }
      } else if (type === 'sectors') {
        lastSectors = { start: pos, end: pos + size };
      } else if (type === 'table' || type === 'table2') {
        const h = readExact(seg, dataAt, 24);
        if (h) {
          let count = h.readUInt32LE(0);
          const base = Number(h.readBigUInt64LE(8));
          const room = Math.floor((Math.min(seg.size, pos + Math.max(size, 76)) - dataAt - 24) / 4);
          if (count > MAX_TABLE_ENTRIES || count > room) {
            warnings.push(`EWF ${seg.name}: ${type} at ${pos} claims ${count} entries, ${Math.max(0, room)} fit`);
            count = Math.max(0, Math.min(count, room, MAX_TABLE_ENTRIES));
          }
          const dataEnd = lastSectors ? lastSectors.end : pos;
          const ref: TableRef = { segment: s, entriesAt: dataAt + 24, count, base, firstChunk: 0, dataEnd };
          if (type === 'table') {
            ref.firstChunk = nextChunk;
            nextChunk += count;
            tables.push(ref);
          } else {
            ref.firstChunk = nextChunk2;
            nextChunk2 += count;
            tables2.push(ref);
          }
        }
      } else if (type === 'hash') {
        const h = readExact(seg, dataAt, 16);
        if (h) storedMd5 = h.toString('hex');
      } else if (type === 'digest') {
        const h = readExact(seg, dataAt, 36);
        if (h) {
          storedMd5 = h.subarray(0, 16).toString('hex');
          storedSha1 = h.subarray(16, 36).toString('hex');
        }
      }
      if (type === 'done' || type === 'next') break;
      if (next <= pos || next >= seg.size) {
        if (next !== pos) warnings.push(`EWF ${seg.name}: section '${type}' at ${pos} points to ${next}, outside the segment`);
        break;
      }
      pos = next;
    }
  }
  if (!chunkSize || chunkSize > 64 * 1024 * 1024 || chunkSize % 512 !== 0) throw new Error(`EWF: no usable volume section (chunk size ${chunkSize})`);
  const useTables = tables.length > 0 && (nextChunk >= nextChunk2 || tables2.length === 0) ? tables : tables2;
  if (useTables === tables2 && tables2.length) warnings.push('EWF: table sections damaged or missing; table2 used');
  const chunkCount = useTables === tables ? nextChunk : nextChunk2;
  let mediaSize = sectorCount * bytesPerSector;
  if (!mediaSize || mediaSize > chunkCount * chunkSize) {
    if (mediaSize) warnings.push(`EWF: media size ${mediaSize} exceeds the ${chunkCount} chunks found; the rest reads as zeros`);
    if (!mediaSize) mediaSize = chunkCount * chunkSize;
  }
  if (declaredChunks && declaredChunks !== chunkCount) warnings.push(`EWF: volume declares ${declaredChunks} chunks, tables list ${chunkCount}`);

  const findTable = (chunk: number): TableRef | null => {
    let lo = 0;
    let hi = useTables.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const t = useTables[mid]!;
      if (chunk < t.firstChunk) hi = mid - 1;
      else if (chunk >= t.firstChunk + t.count) lo = mid + 1;
      else return t;
    }
    return null;
  };
  let warnedChunks = 0;
  // A compressed chunk is read into one buffer kept for the image (inflate does not keep its
  // input): a fresh buffer per chunk was about 1 GB of short-lived memory per 100,000-file E01.
  let compressedBuffer: Buffer | null = null;
  const readCompressed = (seg: ByteSource, start: number, length: number): Buffer => {
    if (!seg.readInto) return seg.read(start, length);
    compressedBuffer ??= Buffer.allocUnsafe(chunkSize + 1024);
    return compressedBuffer.subarray(0, seg.readInto(compressedBuffer.subarray(0, length), start));
  };
  // The tables whose entries are in memory, least recently used let go first.
  const keptEntries = new EntryBoundedCache<TableRef, Buffer>((b) => b.length / 4, LIMITS.ewfTableEntriesKept);
  /** Table t's entries as far as the segment holds them (shorter when it was cut short). */
  const entriesOf = (t: TableRef): Buffer => {
    const hit = keptEntries.get(t);
    if (hit) return hit;
    const got = segments[t.segment]!.read(t.entriesAt, 4 * t.count);
    const entries = got.subarray(0, got.length - (got.length % 4));
    keptEntries.set(t, entries);
    return entries;
  };
  const bad = (msg: string): null => {
    if (warnedChunks++ < 20) warnings.push(msg);
    return null;
  };
  /** Chunk i's segment, where its bytes start, how many (of a compressed chunk: at most), and whether compressed; a string: why not. */
  const chunkAt = (i: number): { seg: ByteSource; start: number; length: number; compressed: boolean } | string => {
    const t = findTable(i);
    if (!t) return `EWF: chunk ${i} is in no table; zeros`;
    const k = i - t.firstChunk;
    const entries = entriesOf(t);
    // The entry after this one, when the table has it, bounds the chunk: both must be there.
    if (entries.length < 4 * (k + 1) || (k + 1 < t.count && entries.length < 4 * (k + 2))) return `EWF: table entry of chunk ${i} truncated`;
    const raw = entries.readUInt32LE(4 * k);
    const compressed = (raw & 0x80000000) !== 0;
    const start = t.base + (raw & 0x7fffffff);
    let end = k + 1 < t.count ? t.base + (entries.readUInt32LE(4 * k + 4) & 0x7fffffff) : t.dataEnd;
    if (end <= start || end - start > chunkSize + 1024) end = start + chunkSize + 1024;
    return { seg: segments[t.segment]!, start, length: compressed ? end - start : chunkSize, compressed };
  };
  const source = blockSource({
    name,
    size: mediaSize,
    blockSize: chunkSize,
    readBlock(i: number): Buffer | null {
      const at = chunkAt(i);
      if (typeof at === 'string') return bad(at);
      const { seg, start, compressed } = at;
      if (!compressed) {
        const b = seg.read(start, chunkSize);
        if (b.length === 0) return bad(`EWF: chunk ${i} lies outside ${seg.name}`);
        return b;
      }
      const z = readCompressed(seg, start, at.length);
      try {
        return inflateBlock(z, chunkSize);
      } catch (err) {
        return bad(`EWF: chunk ${i} does not inflate (${(err as Error).message}); zeros`);
      }
    },
    // A worker reads and inflates the chunk as readBlock does: same descriptor, offset and length
    // (a read stops at the size the segment had when opened, as the segment's own reads do).
    locate(i: number): BlockLocation | null {
      const at = chunkAt(i);
      if (typeof at === 'string' || at.seg.fd === undefined || !at.seg.readInto) return null;
      const length = Math.min(at.length, at.seg.size - at.start);
      return length > 0 ? { fd: at.seg.fd, position: at.start, length, zlib: at.compressed } : null;
    },
  });
  return {
    source,
    info: { format: 'ewf', segments: segments.length, chunkSize, bytesPerSector, sectorCount, mediaSize, chunkCount, storedMd5, storedSha1 },
  };
}

/** `base.E01` -> `base.E02` ... `base.E99`, `base.EAA` ... (case of the first extension kept). */
export function ewfSegmentName(first: string, n: number): string | null {
  const m = /^(.*\.)([EeLs])01$/.exec(first);
  if (!m) return null;
  const letter = m[2]!;
  if (n <= 99) return `${m[1]}${letter}${String(n).padStart(2, '0')}`;
  let k = n - 100;
  const upper = letter === letter.toUpperCase();
  const a = (upper ? 'A' : 'a').charCodeAt(0);
  const c2 = k % 26;
  k = Math.floor(k / 26);
  const c1 = k % 26;
  k = Math.floor(k / 26);
  const first3 = letter.charCodeAt(0) + k;
  if (first3 > (upper ? 'Z' : 'z').charCodeAt(0)) return null;
  return `${m[1]}${String.fromCharCode(first3, a + c1, a + c2)}`;
}
