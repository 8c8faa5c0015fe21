/**
 * USN change journal ($UsnJrnl:$J) walker: USN_RECORD_V2, V3 and V4, streamed in bounded windows.
 * Zeros between records (the purged, sparse head of the journal and page padding) are skipped a
 * window at a time, and holes a SparseAwareSource reports are jumped over without reading them.
 * A record with an impossible length is reported and the walk resumes at the next 8-byte position
 * that holds a plausible record header.
 */
import type { ByteSource } from '../../util/byte-source.js';
import { filetimeToIso } from '../../util/filetime.js';
import { decodeUtf16 } from '../../evidence/image/ntfs/record.js';
import { fileAttributeNames } from '../../evidence/image/ntfs/summary.js';
import type { SparseAwareSource } from '../../evidence/image/ntfs/stream.js';
import { USN_COMMON, USN_MAX_RECORD_LENGTH, USN_MIN_RECORD_LENGTH, USN_V2, USN_V3, USN_V4, usnReasonNames } from './usn-layout.js';

export type UsnRecord = {
  type: 'usn-record';
  /** Byte offset of the record in the $J stream. */
  offset: number;
  major: number;
  minor: number;
  usn: number;
  entry: number;
  sequence: number;
  parentEntry: number;
  parentSequence: number;
  /** ISO-8601 with 100 ns, or null (V4 has no time). */
  timestamp: string | null;
  reason: number;
  reasons: string[];
  sourceInfo: number;
  securityId: number | null;
  fileAttributes: number | null;
  attributes: string[];
  /** Null for V4 records, which carry no name. */
  name: string | null;
  /** V4 only: the changed byte ranges. */
  extents?: Array<{ offset: number; length: number }>;
};

const WINDOW = 1024 * 1024;

function isSparseAware(src: ByteSource): src is SparseAwareSource {
  return typeof (src as Partial<SparseAwareSource>).nextDataOffset === 'function';
}

/** A header that could start a record: aligned length in range and a known major version. */
export function plausibleUsnHeader(buf: Buffer, at: number): boolean {
  if (at + 8 > buf.length) return false;
  const length = buf.readUInt32LE(at + USN_COMMON.length);
  const major = buf.readUInt16LE(at + USN_COMMON.major);
  return length >= USN_MIN_RECORD_LENGTH && length <= USN_MAX_RECORD_LENGTH && length % 8 === 0 && major >= 2 && major <= 4 && buf.readUInt16LE(at + USN_COMMON.minor) <= 1;
}

function ref64(buf: Buffer, at: number): { entry: number; sequence: number } {
  const v = buf.readBigUInt64LE(at);
  return { entry: Number(v & 0xffffffffffffn), sequence: Number((v >> 48n) & 0xffffn) };
}

/** A 64-bit value as a number, NaN beyond 2^53 either way (damage, not data). */
export function safeNumber(v: bigint): number {
  return v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER) ? Number.NaN : Number(v);
}

/** Decodes the record at `rec` (exactly its length); null when its fields do not fit. */
export function decodeUsnRecord(rec: Buffer, offset: number): UsnRecord | null {
  const major = rec.readUInt16LE(USN_COMMON.major);
  const minor = rec.readUInt16LE(USN_COMMON.minor);
  if (major === 2 || major === 3) {
    const L = major === 2 ? USN_V2 : USN_V3;
    if (rec.length < L.minLength) return null;
    const file = ref64(rec, L.fileRef);
    const parent = ref64(rec, L.parentRef);
    const nameLength = rec.readUInt16LE(L.nameLength);
    const nameOffset = rec.readUInt16LE(L.nameOffset);
    if (nameOffset + nameLength > rec.length || (nameLength > 0 && nameOffset < L.minLength)) return null;
    const reason = rec.readUInt32LE(L.reason);
    const attrs = rec.readUInt32LE(L.fileAttributes);
    return {
      type: 'usn-record',
      offset,
      major,
      minor,
      usn: safeNumber(rec.readBigInt64LE(L.usn)),
      entry: file.entry,
      sequence: file.sequence,
      parentEntry: parent.entry,
      parentSequence: parent.sequence,
      timestamp: filetimeToIso(rec.readBigUInt64LE(L.timestamp)),
      reason,
      reasons: usnReasonNames(reason),
      sourceInfo: rec.readUInt32LE(L.sourceInfo),
      securityId: rec.readUInt32LE(L.securityId),
      fileAttributes: attrs,
      attributes: fileAttributeNames(attrs),
      name: decodeUtf16(rec, nameOffset, nameLength >> 1),
    };
  }
  if (major === 4) {
    if (rec.length < USN_V4.minLength) return null;
    const file = ref64(rec, USN_V4.fileRef);
    const parent = ref64(rec, USN_V4.parentRef);
    const count = rec.readUInt16LE(USN_V4.numberOfExtents);
    const size = rec.readUInt16LE(USN_V4.extentSize) || 16;
    const extents: Array<{ offset: number; length: number }> = [];
    for (let i = 0; i < count; i++) {
      const at = USN_V4.extents + i * size;
      if (size < 16 || at + 16 > rec.length) break;
      extents.push({ offset: safeNumber(rec.readBigInt64LE(at)), length: safeNumber(rec.readBigInt64LE(at + 8)) });
    }
    const reason = rec.readUInt32LE(USN_V4.reason);
    return {
      type: 'usn-record',
      offset,
      major,
      minor,
      usn: safeNumber(rec.readBigInt64LE(USN_V4.usn)),
      entry: file.entry,
      sequence: file.sequence,
      parentEntry: parent.entry,
      parentSequence: parent.sequence,
      timestamp: null,
      reason,
      reasons: usnReasonNames(reason),
      sourceInfo: rec.readUInt32LE(USN_V4.sourceInfo),
      securityId: null,
      fileAttributes: null,
      attributes: [],
      name: null,
      extents,
    };
  }
  return null;
}

/**
 * Every USN record of a $J stream, in file order. Memory: one window (1 MiB + one record).
 * Time: linear in the bytes that are not inside reported sparse holes.
 */
export function* walkUsnJournal(src: ByteSource, warnings: string[]): Generator<UsnRecord> {
  const sparse = isSparseAware(src) ? src : null;
  let pos = 0;
  let bad = 0;
  let windowStart = -1;
  let window: Buffer = Buffer.alloc(0);
  const load = (at: number, need: number): void => {
    if (at >= windowStart && at + need <= windowStart + window.length) return;
    windowStart = at;
    window = src.read(at, Math.max(WINDOW, need));
  };
  while (pos + 8 <= src.size) {
    if (sparse) {
      const next = sparse.nextDataOffset(pos);
      if (next > pos) pos = Math.ceil(next / 8) * 8;
      if (pos + 8 > src.size) break;
    }
    load(pos, 8);
    const at = pos - windowStart;
    if (at + 8 > window.length) break;
    const length = window.readUInt32LE(at);
    if (length === 0) {
      // Skip the zero run in this window: find the next non-zero 8-byte word.
      let p = at + 8;
      while (p + 8 <= window.length && window.readUInt32LE(p) === 0 && window.readUInt32LE(p + 4) === 0) p += 8;
      pos = windowStart + p;
      if (p + 8 > window.length) windowStart = -1; // next window
      continue;
    }
    if (!plausibleUsnHeader(window, at)) {
      if (bad++ < 100) warnings.push(`$J offset ${pos}: no valid record (length ${length}); resynchronising`);
      pos += 8;
      continue;
    }
    load(pos, length);
    const recAt = pos - windowStart;
    if (recAt + length > window.length) {
      warnings.push(`$J offset ${pos}: record of ${length} bytes cut short by the end of the data`);
      return;
    }
    const rec = decodeUsnRecord(window.subarray(recAt, recAt + length), pos);
    if (!rec) {
      if (bad++ < 100) warnings.push(`$J offset ${pos}: record fields do not fit its length ${length}`);
      pos += 8;
      continue;
    }
    yield rec;
    pos += length;
  }
  if (bad > 100) warnings.push(`$J: ${bad - 100} more unreadable positions`);
}
