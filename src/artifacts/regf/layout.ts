/**
 * The regf on-disk layout, in one place (after libregf's "Windows NT Registry File (REGF) format"
 * and dissect.regf). Pure readers over a hive's bytes (`HiveBytes`: a Buffer, or pages read through
 * the ByteSource, pages.ts): every offset is checked against the hive's length, a bad structure gives
 * `null` plus a reason, never a throw.
 * The walk over these structures lives in walk.ts.
 */
import type { HiveBytes } from './pages.js';

const BASE_BLOCK_SIZE = 0x1000;
/** Cell offsets in the hive are relative to the first hbin, which follows the base block. */
export const HBINS_START = BASE_BLOCK_SIZE;
export const HBIN_HEADER_SIZE = 0x20;
/** Data larger than this is split into `db` segments (hives 1.4+). */
export const BIG_DATA_THRESHOLD = 16344;
/** A cell offset of all ones means "none". */
export const NO_CELL = 0xffffffff;

// Base block fields.
const BB = {
  signature: 0x000, // 'regf'
  sequence1: 0x004, // primary sequence number
  sequence2: 0x008, // secondary sequence number (differs from primary = dirty)
  lastWritten: 0x00c, // FILETIME
  major: 0x014,
  minor: 0x018,
  fileType: 0x01c, // 0 primary hive, 1/2 old logs, 6 new-format log
  fileFormat: 0x020, // 1 = direct memory load
  rootCell: 0x024,
  hbinsSize: 0x028,
  clustering: 0x02c,
  fileName: 0x030, // 64 bytes UTF-16LE, tail of the path the hive was loaded from
  checksum: 0x1fc, // XOR of the 127 dwords before it
} as const;
const BB_FILE_NAME_BYTES = 64;

// hbin header fields.
const HBIN = {
  signature: 0x00, // 'hbin'
  offset: 0x04, // offset of this hbin from HBINS_START
  size: 0x08,
  timestamp: 0x14, // FILETIME, first hbin only: a copy of the base block's last-written time
} as const;

// nk fields, relative to the start of the cell data (after the 4-byte cell size).
const NK = {
  signature: 0x00, // 'nk'
  flags: 0x02,
  lastWritten: 0x04, // FILETIME
  parent: 0x10,
  subkeyCount: 0x14,
  volatileSubkeyCount: 0x18,
  subkeyList: 0x1c,
  volatileSubkeyList: 0x20,
  valueCount: 0x24,
  valueList: 0x28,
  security: 0x2c, // sk cell: referenced only, never followed
  className: 0x30,
  nameLength: 0x48, // u16
  classNameLength: 0x4a, // u16
  name: 0x4c,
} as const;
export const KEY_COMP_NAME = 0x0020;
export const KEY_HIVE_ENTRY = 0x0004;

// vk fields.
const VK = {
  signature: 0x00, // 'vk'
  nameLength: 0x02, // u16
  dataSize: 0x04, // bit 31 set: data (<= 4 bytes) is stored in the dataOffset field itself
  dataOffset: 0x08,
  dataType: 0x0c,
  flags: 0x10, // u16
  name: 0x14,
} as const;
export const VALUE_COMP_NAME = 0x0001;
const DATA_INLINE_FLAG = 0x80000000;

// db (big data) fields.
const DB = {
  signature: 0x00, // 'db'
  segmentCount: 0x02, // u16
  segmentList: 0x04, // cell holding u32 offsets of the segments
} as const;

// Subkey lists: 'lf'/'lh' have (offset, hint) pairs, 'li'/'ri' plain offsets.
const LIST = { signature: 0x00, count: 0x02, items: 0x04 } as const;

export interface BaseBlock {
  sequence1: number;
  sequence2: number;
  lastWritten: bigint;
  major: number;
  minor: number;
  fileType: number;
  rootCell: number;
  hbinsSize: number;
  embeddedName: string;
  checksumStored: number;
  checksumComputed: number;
}

export function hasRegfMagic(head: HiveBytes): boolean {
  return head.length >= 4 && head.toString('latin1', 0, 4) === 'regf';
}

/** XOR of the first 127 dwords; 0 and 0xFFFFFFFF are remapped as Windows does. */
export function baseBlockChecksum(buf: HiveBytes): number {
  let x = 0;
  for (let i = 0; i < BB.checksum; i += 4) x = (x ^ buf.readUInt32LE(i)) >>> 0;
  if (x === 0xffffffff) return 0xfffffffe;
  if (x === 0) return 1;
  return x;
}

/**
 * A base block as a hive writer leaves it once a transaction is complete: both sequence numbers
 * `sequence`, `hbinsSize` bytes of hive bins, the file type of a primary file, its checksum
 * recomputed (a copy of `block`, whose first 512 bytes are read; logs.ts after a replay).
 */
export function completedBaseBlock(block: Buffer, sequence: number, hbinsSize: number): Buffer {
  const out = Buffer.alloc(BASE_BLOCK_SIZE);
  block.copy(out, 0, 0, Math.min(block.length, BASE_BLOCK_SIZE));
  out.writeUInt32LE(sequence >>> 0, BB.sequence1);
  out.writeUInt32LE(sequence >>> 0, BB.sequence2);
  out.writeUInt32LE(0, BB.fileType);
  out.writeUInt32LE(hbinsSize >>> 0, BB.hbinsSize);
  out.writeUInt32LE(baseBlockChecksum(out), BB.checksum);
  return out;
}

/** The timestamp in the first hive bin's header: the base block's last-written time, kept where a torn base block cannot reach it. */
export function firstBinTimestamp(buf: Buffer): bigint | null {
  const at = HBINS_START + HBIN.timestamp;
  return buf.length >= at + 8 && buf.toString('latin1', HBINS_START, HBINS_START + 4) === 'hbin' ? buf.readBigUInt64LE(at) : null;
}

export function readBaseBlock(buf: HiveBytes): BaseBlock | null {
  if (buf.length < 0x200 || !hasRegfMagic(buf)) return null;
  const nameBytes = buf.subarray(BB.fileName, BB.fileName + BB_FILE_NAME_BYTES);
  return {
    sequence1: buf.readUInt32LE(BB.sequence1),
    sequence2: buf.readUInt32LE(BB.sequence2),
    lastWritten: buf.readBigUInt64LE(BB.lastWritten),
    major: buf.readUInt32LE(BB.major),
    minor: buf.readUInt32LE(BB.minor),
    fileType: buf.readUInt32LE(BB.fileType),
    rootCell: buf.readUInt32LE(BB.rootCell),
    hbinsSize: buf.readUInt32LE(BB.hbinsSize),
    embeddedName: utf16z(nameBytes),
    checksumStored: buf.readUInt32LE(BB.checksum),
    checksumComputed: baseBlockChecksum(buf),
  };
}

/** UTF-16LE up to the first NUL code unit. */
export function utf16z(bytes: Buffer): string {
  let end = bytes.length & ~1;
  for (let i = 0; i + 1 < end; i += 2) {
    if (bytes[i] === 0 && bytes[i + 1] === 0) {
      end = i;
      break;
    }
  }
  return bytes.toString('utf16le', 0, end);
}

export interface HbinHeader {
  offset: number;
  size: number;
}

/** Reads the hbin header at absolute file position `pos`, or null when it is not one. */
export function readHbin(buf: HiveBytes, pos: number): HbinHeader | null {
  if (pos + HBIN_HEADER_SIZE > buf.length) return null;
  if (buf.toString('latin1', pos + HBIN.signature, pos + 4) !== 'hbin') return null;
  return { offset: buf.readUInt32LE(pos + HBIN.offset), size: buf.readUInt32LE(pos + HBIN.size) };
}

/** A cell located in the hive: `start` is the absolute position of its data (after the size). */
export interface Cell {
  start: number;
  length: number;
  allocated: boolean;
}

export type CellResult = Cell | string;

/** Finds the cell at hive offset `offset` (relative to HBINS_START); a string says why not. */
export function readCell(buf: HiveBytes, offset: number, end: number): CellResult {
  if (offset === NO_CELL) return 'no cell';
  if (offset % 8 !== 0) return `cell offset 0x${offset.toString(16)} is not 8-byte aligned`;
  const pos = HBINS_START + offset;
  if (pos + 4 > end) return `cell offset 0x${offset.toString(16)} is outside the hive bins`;
  const raw = buf.readInt32LE(pos);
  const size = Math.abs(raw);
  if (size < 8 || pos + size > end) return `cell at 0x${offset.toString(16)} has impossible size ${raw}`;
  return { start: pos + 4, length: size - 4, allocated: raw < 0 };
}

function sig(buf: HiveBytes, cell: Cell): string {
  return cell.length >= 2 ? buf.toString('latin1', cell.start, cell.start + 2) : '';
}

export interface NkCell {
  flags: number;
  lastWritten: bigint;
  subkeyCount: number;
  subkeyList: number;
  valueCount: number;
  valueList: number;
  classNameOffset: number;
  classNameLength: number;
  name: string;
}

export function readNk(buf: HiveBytes, cell: Cell): NkCell | string {
  if (sig(buf, cell) !== 'nk') return `expected nk, found '${printable(sig(buf, cell))}'`;
  if (cell.length < NK.name) return 'nk cell too short';
  const s = cell.start;
  const flags = buf.readUInt16LE(s + NK.flags);
  const nameLength = buf.readUInt16LE(s + NK.nameLength);
  if (NK.name + nameLength > cell.length) return `nk name length ${nameLength} exceeds its cell`;
  const nameBytes = buf.subarray(s + NK.name, s + NK.name + nameLength);
  return {
    flags,
    lastWritten: buf.readBigUInt64LE(s + NK.lastWritten),
    subkeyCount: buf.readUInt32LE(s + NK.subkeyCount),
    subkeyList: buf.readUInt32LE(s + NK.subkeyList),
    valueCount: buf.readUInt32LE(s + NK.valueCount),
    valueList: buf.readUInt32LE(s + NK.valueList),
    classNameOffset: buf.readUInt32LE(s + NK.className),
    classNameLength: buf.readUInt16LE(s + NK.classNameLength),
    name: decodeName(nameBytes, (flags & KEY_COMP_NAME) !== 0),
  };
}

export interface VkCell {
  name: string;
  dataType: number;
  /** Declared size with the inline flag removed. */
  dataSize: number;
  inline: boolean;
  /** Raw dataOffset field (holds the data itself when inline). */
  dataOffset: number;
  /** Absolute position of the dataOffset field (for inline data). */
  inlinePos: number;
}

export function readVk(buf: HiveBytes, cell: Cell): VkCell | string {
  if (sig(buf, cell) !== 'vk') return `expected vk, found '${printable(sig(buf, cell))}'`;
  if (cell.length < VK.name) return 'vk cell too short';
  const s = cell.start;
  const nameLength = buf.readUInt16LE(s + VK.nameLength);
  if (VK.name + nameLength > cell.length) return `vk name length ${nameLength} exceeds its cell`;
  const flags = buf.readUInt16LE(s + VK.flags);
  const rawSize = buf.readUInt32LE(s + VK.dataSize);
  return {
    name: decodeName(buf.subarray(s + VK.name, s + VK.name + nameLength), (flags & VALUE_COMP_NAME) !== 0),
    dataType: buf.readUInt32LE(s + VK.dataType),
    dataSize: (rawSize & ~DATA_INLINE_FLAG) >>> 0,
    inline: (rawSize & DATA_INLINE_FLAG) !== 0,
    dataOffset: buf.readUInt32LE(s + VK.dataOffset),
    inlinePos: s + VK.dataOffset,
  };
}

export interface DbCell {
  segmentCount: number;
  segmentList: number;
}

export function readDb(buf: HiveBytes, cell: Cell): DbCell | null {
  if (sig(buf, cell) !== 'db' || cell.length < 8) return null;
  return {
    segmentCount: buf.readUInt16LE(cell.start + DB.segmentCount),
    segmentList: buf.readUInt32LE(cell.start + DB.segmentList),
  };
}

export type ListKind = 'lf' | 'lh' | 'li' | 'ri';

export interface SubkeyList {
  kind: ListKind;
  offsets: number[];
  /** True when the declared count did not fit in the cell. */
  clipped: boolean;
}

export function readSubkeyList(buf: HiveBytes, cell: Cell): SubkeyList | string {
  const kind = sig(buf, cell);
  if (kind !== 'lf' && kind !== 'lh' && kind !== 'li' && kind !== 'ri') {
    return `expected a subkey list, found '${printable(kind)}'`;
  }
  if (cell.length < LIST.items) return 'subkey list cell too short';
  const stride = kind === 'lf' || kind === 'lh' ? 8 : 4;
  const declared = buf.readUInt16LE(cell.start + LIST.count);
  const fits = Math.floor((cell.length - LIST.items) / stride);
  const count = Math.min(declared, fits);
  const offsets = new Array<number>(count);
  for (let i = 0; i < count; i++) offsets[i] = buf.readUInt32LE(cell.start + LIST.items + i * stride);
  return { kind, offsets, clipped: declared > fits };
}

/** A cell of u32 offsets (value list, db segment list); the count comes from the referrer. */
export function readOffsetArray(buf: HiveBytes, cell: Cell, declared: number): { offsets: number[]; clipped: boolean } {
  const fits = Math.floor(cell.length / 4);
  const count = Math.min(declared, fits);
  const offsets = new Array<number>(count);
  for (let i = 0; i < count; i++) offsets[i] = buf.readUInt32LE(cell.start + i * 4);
  return { offsets, clipped: declared > fits };
}

/** Compressed names are Latin-1 bytes; the others UTF-16LE. Embedded NULs are kept (tools truncate). */
export function decodeName(bytes: Buffer, compressed: boolean): string {
  return compressed ? bytes.toString('latin1') : bytes.toString('utf16le', 0, bytes.length & ~1);
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}
