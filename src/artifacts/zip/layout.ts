/**
 * ZIP on-disk layout (PKWARE APPNOTE 6.3.10) in one place: record signatures, field offsets,
 * extra-field decoders. Every reader checks bounds and returns null on short input.
 */
import { filetimeToIso, unixSecondsToIso } from '../../util/filetime.js';

export const SIG_LOCAL = 0x04034b50; // PK\3\4
export const SIG_CENTRAL = 0x02014b50; // PK\1\2
export const SIG_EOCD = 0x06054b50; // PK\5\6
export const SIG_ZIP64_EOCD = 0x06064b50; // PK\6\6
export const SIG_ZIP64_LOCATOR = 0x07064b50; // PK\6\7
export const SIG_SPANNING = 0x08074b50; // PK\7\8 at offset 0 of a spanned set (and data descriptors)

export const EOCD_SIZE = 22;
export const ZIP64_LOCATOR_SIZE = 20;
export const ZIP64_EOCD_SIZE = 56;
export const CENTRAL_FIXED = 46;
export const LOCAL_FIXED = 30;
export const MAX_COMMENT = 0xffff;

export const FLAG_ENCRYPTED = 1 << 0;
export const FLAG_DATA_DESCRIPTOR = 1 << 3;
export const FLAG_STRONG = 1 << 6;
export const FLAG_UTF8 = 1 << 11;
export const FLAG_CD_ENCRYPTED = 1 << 13; // local header values masked, central directory encrypted

export const METHOD_AES = 99;

export interface EndRecord {
  position: number;
  disk: number; // 0x04 number of this disk
  cdDisk: number; // 0x06 disk where the central directory starts
  count: number; // 0x0a total entries
  cdSize: number; // 0x0c
  cdOffset: number; // 0x10
  commentLength: number; // 0x14
  zip64: boolean;
}

/** 0x00 sig, 0x04 disk, 0x06 cdDisk, 0x08 count on disk, 0x0a count, 0x0c cdSize, 0x10 cdOffset, 0x14 comment len */
export function readEndRecord(buf: Buffer, at: number, position: number): EndRecord | null {
  if (at < 0 || at + EOCD_SIZE > buf.length || buf.readUInt32LE(at) !== SIG_EOCD) return null;
  return {
    position,
    disk: buf.readUInt16LE(at + 0x04),
    cdDisk: buf.readUInt16LE(at + 0x06),
    count: buf.readUInt16LE(at + 0x0a),
    cdSize: buf.readUInt32LE(at + 0x0c),
    cdOffset: buf.readUInt32LE(at + 0x10),
    commentLength: buf.readUInt16LE(at + 0x14),
    zip64: false,
  };
}

/** Zip64 end record: 0x10 disk, 0x14 cdDisk, 0x20 total entries, 0x28 cdSize, 0x30 cdOffset. */
export function applyZip64End(end: EndRecord, buf: Buffer): EndRecord | null {
  if (buf.length < ZIP64_EOCD_SIZE || buf.readUInt32LE(0) !== SIG_ZIP64_EOCD) return null;
  return {
    ...end,
    disk: buf.readUInt32LE(0x10),
    cdDisk: buf.readUInt32LE(0x14),
    count: safeU64(buf, 0x20),
    cdSize: safeU64(buf, 0x28),
    cdOffset: safeU64(buf, 0x30),
    zip64: true,
  };
}

/** A 64-bit little-endian count or offset, clamped to MAX_SAFE_INTEGER (hostile values stay finite). */
export function safeU64(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64LE(at);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

export interface ExtraField {
  id: number;
  data: Buffer;
}

/** Raw fields common to central and local headers. */
export interface RawZipEntry {
  nameRaw: Buffer;
  flags: number;
  method: number;
  dosTime: number;
  dosDate: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
  extras: ExtraField[];
  externalAttributes: number;
  versionMadeBy: number;
  /** Where this entry was read from. */
  source: 'central' | 'local';
}

/**
 * Central header: 0x00 sig, 0x04 made by, 0x06 needed, 0x08 flags, 0x0a method, 0x0c time, 0x0e date,
 * 0x10 crc, 0x14 csize, 0x18 usize, 0x1c name len, 0x1e extra len, 0x20 comment len, 0x22 disk start,
 * 0x24 internal attrs, 0x26 external attrs, 0x2a local header offset, 0x2e name.
 */
export function readCentralFixed(buf: Buffer): { entry: RawZipEntry; nameLen: number; extraLen: number; commentLen: number } | null {
  if (buf.length < CENTRAL_FIXED || buf.readUInt32LE(0) !== SIG_CENTRAL) return null;
  return {
    entry: {
      nameRaw: Buffer.alloc(0),
      versionMadeBy: buf.readUInt16LE(0x04),
      flags: buf.readUInt16LE(0x08),
      method: buf.readUInt16LE(0x0a),
      dosTime: buf.readUInt16LE(0x0c),
      dosDate: buf.readUInt16LE(0x0e),
      crc: buf.readUInt32LE(0x10),
      compressedSize: buf.readUInt32LE(0x14),
      uncompressedSize: buf.readUInt32LE(0x18),
      externalAttributes: buf.readUInt32LE(0x26),
      localOffset: buf.readUInt32LE(0x2a),
      extras: [],
      source: 'central',
    },
    nameLen: buf.readUInt16LE(0x1c),
    extraLen: buf.readUInt16LE(0x1e),
    commentLen: buf.readUInt16LE(0x20),
  };
}

/**
 * Local header: 0x00 sig, 0x04 needed, 0x06 flags, 0x08 method, 0x0a time, 0x0c date, 0x0e crc,
 * 0x12 csize, 0x16 usize, 0x1a name len, 0x1c extra len, 0x1e name.
 */
export function readLocalFixed(buf: Buffer, localOffset: number): { entry: RawZipEntry; nameLen: number; extraLen: number } | null {
  if (buf.length < LOCAL_FIXED || buf.readUInt32LE(0) !== SIG_LOCAL) return null;
  return {
    entry: {
      nameRaw: Buffer.alloc(0),
      versionMadeBy: 0,
      flags: buf.readUInt16LE(0x06),
      method: buf.readUInt16LE(0x08),
      dosTime: buf.readUInt16LE(0x0a),
      dosDate: buf.readUInt16LE(0x0c),
      crc: buf.readUInt32LE(0x0e),
      compressedSize: buf.readUInt32LE(0x12),
      uncompressedSize: buf.readUInt32LE(0x16),
      externalAttributes: 0,
      localOffset,
      extras: [],
      source: 'local',
    },
    nameLen: buf.readUInt16LE(0x1a),
    extraLen: buf.readUInt16LE(0x1c),
  };
}

/** Extra-field list: repeated (u16 id, u16 size, data). A field running past the end stops the walk. */
export function parseExtras(buf: Buffer): { fields: ExtraField[]; damaged: boolean } {
  const fields: ExtraField[] = [];
  let i = 0;
  while (i + 4 <= buf.length) {
    const id = buf.readUInt16LE(i);
    const size = buf.readUInt16LE(i + 2);
    if (i + 4 + size > buf.length) return { fields, damaged: true };
    fields.push({ id, data: buf.subarray(i + 4, i + 4 + size) });
    i += 4 + size;
  }
  return { fields, damaged: false };
}

export const EXTRA_ZIP64 = 0x0001;
export const EXTRA_NTFS = 0x000a;
export const EXTRA_STRONG = 0x0017;
export const EXTRA_UNIX_TIME = 0x5455;
export const EXTRA_AES = 0x9901;

/** Zip64 extra: the 64-bit values present are exactly those whose 32-bit field is 0xffffffff, in this order. */
export function applyZip64Extra(e: RawZipEntry): void {
  const f = e.extras.find((x) => x.id === EXTRA_ZIP64);
  if (!f) return;
  let at = 0;
  const next = (): number | null => (at + 8 <= f.data.length ? ((at += 8), safeU64(f.data, at - 8)) : null);
  if (e.uncompressedSize === 0xffffffff) e.uncompressedSize = next() ?? e.uncompressedSize;
  if (e.compressedSize === 0xffffffff) e.compressedSize = next() ?? e.compressedSize;
  if (e.source === 'central' && e.localOffset === 0xffffffff) e.localOffset = next() ?? e.localOffset;
}

/** NTFS extra 0x000a: 4 reserved, then tags; tag 1 (size 24) = mtime, atime, ctime FILETIMEs. */
export function ntfsModified(extras: ExtraField[]): string | null {
  const f = extras.find((x) => x.id === EXTRA_NTFS);
  if (!f) return null;
  let i = 4;
  while (i + 4 <= f.data.length) {
    const tag = f.data.readUInt16LE(i);
    const size = f.data.readUInt16LE(i + 2);
    if (tag === 1 && size >= 24 && i + 4 + 8 <= f.data.length) return filetimeToIso(f.data.readBigUInt64LE(i + 4));
    i += 4 + size;
  }
  return null;
}

/** Extended timestamp 0x5455: u8 flags (bit 0 = mtime present), then u32 mtime (Unix seconds). */
export function unixModified(extras: ExtraField[]): string | null {
  const f = extras.find((x) => x.id === EXTRA_UNIX_TIME);
  if (!f || f.data.length < 5 || (f.data[0]! & 1) === 0) return null;
  return unixSecondsToIso(f.data.readUInt32LE(1));
}

export interface AesInfo {
  vendorVersion: number; // 0x00 u16 (1 = AE-1, 2 = AE-2)
  strengthBits: number | null; // 0x04 u8: 1/2/3 = 128/192/256
  actualMethod: number; // 0x05 u16
}

/** WinZip AES extra 0x9901: 0x00 vendor version, 0x02 "AE", 0x04 strength, 0x05 actual method. */
export function aesInfo(extras: ExtraField[]): AesInfo | null {
  const f = extras.find((x) => x.id === EXTRA_AES);
  if (!f || f.data.length < 7) return null;
  const strength = f.data[4]!;
  return {
    vendorVersion: f.data.readUInt16LE(0),
    strengthBits: strength >= 1 && strength <= 3 ? 64 + strength * 64 : null,
    actualMethod: f.data.readUInt16LE(5),
  };
}

const STRONG_ALGORITHMS: Record<number, string> = {
  0x6601: 'des',
  0x6602: 'rc2-old',
  0x6603: '3des-168',
  0x6609: '3des-112',
  0x660e: 'aes-128',
  0x660f: 'aes-192',
  0x6610: 'aes-256',
  0x6702: 'rc2',
  0x6720: 'blowfish',
  0x6721: 'twofish',
  0x6801: 'rc4',
};

/** Strong encryption header 0x0017: 0x00 format, 0x02 algorithm id, 0x04 bit length, 0x06 flags. */
export function strongAlgorithm(extras: ExtraField[]): string | null {
  const f = extras.find((x) => x.id === EXTRA_STRONG);
  if (!f || f.data.length < 4) return null;
  return STRONG_ALGORITHMS[f.data.readUInt16LE(2)] ?? `alg-0x${f.data.readUInt16LE(2).toString(16)}`;
}

const METHODS: Record<number, string> = {
  0: 'stored',
  1: 'shrink',
  6: 'implode',
  8: 'deflate',
  9: 'deflate64',
  12: 'bzip2',
  14: 'lzma',
  93: 'zstd',
  95: 'xz',
  96: 'jpeg',
  97: 'wavpack',
  98: 'ppmd',
  99: 'aes',
};

export function methodName(method: number): string {
  return METHODS[method] ?? `method-${method}`;
}
