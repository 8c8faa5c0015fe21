/**
 * One MFT entry ("FILE record") from raw bytes: update-sequence fixups, the attribute chain,
 * $STANDARD_INFORMATION, $FILE_NAME, $ATTRIBUTE_LIST entries and runlists. Pure and bounded:
 * every offset is checked against the record, every count against the bytes that hold it.
 */
import {
  ALIST,
  ATTR,
  ATTR_END,
  ATTR_FLAG_COMPRESSED,
  ATTR_FLAG_ENCRYPTED,
  ATTR_FLAG_SPARSE,
  FN,
  FN_NAMESPACE,
  RECORD,
  RECORD_FLAG_DIRECTORY,
  RECORD_FLAG_IN_USE,
  SI,
  USA_STRIDE,
  readReference,
} from './layout.js';
import { LIMITS } from '../../../util/limits.js';

/** Where readers report damage: a string[] or a bounded forwarder (only `push` is used). */
export interface WarningSink {
  push(...warnings: string[]): unknown;
}

export interface NtfsRef {
  entry: number;
  sequence: number;
}

/** The four NTFS times as raw FILETIME ticks (0n when absent). */
export interface NtfsTimes {
  created: bigint;
  modified: bigint;
  mftModified: bigint;
  accessed: bigint;
}

export interface StandardInformation extends NtfsTimes {
  fileAttributes: number;
  /** NTFS 3.0+ only (72-byte value). */
  usn: bigint | null;
}

export interface FileNameAttribute extends NtfsTimes {
  parent: NtfsRef;
  allocatedSize: number;
  dataSize: number;
  fileAttributes: number;
  /** 0 POSIX, 1 Win32, 2 DOS (8.3 short name), 3 Win32 and DOS. */
  namespace: number;
  name: string;
}

/** One run of a runlist: `length` clusters from `vcn`, at `lcn` (null: sparse, reads as zeros). */
export interface Run {
  vcn: number;
  lcn: number | null;
  length: number;
}

export interface Attribute {
  type: number;
  /** UTF-16 name ('' for the unnamed attribute: the default $DATA stream). */
  name: string;
  flags: number;
  id: number;
  compressed: boolean;
  encrypted: boolean;
  sparse: boolean;
  resident: boolean;
  /** Resident value (a copy-free view into the fixed-up record). */
  value?: Buffer;
  // Non-resident only:
  startVcn?: number;
  lastVcn?: number;
  runs?: Run[];
  /** log2 clusters per compression unit (0 when not compressed). */
  compressionUnit?: number;
  allocatedSize?: number;
  dataSize?: number;
  initializedSize?: number;
}

export interface AttributeListEntry {
  type: number;
  name: string;
  startVcn: number;
  record: NtfsRef;
  id: number;
}

export interface MftRecord {
  /** Position of the record in the MFT (the entry number a file reference names). */
  entry: number;
  sequence: number;
  inUse: boolean;
  isDirectory: boolean;
  linkCount: number;
  /** Base record reference for an extension record; null for a base record. */
  base: NtfsRef | null;
  /** Entry number the record says it has (NTFS 3.1+), or null. */
  storedEntry: number | null;
  /** False when a sector's last two bytes did not match the update sequence number (torn write, damage). */
  fixupsOk: boolean;
  attributes: Attribute[];
  /**
   * A directory record's bytes, fixed up (null for other records): past its used size lie the
   * entries its $INDEX_ROOT lost when it shrank (indx.ts `recordSlackEntries`). A view of
   * `scratch` when one was given.
   */
  directoryBytes: Buffer | null;
  warnings: string[];
}

const utf16 = new TextDecoder('utf-16le');

/** Any UTF-16 surrogate code unit: only then can the fast decoding below differ from TextDecoder's. */
const SURROGATE = /[\uD800-\uDFFF]/;

/** UTF-16LE to a JS string; lone surrogates become U+FFFD (names are attacker text). */
export function decodeUtf16(buf: Buffer, offset: number, units: number): string {
  const end = Math.min(buf.length, offset + units * 2);
  if (offset < 0 || offset >= end) return '';
  const even = end - ((end - offset) & 1);
  // Buffer's own UTF-16 slice is several times cheaper than TextDecoder per short name (one per
  // $FILE_NAME of every record, twice per scan), and equal to it without surrogates; with any,
  // TextDecoder decides (pairs kept, lone ones replaced).
  const text = buf.toString('utf16le', offset, even);
  return SURROGATE.test(text) ? utf16.decode(buf.subarray(offset, even)) : text;
}

/**
 * Unsigned 64-bit little-endian as a Number, NaN beyond 2^53 - 1 (or past the buffer's end). Byte by
 * byte: no BigInt per field, and none of the argument checks Buffer's readUInt32LE makes on every
 * call (this runs for four fields of every non-resident attribute of every record, twice per scan).
 */
function readU64Number(buf: Buffer, offset: number): number {
  const high = buf[offset + 4]! + buf[offset + 5]! * 0x100 + buf[offset + 6]! * 0x10000 + buf[offset + 7]! * 0x1000000;
  if (!(high < 0x200000)) return Number.NaN;
  return high * 0x100000000 + buf[offset]! + buf[offset + 1]! * 0x100 + buf[offset + 2]! * 0x10000 + buf[offset + 3]! * 0x1000000;
}

/**
 * Little-endian reads without Buffer's argument checks, for fields the caller has already bounded
 * (the attribute loop reads about ten of them per attribute of every record, twice per scan).
 */
function u16(b: Buffer, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

function u32(b: Buffer, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000;
}

function i32(b: Buffer, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
}

/** True when the bytes start with "FILE" (or "BAAD", which chkdsk writes over a record it found torn). */
export function hasRecordSignature(buf: Buffer): boolean {
  // Byte by byte: no string per record (this runs for every record of every pass).
  if (buf.length < 4) return false;
  if (buf[0] === 0x46) return buf[1] === 0x49 && buf[2] === 0x4c && buf[3] === 0x45; // FILE
  return isBaad(buf);
}

/** "BAAD": the signature chkdsk writes over a record it found torn. */
function isBaad(buf: Buffer): boolean {
  return buf.length >= 4 && buf[0] === 0x42 && buf[1] === 0x41 && buf[2] === 0x41 && buf[3] === 0x44;
}

/**
 * Applies the update-sequence fixups to a copy of `raw`: the last two bytes of every 512-byte stride
 * hold the update sequence number on disk and get their real value back from the array. Returns the
 * fixed copy and whether every stride carried the number (false: torn write or damage). The copy
 * goes into `scratch` when given (its first raw.length bytes), for a caller that keeps nothing of it.
 */
export function applyFixups(raw: Buffer, warnings: string[], what: () => string, scratch?: Buffer): { data: Buffer; ok: boolean } {
  let data: Buffer;
  if (scratch && scratch.length >= raw.length) {
    raw.copy(scratch);
    data = scratch.subarray(0, raw.length);
  } else data = Buffer.from(raw);
  if (data.length < 8) return { data, ok: false };
  const usaOffset = u16(data, RECORD.usaOffset);
  const usaCount = u16(data, RECORD.usaCount);
  const sectors = Math.floor(data.length / USA_STRIDE);
  if (usaCount === 0 || usaOffset + usaCount * 2 > data.length || usaOffset < 8 || (usaOffset & 1) === 1) {
    warnings.push(`${what()}: update sequence array out of bounds (offset ${usaOffset}, count ${usaCount})`);
    return { data, ok: false };
  }
  if (usaCount - 1 > sectors) warnings.push(`${what()}: update sequence array names ${usaCount - 1} sectors, record holds ${sectors}`);
  const usn = u16(data, usaOffset);
  let ok = true;
  const fixable = Math.min(usaCount - 1, sectors);
  for (let i = 1; i <= fixable; i++) {
    const at = i * USA_STRIDE - 2;
    if (u16(data, at) !== usn) ok = false;
    data[at] = data[usaOffset + i * 2];
    data[at + 1] = data[usaOffset + i * 2 + 1];
  }
  if (!ok) warnings.push(`${what()}: fixup mismatch (a sector does not end with the update sequence number: torn or damaged)`);
  return { data, ok };
}

/** Signed little-endian integer of 1..8 bytes as a Number (NaN when beyond 2^53). */
function readVarInt(buf: Buffer, offset: number, size: number, signed: boolean): number {
  if (size <= 6) {
    // Exact in a double (nearly every run: lengths and deltas of 1 to 4 bytes).
    let n = 0;
    for (let i = size - 1; i >= 0; i--) n = n * 256 + buf[offset + i];
    return signed && size > 0 && (buf[offset + size - 1] & 0x80) !== 0 ? n - 2 ** (size * 8) : n;
  }
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[offset + i]);
  if (signed && size > 0 && (buf[offset + size - 1] & 0x80) !== 0) v -= 1n << BigInt(size * 8);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) return Number.NaN;
  return Number(v);
}

/**
 * Decodes a runlist (mapping pairs): each run is a header byte (low nibble: bytes of the length,
 * high nibble: bytes of the signed LCN delta; no delta = sparse), ended by a 0 header.
 * Bounded by the attribute's bytes and LIMITS.maxNtfsRuns; a run that would make LCNs negative,
 * a zero length or VCNs beyond `lastVcn` stops decoding with a warning.
 */
export function decodeRunlist(buf: Buffer, start: number, end: number, startVcn: number, lastVcn: number, warnings: string[], label: string | (() => string)): Run[] {
  const what = (): string => (typeof label === 'string' ? label : label());
  const runs: Run[] = [];
  let pos = start;
  let vcn = startVcn;
  let lcn = 0;
  while (pos < end) {
    const header = buf[pos];
    if (header === 0) return runs;
    const lengthSize = header & 0x0f;
    const offsetSize = header >> 4;
    if (lengthSize === 0 || lengthSize > 8 || offsetSize > 8 || pos + 1 + lengthSize + offsetSize > end) {
      warnings.push(`${what()}: runlist header 0x${header.toString(16)} at ${pos - start} is invalid or runs past the attribute`);
      return runs;
    }
    const length = readVarInt(buf, pos + 1, lengthSize, false);
    if (!(length > 0)) {
      warnings.push(`${what()}: runlist run of ${length} clusters`);
      return runs;
    }
    let runLcn: number | null = null;
    if (offsetSize > 0) {
      const delta = readVarInt(buf, pos + 1 + lengthSize, offsetSize, true);
      lcn += delta;
      if (!Number.isFinite(lcn) || lcn < 0) {
        warnings.push(`${what()}: runlist points before the volume start (LCN ${lcn})`);
        return runs;
      }
      runLcn = lcn;
    }
    // Real volumes (and libfsntfs) tolerate a runlist mapping past the header's last VCN: keep the runs, say so once.
    if (vcn + length - 1 > lastVcn && vcn <= lastVcn) warnings.push(`${what()}: runlist covers VCN ${vcn + length - 1}, attribute header ends at ${lastVcn}`);
    if (runs.length >= LIMITS.maxNtfsRuns) {
      warnings.push(`${what()}: more than ${LIMITS.maxNtfsRuns} runs; the rest is not read`);
      return runs;
    }
    runs.push({ vcn, lcn: runLcn, length });
    vcn += length;
    pos += 1 + lengthSize + offsetSize;
  }
  warnings.push(`${what()}: runlist has no end marker`);
  return runs;
}

/** The name of one attribute in a warning. */
function attributeLabel(what: string, type: number, name: string): string {
  return `${what} attribute 0x${type.toString(16)}${name ? `:${name}` : ''}`;
}

/** Parses the attribute chain of a fixed-up record. */
function parseAttributes(data: Buffer, first: number, used: number, warnings: string[], what: () => string): Attribute[] {
  const attrs: Attribute[] = [];
  let pos = first;
  // Bounded by the record, not by its used size: like libfsntfs, attributes of a record whose used size
  // was cut (deleted records, torn writes) are still read; each attribute is checked on its own.
  const limit = data.length;
  if (used < first) warnings.push(`${what()}: used size ${used} is below the first attribute`);
  // Each attribute is at least 16 bytes, so the loop ends after limit/16 steps at most. Fields are
  // read at `pos` + their offset, without a view per attribute (this runs for every attribute of
  // every record, several times per scan), each once its bytes are known to lie in the record;
  // only a resident value gets its own view.
  while (pos + 8 <= limit) {
    const type = u32(data, pos + ATTR.type);
    if (type === ATTR_END) return attrs;
    const length = u32(data, pos + ATTR.length);
    if (length < 16 || pos + length > limit || (length & 7) !== 0) {
      warnings.push(`${what()}: attribute 0x${type.toString(16)} at ${pos} has length ${length} (record size ${limit}, used ${used})`);
      return attrs;
    }
    const nonResident = data[pos + ATTR.nonResident] !== 0;
    const nameLength = data[pos + ATTR.nameLength]!;
    const nameOffset = u16(data, pos + ATTR.nameOffset);
    const flags = u16(data, pos + ATTR.flags);
    const name = nameLength > 0 && nameOffset + nameLength * 2 <= length ? decodeUtf16(data, pos + nameOffset, nameLength) : '';
    const id = u16(data, pos + ATTR.id);
    const compressed = (flags & ATTR_FLAG_COMPRESSED) !== 0;
    const encrypted = (flags & ATTR_FLAG_ENCRYPTED) !== 0;
    const sparse = (flags & ATTR_FLAG_SPARSE) !== 0;
    // Each attribute is made whole in one literal per kind: fields added one by one afterwards made
    // V8 grow the object's property store on the way (twice per record read).
    let attr: Attribute;
    if (!nonResident) {
      let value: Buffer | undefined;
      if (length < 0x18) {
        warnings.push(`${attributeLabel(what(), type, name)}: resident header too short`);
      } else {
        const valueLength = u32(data, pos + ATTR.valueLength);
        const valueOffset = u16(data, pos + ATTR.valueOffset);
        if (valueOffset + valueLength > length) warnings.push(`${attributeLabel(what(), type, name)}: resident value (${valueLength} bytes at ${valueOffset}) runs past the attribute`);
        else value = data.subarray(pos + valueOffset, pos + valueOffset + valueLength);
      }
      attr = value ? { type, name, flags, id, compressed, encrypted, sparse, resident: true, value } : { type, name, flags, id, compressed, encrypted, sparse, resident: true };
    } else if (length < 0x40) {
      warnings.push(`${attributeLabel(what(), type, name)}: non-resident header too short`);
      attr = { type, name, flags, id, compressed, encrypted, sparse, resident: false };
    } else {
      let startVcn = readU64Number(data, pos + ATTR.startVcn);
      const lastVcnHigh = i32(data, pos + ATTR.lastVcn + 4);
      // -1 (an empty attribute) and ordinary VCNs without a BigInt; the rare rest as before
      const lastVcnRaw = lastVcnHigh >= -1 && lastVcnHigh < 0x200000 ? lastVcnHigh * 0x100000000 + u32(data, pos + ATTR.lastVcn) : data.readBigInt64LE(pos + ATTR.lastVcn);
      let lastVcn = typeof lastVcnRaw === 'number' ? lastVcnRaw : lastVcnRaw > BigInt(Number.MAX_SAFE_INTEGER) ? Number.NaN : Number(lastVcnRaw);
      let allocatedSize = readU64Number(data, pos + ATTR.allocatedSize);
      let dataSize = readU64Number(data, pos + ATTR.dataSize);
      let initializedSize = readU64Number(data, pos + ATTR.initializedSize);
      const compressionUnit = u16(data, pos + ATTR.compressionUnit);
      const runlistOffset = u16(data, pos + ATTR.runlistOffset);
      let runs: Run[];
      if (!Number.isFinite(startVcn) || !Number.isFinite(lastVcn) || !Number.isFinite(dataSize) || !Number.isFinite(allocatedSize) || !Number.isFinite(initializedSize)) {
        warnings.push(`${attributeLabel(what(), type, name)}: impossible VCN range or size`);
        runs = [];
        dataSize = allocatedSize = initializedSize = 0;
        startVcn = Number.isFinite(startVcn) ? startVcn : 0;
        lastVcn = -1;
      } else if (runlistOffset < 0x40 || runlistOffset >= length) {
        warnings.push(`${attributeLabel(what(), type, name)}: runlist offset ${runlistOffset} outside the attribute`);
        runs = [];
      } else {
        // Positions within the record: the runlist ends with its attribute.
        runs = decodeRunlist(data, pos + runlistOffset, pos + length, startVcn, lastVcn, warnings, () => attributeLabel(what(), type, name));
      }
      attr = { type, name, flags, id, compressed, encrypted, sparse, resident: false, startVcn, lastVcn, compressionUnit, allocatedSize, dataSize, initializedSize, runs };
    }
    attrs.push(attr);
    pos += length;
  }
  warnings.push(`${what()}: attribute chain has no end marker`);
  return attrs;
}

/**
 * Parses one MFT record. `raw` is the record as stored (fixups not applied); `entry` its position
 * in the MFT. Returns null when the bytes carry no FILE/BAAD signature (never used or wiped).
 * With `scratch`, the record's attribute values are views of it: valid until the caller reuses it.
 */
export function parseMftRecord(raw: Buffer, entry: number, scratch?: Buffer): MftRecord | null {
  if (raw.length < 0x30 || !hasRecordSignature(raw)) return null;
  const warnings: string[] = [];
  // Made only for a warning: a number made into a string cost more than a few of the fields read.
  const what = (): string => `MFT entry ${entry}`;
  if (isBaad(raw)) warnings.push(`${what()}: marked BAAD (torn write found by chkdsk)`);
  const { data, ok } = applyFixups(raw, warnings, what, scratch);
  // The header's fields lie within its first 0x30 bytes, which the record has.
  const flags = u16(data, RECORD.flags);
  const baseIsZero = u32(data, RECORD.baseRecord) === 0 && u32(data, RECORD.baseRecord + 4) === 0;
  const usaOffset = u16(data, RECORD.usaOffset);
  const first = u16(data, RECORD.firstAttribute);
  let used = u32(data, RECORD.usedSize);
  if (used > data.length) {
    warnings.push(`${what()}: used size ${used} exceeds the record size ${data.length}`);
    used = data.length;
  }
  let attributes: Attribute[];
  if (first < 0x18 || first + 8 > data.length) {
    warnings.push(`${what()}: first attribute offset ${first} outside the record`);
    attributes = [];
  } else attributes = parseAttributes(data, first, used, warnings, what);
  return {
    entry,
    sequence: u16(data, RECORD.sequence),
    inUse: (flags & RECORD_FLAG_IN_USE) !== 0,
    isDirectory: (flags & RECORD_FLAG_DIRECTORY) !== 0,
    linkCount: u16(data, RECORD.linkCount),
    base: baseIsZero ? null : readReference(data, RECORD.baseRecord),
    storedEntry: usaOffset >= 0x30 ? u32(data, RECORD.recordNumber) : null,
    fixupsOk: ok,
    attributes,
    directoryBytes: (flags & RECORD_FLAG_DIRECTORY) !== 0 ? data : null,
    warnings,
  };
}

export function parseStandardInformation(v: Buffer): StandardInformation | null {
  if (v.length < SI.minLength) return null;
  // Field by field (no spread): this runs once per record on million-record MFTs.
  return {
    created: v.readBigUInt64LE(SI.created),
    modified: v.readBigUInt64LE(SI.modified),
    mftModified: v.readBigUInt64LE(SI.mftModified),
    accessed: v.readBigUInt64LE(SI.accessed),
    fileAttributes: v.readUInt32LE(SI.fileAttributes),
    usn: v.length >= SI.usn + 8 ? v.readBigUInt64LE(SI.usn) : null,
  };
}

/** The creation time of a $STANDARD_INFORMATION value, or null where parseStandardInformation gives null (too short). */
export function standardInformationCreated(v: Buffer): bigint | null {
  return v.length < SI.minLength ? null : v.readBigUInt64LE(SI.created);
}

export function parseFileName(v: Buffer): FileNameAttribute | null {
  if (v.length < FN.name) return null;
  const nameLength = v[FN.nameLength];
  if (FN.name + nameLength * 2 > v.length) return null;
  const size = (o: number): number => {
    const n = readU64Number(v, o);
    return Number.isFinite(n) ? n : 0;
  };
  return {
    parent: readReference(v, FN.parent),
    created: v.readBigUInt64LE(FN.created),
    modified: v.readBigUInt64LE(FN.modified),
    mftModified: v.readBigUInt64LE(FN.mftModified),
    accessed: v.readBigUInt64LE(FN.accessed),
    allocatedSize: size(FN.allocatedSize),
    dataSize: size(FN.dataSize),
    fileAttributes: v.readUInt32LE(FN.fileAttributes),
    namespace: v[FN.namespace],
    name: decodeUtf16(v, FN.name, nameLength),
  };
}

/** Entries of an $ATTRIBUTE_LIST value; stops at the first entry whose length is impossible. */
export function parseAttributeList(v: Buffer, warnings: string[], what: string): AttributeListEntry[] {
  const out: AttributeListEntry[] = [];
  let pos = 0;
  while (pos + ALIST.minLength <= v.length) {
    const length = v.readUInt16LE(pos + ALIST.length);
    if (length < ALIST.minLength || pos + length > v.length) {
      if (v.readUInt32LE(pos) !== 0) warnings.push(`${what}: attribute list entry at ${pos} has length ${length}`);
      break;
    }
    const nameLength = v[pos + ALIST.nameLength];
    const nameOffset = v[pos + ALIST.nameOffset];
    const startVcn = readU64Number(v, pos + ALIST.startVcn);
    out.push({
      type: v.readUInt32LE(pos + ALIST.type),
      name: nameLength > 0 && nameOffset + nameLength * 2 <= length ? decodeUtf16(v, pos + nameOffset, nameLength) : '',
      startVcn: Number.isFinite(startVcn) ? startVcn : 0,
      record: readReference(v, pos + ALIST.record),
      id: v.readUInt16LE(pos + ALIST.id),
    });
    pos += length;
  }
  return out;
}

/** Preference among a file's names: the long (Win32 or POSIX) name over the 8.3 DOS name. */
export function namePreference(namespace: number): number {
  if (namespace === FN_NAMESPACE.win32 || namespace === FN_NAMESPACE.win32AndDos) return 0;
  return namespace === FN_NAMESPACE.posix ? 1 : 2;
}

