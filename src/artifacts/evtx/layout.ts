/**
 * Windows XML Event Log (EVTX) layout: file header, chunks, event records, binary XML tokens and
 * value types (libevtx "Windows XML Event Log (EVTX)" format documentation, [MS-EVEN6] BinXml).
 * All integers little-endian; offsets inside binary XML are relative to the chunk start.
 */

/** File header: the first 4096 bytes, of which 128 are used. */
export const FILE_HEADER = {
  magic: Buffer.from('ElfFile\0', 'latin1'), // 0x00 signature
  firstChunk: 0x08, // u64 first (oldest) chunk number
  lastChunk: 0x10, // u64 last (current) chunk number
  nextRecordId: 0x18, // u64 next record identifier
  headerSize: 0x20, // u32 128
  minorVersion: 0x24, // u16 1 (or 2 on Windows 10)
  majorVersion: 0x26, // u16 3
  blockSize: 0x28, // u16 header block size, 4096: where chunk 0 starts
  chunkCount: 0x2a, // u16 number of chunks (stale when the file is dirty)
  flags: 0x78, // u32 1 = dirty, 2 = full
  checksum: 0x7c, // u32 CRC-32 of bytes 0x00..0x78
  checksummed: 0x78,
  size: 4096,
  flagDirty: 0x1,
  flagFull: 0x2,
} as const;

/** Chunk: 64 KiB, a 512-byte header then event records; string and template offsets are chunk-relative. */
export const CHUNK = {
  magic: Buffer.from('ElfChnk\0', 'latin1'), // 0x00 signature
  firstRecordNumber: 0x08, // u64
  lastRecordNumber: 0x10, // u64
  firstRecordId: 0x18, // u64
  lastRecordId: 0x20, // u64
  headerSize: 0x28, // u32 128
  lastRecordOffset: 0x2c, // u32 offset of the last record
  freeSpaceOffset: 0x30, // u32 end of the record data
  recordsChecksum: 0x34, // u32 CRC-32 of bytes 0x200..freeSpaceOffset
  flags: 0x78, // u32
  headerChecksum: 0x7c, // u32 CRC-32 of bytes 0x00..0x78 and 0x80..0x200
  stringTable: 0x80, // 64 x u32 common string offsets
  templateTable: 0x180, // 32 x u32 template definition offsets
  recordsStart: 0x200,
  size: 0x10000,
} as const;

/** Event record: header, binary XML, and a copy of the size at the end. */
export const RECORD = {
  magic: 0x00002a2a, // 0x00 "**\0\0"
  size: 0x04, // u32 record size including header and trailing copy
  id: 0x08, // u64 event record identifier
  written: 0x10, // u64 FILETIME the record was written
  binxml: 0x18, // binary XML starts here
  minSize: 0x1c, // header + trailing size copy
  alignment: 8, // records start 8-byte aligned (every record of the corpus, allocated or in slack)
} as const;

/** Binary XML tokens ([MS-EVEN6] 3.1.4.7); the 0x40 bit means "has attributes" / "more follow". */
export const TOKEN = {
  eof: 0x00,
  openStart: 0x01, // u16 dependency id, u32 data size, u32 name offset [, inline name] [, u32 attribute list size]
  closeStart: 0x02,
  closeEmpty: 0x03,
  end: 0x04,
  value: 0x05, // u8 value type, then the value (strings: u16 character count + UTF-16)
  attribute: 0x06, // u32 name offset [, inline name], then one value token
  cdata: 0x07, // u16 character count + UTF-16
  charRef: 0x08, // u16 character
  entityRef: 0x09, // u32 name offset
  piTarget: 0x0a, // u32 name offset
  piData: 0x0b, // u16 character count + UTF-16
  templateInstance: 0x0c, // u8 ?, u32 template id, u32 definition offset [, inline definition], substitutions
  normalSubstitution: 0x0d, // u16 substitution index, u8 value type
  optionalSubstitution: 0x0e, // same; left out when the value is null or empty
  fragmentHeader: 0x0f, // u8 major, u8 minor, u8 flags
  moreBit: 0x40,
} as const;

/** Name structure at a name offset: u32 next offset, u16 hash, u16 character count, UTF-16, u16 NUL. */
export const NAME = { hash: 0x04, chars: 0x06, text: 0x08 } as const;

/**
 * Template definition at its offset: u32 next offset, 16-byte GUID, u32 body size, then the body.
 * The GUID's first four bytes are the template id a template instance names (`TEMPLATE_INSTANCE.id`).
 */
export const TEMPLATE = { guid: 0x04, bodySize: 0x14, body: 0x18 } as const;

/** Template instance, from its token: u8 token, u8 unknown, u32 template id, u32 definition offset. */
export const TEMPLATE_INSTANCE = { id: 0x02, definition: 0x06, after: 0x0a } as const;

/** Value types ([MS-EVEN6] 2.2.16, libfwevt); 0x80 marks an array of the base type. */
export const VALUE = {
  null: 0x00,
  string: 0x01,
  ansiString: 0x02,
  int8: 0x03,
  uint8: 0x04,
  int16: 0x05,
  uint16: 0x06,
  int32: 0x07,
  uint32: 0x08,
  int64: 0x09,
  uint64: 0x0a,
  real32: 0x0b,
  real64: 0x0c,
  bool: 0x0d,
  binary: 0x0e,
  guid: 0x0f,
  sizeT: 0x10,
  filetime: 0x11,
  systemtime: 0x12,
  sid: 0x13,
  hexInt32: 0x14,
  hexInt64: 0x15,
  evtHandle: 0x20,
  binXml: 0x21,
  evtXml: 0x23,
  arrayBit: 0x80,
} as const;

/** Fixed sizes of the fixed-size value types (for arrays of them). */
export const FIXED_SIZE: Readonly<Record<number, number>> = {
  [VALUE.int8]: 1, [VALUE.uint8]: 1, [VALUE.int16]: 2, [VALUE.uint16]: 2, [VALUE.int32]: 4, [VALUE.uint32]: 4,
  [VALUE.int64]: 8, [VALUE.uint64]: 8, [VALUE.real32]: 4, [VALUE.real64]: 8, [VALUE.bool]: 4, [VALUE.guid]: 16,
  [VALUE.filetime]: 8, [VALUE.systemtime]: 16, [VALUE.hexInt32]: 4, [VALUE.hexInt64]: 8,
};

export function hasEvtxMagic(head: Buffer): boolean {
  return head.length >= 8 && head.subarray(0, 8).equals(FILE_HEADER.magic);
}
