/** RAR 5 block walk: main header flags, encryption header, file headers and their extra records. */
import { crc32 } from 'node:zlib';
import type { ByteSource } from '../../util/byte-source.js';
import { filetimeToIso, unixSecondsToIso } from '../../util/filetime.js';
import { LIMITS } from '../../util/limits.js';
import { namedFlags, newWalk } from './common.js';
import type { RarEntry, RarWalk } from './common.js';
import {
  MAX_BLOCKS_FACTOR,
  MAX_R5_HEADER,
  MAX_VINT_BYTES,
  R5_EXTRA,
  R5_FILE_FLAGS,
  R5_HEADER_FLAGS,
  R5_MAIN_FLAGS,
  R5_TIME_FLAGS,
  R5_TYPE,
  RAR5_SIGNATURE,
} from './layout.js';
import { methodName, utf8OrLatin1 } from './names.js';

/** Extra records per header: a file has a handful (time, hash, encryption, link, owner). */
const MAX_EXTRA_RECORDS = 64;

class Damage extends Error {}

/** Bounded cursor over one RAR 5 header. */
class Cursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}

  vint(): number {
    let value = 0;
    for (let i = 0; i < MAX_VINT_BYTES; i++) {
      if (this.pos >= this.end) throw new Damage('vint runs past the header end');
      const b = this.buf[this.pos++]!;
      value += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return value;
    }
    throw new Damage('vint longer than 10 bytes');
  }

  uint32(): number {
    if (this.pos + 4 > this.end) throw new Damage('field runs past the header end');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  bytes(n: number): Buffer {
    if (n > this.end - this.pos) throw new Damage(`field of ${n} bytes runs past the header end`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

interface Block {
  type: number;
  flags: number;
  header: Buffer;
  /** Offset in `header` of the type-specific fields and of the extra area. */
  bodyStart: number;
  extraStart: number;
  dataSize: number;
  /** Total bytes of CRC + size vint + header. */
  headerLength: number;
}

function readBlock(src: ByteSource, pos: number, w: RarWalk): Block {
  const pre = src.read(pos, 4 + MAX_VINT_BYTES);
  if (pre.length < 5) throw new Damage(`header at ${pos} truncated`);
  const sizeCursor = new Cursor(pre, 4, pre.length);
  const headerSize = sizeCursor.vint();
  if (headerSize === 0 || headerSize > MAX_R5_HEADER) throw new Damage(`header at ${pos} declares size ${headerSize}`);
  const headerLength = sizeCursor.pos + headerSize;
  const header = src.read(pos, headerLength);
  if (header.length < headerLength) throw new Damage(`header at ${pos} runs past the end of the file`);
  if (crc32(header.subarray(4)) !== header.readUInt32LE(0)) {
    w.warnings.push(`RAR 5 header at ${pos}: CRC mismatch`);
    w.corrupted = true;
  }
  const c = new Cursor(header, sizeCursor.pos, headerLength);
  const type = c.vint();
  const flags = c.vint();
  const extraSize = flags & R5_HEADER_FLAGS.extra ? c.vint() : 0;
  const dataSize = flags & R5_HEADER_FLAGS.data ? c.vint() : 0;
  const extraStart = headerLength - extraSize;
  if (extraStart < c.pos) throw new Damage(`header at ${pos}: extra area larger than the header`);
  return { type, flags, header, bodyStart: c.pos, extraStart, dataSize, headerLength };
}

interface ExtraInfo {
  encrypted: boolean;
  modified: string | null;
}

function readTimeRecord(c: Cursor): string | null {
  const flags = c.vint();
  if (!(flags & R5_TIME_FLAGS.mtime)) return null;
  if (flags & R5_TIME_FLAGS.unix) return unixSecondsToIso(c.uint32());
  return filetimeToIso(c.bytes(8).readBigUInt64LE(0));
}

/** Extra area records: size vint (from the type field on), type vint, data. */
function readExtra(b: Block): ExtraInfo {
  const info: ExtraInfo = { encrypted: false, modified: null };
  const c = new Cursor(b.header, b.extraStart, b.headerLength);
  for (let i = 0; i < MAX_EXTRA_RECORDS && c.pos < c.end; i++) {
    const size = c.vint();
    const recEnd = c.pos + size;
    if (size === 0 || recEnd > c.end) throw new Damage('extra record runs past the header end');
    const rec = new Cursor(b.header, c.pos, recEnd);
    const type = rec.vint();
    if (type === R5_EXTRA.encryption) info.encrypted = true;
    else if (type === R5_EXTRA.time) info.modified = readTimeRecord(rec);
    c.pos = recEnd;
  }
  return info;
}

function fileEntry(b: Block, pos: number): RarEntry {
  const c = new Cursor(b.header, b.bodyStart, b.extraStart);
  const fileFlags = c.vint();
  const size = c.vint();
  const attributes = c.vint();
  const mtime = fileFlags & R5_FILE_FLAGS.mtime ? c.uint32() : null;
  const crc = fileFlags & R5_FILE_FLAGS.crc ? c.uint32() : null;
  const compression = c.vint();
  const hostOs = c.vint();
  const nameLength = c.vint();
  const rawName = c.bytes(nameLength);
  const extra = readExtra(b);
  return {
    type: 'archive-entry',
    name: utf8OrLatin1(rawName.subarray(0, LIMITS.maxNameBytes)),
    size: fileFlags & R5_FILE_FLAGS.unknownSize ? null : size,
    compressedSize: b.dataSize,
    modified: extra.modified ?? (mtime !== null ? unixSecondsToIso(mtime) : null),
    encrypted: extra.encrypted,
    isDirectory: (fileFlags & R5_FILE_FLAGS.directory) !== 0,
    method: methodName((compression >>> 7) & 7),
    splitBefore: (b.flags & R5_HEADER_FLAGS.splitBefore) !== 0,
    splitAfter: (b.flags & R5_HEADER_FLAGS.splitAfter) !== 0,
    crc,
    dataOffset: pos + b.headerLength,
    attributes,
    hostOs,
    ...compressionInfo(compression),
  };
}

/**
 * The compression field: bits 0-5 the algorithm (0 RAR 5, 1 RAR 7), bit 6 solid, bits 7-9 the
 * method, bits 10-14 the dictionary as 128 KiB << n, bits 15-19 (RAR 7) 32nds of it added.
 */
function compressionInfo(compression: number): { unpackVersion: number | null; solid: boolean; dictionaryBytes: number } {
  const algorithm = compression & 0x3f;
  const base = 0x20000 * 2 ** ((compression >>> 10) & 0x1f);
  const fraction = algorithm === 1 ? (compression >>> 15) & 0x1f : 0;
  return {
    unpackVersion: algorithm === 0 ? 50 : algorithm === 1 ? 70 : null,
    solid: (compression & 0x40) !== 0,
    dictionaryBytes: base + (base / 32) * fraction,
  };
}

/** A damaged file header loses its entry, not the rest of the walk: its block size is known. */
function pushEntry(b: Block, pos: number, w: RarWalk): void {
  try {
    w.entries.push(fileEntry(b, pos));
  } catch (e) {
    if (!(e instanceof Damage)) throw e;
    w.warnings.push(`RAR 5 file header at ${pos}: ${e.message}`);
    w.corrupted = true;
  }
}

function serviceName(b: Block): string {
  try {
    return fileEntry(b, 0).name.slice(0, 16);
  } catch {
    return '?'; // a damaged service header only loses its name
  }
}

function readMain(b: Block, w: RarWalk): void {
  const c = new Cursor(b.header, b.bodyStart, b.extraStart);
  const flags = c.vint();
  w.flags = namedFlags(flags, R5_MAIN_FLAGS);
  // The volume number field is absent in the first volume.
  w.volumeNumber = flags & R5_MAIN_FLAGS.volumeNumber ? c.vint() : flags & R5_MAIN_FLAGS.volume ? 0 : null;
}

/** One block: returns the next position, or null when the walk ends here. */
function step(src: ByteSource, pos: number, w: RarWalk): number | null {
  const b = readBlock(src, pos, w);
  const end = pos + b.headerLength;
  if (b.type === R5_TYPE.main) readMain(b, w);
  else if (b.type === R5_TYPE.encryption) {
    // Archive encryption header: all later headers, the file list included, are encrypted.
    w.headersEncrypted = true;
    w.endOffset = end;
    return null;
  } else if (b.type === R5_TYPE.file) {
    if (w.entries.length >= LIMITS.maxArchiveEntries) {
      w.warnings.push(`RAR listing stopped at ${LIMITS.maxArchiveEntries} entries`);
      w.truncated = true;
      w.endOffset = pos;
      return null;
    }
    pushEntry(b, pos, w);
  } else if (b.type === R5_TYPE.service) w.services.push(serviceName(b));
  else if (b.type === R5_TYPE.end) {
    w.endOffset = end;
    return null;
  }
  const next = end + b.dataSize;
  if (next > src.size) {
    w.warnings.push(`RAR 5 block at ${pos} has data running past the end of the file (${next} > ${src.size})`);
    w.corrupted = true;
    w.truncated = true;
    w.endOffset = src.size;
    return null;
  }
  return next;
}

/** Walks a RAR 5 archive starting right after the 8-byte signature. */
export function walkRar5(src: ByteSource): RarWalk {
  const w = newWalk(5);
  let pos: number | null = RAR5_SIGNATURE.length;
  const maxBlocks = LIMITS.maxArchiveEntries * MAX_BLOCKS_FACTOR;
  for (let n = 0; n < maxBlocks && pos !== null; n++) {
    if (pos >= src.size) {
      w.warnings.push('RAR 5 archive ends without an end-of-archive header');
      w.truncated = true;
      w.endOffset = pos;
      return w;
    }
    const at: number = pos;
    try {
      pos = step(src, at, w);
    } catch (e) {
      if (!(e instanceof Damage)) throw e;
      w.warnings.push(`RAR 5: ${e.message}`);
      w.corrupted = true;
      w.truncated = true;
      w.endOffset = at;
      return w;
    }
  }
  if (pos !== null) {
    w.warnings.push(`RAR 5: more than ${maxBlocks} blocks; listing stopped`);
    w.truncated = true;
  }
  return w;
}
