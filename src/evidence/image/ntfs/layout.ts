/**
 * NTFS on-disk layout: every offset the reader uses, in one place.
 * Sources: Microsoft "NTFS on-disk structures" as documented by the Linux-NTFS project
 * (https://flatcap.github.io/linux-ntfs/ntfs/), libfsntfs' "New Technologies File System (NTFS)" format
 * document (https://github.com/libyal/libfsntfs/blob/main/documentation/), and Brian Carrier,
 * "File System Forensic Analysis", ch. 11-13. Numbers are little-endian.
 */

/** Boot sector (VBR), sector 0 of the volume. */
export const BOOT = {
  oemId: 0x03, // 8 bytes "NTFS    "
  bytesPerSector: 0x0b, // u16
  sectorsPerCluster: 0x0d, // u8; > 0x80 means 2^(256 - value)
  totalSectors: 0x28, // u64
  mftLcn: 0x30, // u64 first cluster of $MFT
  mftMirrLcn: 0x38, // u64
  clustersPerMftRecord: 0x40, // i8; negative n means 2^-n bytes
  clustersPerIndexRecord: 0x44, // i8; same encoding
  serial: 0x48, // u64
  endMarker: 0x1fe, // u16 0xAA55
} as const;

/** MFT entry ("FILE record") header. */
export const RECORD = {
  signature: 0x00, // "FILE" (a damaged record may read "BAAD")
  usaOffset: 0x04, // u16 update sequence array offset
  usaCount: 0x06, // u16 number of u16 entries (1 + sectors covered)
  lsn: 0x08, // u64 $LogFile sequence number
  sequence: 0x10, // u16 sequence number (bumped when the entry is reused)
  linkCount: 0x12, // u16 hard links
  firstAttribute: 0x14, // u16 offset of the first attribute
  flags: 0x16, // u16 FLAG_IN_USE | FLAG_DIRECTORY
  usedSize: 0x18, // u32 bytes in use
  allocatedSize: 0x1c, // u32 record size (1024 or 4096)
  baseRecord: 0x20, // u64 file reference of the base record (0 for a base record)
  nextAttributeId: 0x28, // u16
  recordNumber: 0x2c, // u32 (NTFS 3.1+, when usaOffset >= 0x30)
} as const;

export const RECORD_FLAG_IN_USE = 0x0001;
export const RECORD_FLAG_DIRECTORY = 0x0002;
/** Update sequence stride: always 512 bytes, whatever the sector size. */
export const USA_STRIDE = 512;

/** Attribute header, common part. */
export const ATTR = {
  type: 0x00, // u32; 0xFFFFFFFF ends the list
  length: 0x04, // u32 whole attribute
  nonResident: 0x08, // u8
  nameLength: 0x09, // u8 UTF-16 units
  nameOffset: 0x0a, // u16
  flags: 0x0c, // u16 ATTR_FLAG_*
  id: 0x0e, // u16
  // resident
  valueLength: 0x10, // u32
  valueOffset: 0x14, // u16
  // non-resident
  startVcn: 0x10, // u64
  lastVcn: 0x18, // u64
  runlistOffset: 0x20, // u16
  compressionUnit: 0x22, // u16 log2 clusters per compression unit (0 = not compressed)
  allocatedSize: 0x28, // u64
  dataSize: 0x30, // u64 real size
  initializedSize: 0x38, // u64 bytes written; the rest reads as zeros
} as const;

export const ATTR_FLAG_COMPRESSED = 0x0001;
export const ATTR_FLAG_ENCRYPTED = 0x4000;
export const ATTR_FLAG_SPARSE = 0x8000;

export const ATTR_END = 0xffffffff;

export const ATTR_TYPE = {
  standardInformation: 0x10,
  attributeList: 0x20,
  fileName: 0x30,
  objectId: 0x40,
  securityDescriptor: 0x50,
  volumeName: 0x60,
  volumeInformation: 0x70,
  data: 0x80,
  indexRoot: 0x90,
  indexAllocation: 0xa0,
  bitmap: 0xb0,
  reparsePoint: 0xc0,
  loggedUtilityStream: 0x100,
} as const;

/** $STANDARD_INFORMATION value. */
export const SI = {
  created: 0x00, // FILETIME
  modified: 0x08,
  mftModified: 0x10,
  accessed: 0x18,
  fileAttributes: 0x20, // u32 FILE_ATTRIBUTE_*
  ownerId: 0x30, // u32 (NTFS 3.0+, value length 72)
  securityId: 0x34, // u32
  usn: 0x40, // u64
  minLength: 0x30,
} as const;

/** $FILE_NAME value (also the key of $I30 index entries). */
export const FN = {
  parent: 0x00, // u64 file reference of the parent directory
  created: 0x08,
  modified: 0x10,
  mftModified: 0x18,
  accessed: 0x20,
  allocatedSize: 0x28, // u64 (often stale: updated only on rename)
  dataSize: 0x30, // u64
  fileAttributes: 0x38, // u32
  nameLength: 0x40, // u8 UTF-16 units
  namespace: 0x41, // u8 FN_NAMESPACE
  name: 0x42,
} as const;

/**
 * $I30 directory indexes (B-trees of $FILE_NAME keys). An INDX block ($INDEX_ALLOCATION node) starts
 * with the update-sequence header of a FILE record and holds a node header at 0x18; an $INDEX_ROOT
 * value (type u32, collation u32, block size u32, clusters per block u8) holds one at 0x10. Node header offsets are relative to the node header; its entries are
 * 8-byte aligned, which is why the bytes a deletion leaves behind in a node's slack are too.
 */
export const INDX = {
  signature: 0x00, // "INDX"
  vcn: 0x10, // u64 the block's VCN in the index allocation
  nodeHeader: 0x18,
} as const;

/** The name of a directory's index of file names (its $INDEX_ROOT, $INDEX_ALLOCATION and $BITMAP). */
export const I30 = '$I30';

export const INDEX_NODE = {
  entriesOffset: 0x00, // u32 first entry, from the node header
  indexLength: 0x04, // u32 bytes in use, from the node header (the rest is slack)
  allocatedSize: 0x08, // u32 bytes of the node, from the node header
  flags: 0x0c, // u32 1: entries have subnodes
} as const;

export const INDEX_ENTRY = {
  fileReference: 0x00, // u64 the file the key names
  length: 0x08, // u16 the whole entry (8-byte multiple)
  keyLength: 0x0a, // u16 the $FILE_NAME value: 0x42 + 2 * name length
  flags: 0x0c, // u16 INDEX_ENTRY_FLAG
  key: 0x10,
} as const;

export const INDEX_ENTRY_FLAG = { hasSubnode: 0x1, last: 0x2 } as const;

export const FN_NAMESPACE = { posix: 0, win32: 1, dos: 2, win32AndDos: 3 } as const;

/** $ATTRIBUTE_LIST entry. */
export const ALIST = {
  type: 0x00, // u32
  length: 0x04, // u16
  nameLength: 0x06, // u8
  nameOffset: 0x07, // u8
  startVcn: 0x08, // u64
  record: 0x10, // u64 file reference of the record holding the attribute
  id: 0x18, // u16
  minLength: 0x1a,
} as const;

/** FILE_ATTRIBUTE_* bits ($SI 0x20, $FN 0x38, USN records). */
export const FILE_ATTRIBUTE = {
  readOnly: 0x1,
  hidden: 0x2,
  system: 0x4,
  directory: 0x10,
  archive: 0x20,
  device: 0x40,
  normal: 0x80,
  temporary: 0x100,
  sparse: 0x200,
  reparsePoint: 0x400,
  compressed: 0x800,
  offline: 0x1000,
  notContentIndexed: 0x2000,
  encrypted: 0x4000,
  /** $FN / index only: the entry is a directory (has an $I30 index). */
  fnDirectory: 0x10000000,
} as const;

/** The file reference (u64: entry in the low 48 bits, sequence number in the high 16) stored at `offset`, read without a BigInt. */
export function readReference(buf: Buffer, offset: number): { entry: number; sequence: number } {
  const high = buf.readUInt32LE(offset + 4);
  return { entry: (high & 0xffff) * 0x100000000 + buf.readUInt32LE(offset), sequence: high >>> 16 };
}

/** Well-known MFT entries. */
export const ENTRY = { mft: 0, mftMirr: 1, logFile: 2, volume: 3, attrDef: 4, root: 5, bitmap: 6, boot: 7, badClus: 8, secure: 9, upCase: 10, extend: 11 } as const;
