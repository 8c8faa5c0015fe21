/**
 * RAR 4 (1.5-4.x) and RAR 5 block layouts, after RARLAB's technote.txt (RAR 4) and the
 * "RAR 5.0 archive format" page. All integers little-endian.
 */

export const RAR4_SIGNATURE = Buffer.from([0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x00]);
export const RAR5_SIGNATURE = Buffer.from([0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x01, 0x00]);

/**
 * RAR 4 block header (7 bytes, then type-specific fields):
 *   0x00 HEAD_CRC   2  low 16 bits of CRC32 over HEAD_TYPE..end of header
 *   0x02 HEAD_TYPE  1
 *   0x03 HEAD_FLAGS 2
 *   0x05 HEAD_SIZE  2  whole header, including these 7 bytes
 *   0x07 ADD_SIZE   4  only when HEAD_FLAGS & 0x8000: data size after the header
 */
export const R4 = {
  headCrc: 0x00,
  headType: 0x02,
  headFlags: 0x03,
  headSize: 0x05,
  addSize: 0x07,
  baseSize: 7,
} as const;

/**
 * RAR 4 FILE_HEAD / NEWSUB_HEAD fields after the 7-byte block header:
 *   0x07 PACK_SIZE 4, 0x0B UNP_SIZE 4, 0x0F HOST_OS 1, 0x10 FILE_CRC 4, 0x14 FTIME 4 (DOS),
 *   0x18 UNP_VER 1, 0x19 METHOD 1, 0x1A NAME_SIZE 2, 0x1C ATTR 4,
 *   0x20 HIGH_PACK_SIZE 4 + 0x24 HIGH_UNP_SIZE 4 (LHD_LARGE only), then FILE_NAME.
 */
export const R4_FILE = {
  packSize: 0x07,
  unpSize: 0x0b,
  hostOs: 0x0f,
  fileCrc: 0x10,
  ftime: 0x14,
  unpVer: 0x18,
  method: 0x19,
  nameSize: 0x1a,
  attr: 0x1c,
  highPackSize: 0x20,
  highUnpSize: 0x24,
  fixedSize: 0x20,
} as const;

export const R4_TYPE = {
  mark: 0x72,
  main: 0x73,
  file: 0x74,
  comment: 0x75,
  av: 0x76,
  sub: 0x77,
  protect: 0x78,
  sign: 0x79,
  newSub: 0x7a,
  endArc: 0x7b,
} as const;

export const R4_MAIN_FLAGS = {
  volume: 0x0001,
  comment: 0x0002,
  lock: 0x0004,
  solid: 0x0008,
  newNumbering: 0x0010,
  auth: 0x0020,
  recovery: 0x0040,
  password: 0x0080, // MHD_PASSWORD: every later header is encrypted
  firstVolume: 0x0100,
} as const;

export const R4_FILE_FLAGS = {
  splitBefore: 0x0001,
  splitAfter: 0x0002,
  password: 0x0004,
  comment: 0x0008,
  solid: 0x0010,
  dictMask: 0x00e0, // 0xE0 in these bits marks a directory
  large: 0x0100,
  unicode: 0x0200,
  salt: 0x0400,
  extTime: 0x1000,
  longBlock: 0x8000,
} as const;

/**
 * RAR 5 block: CRC32 (4, over everything after it up to the header end), header size (vint,
 * counts from the type field), then header type, header flags, [extra area size], [data size],
 * type-specific fields, extra area. The data area follows the header.
 */
export const R5_TYPE = {
  main: 1,
  file: 2,
  service: 3,
  encryption: 4,
  end: 5,
} as const;

export const R5_HEADER_FLAGS = {
  extra: 0x0001,
  data: 0x0002,
  splitBefore: 0x0008,
  splitAfter: 0x0010,
} as const;

export const R5_MAIN_FLAGS = {
  volume: 0x0001,
  volumeNumber: 0x0002,
  solid: 0x0004,
  recovery: 0x0008,
  locked: 0x0010,
} as const;

export const R5_FILE_FLAGS = {
  directory: 0x0001,
  mtime: 0x0002,
  crc: 0x0004,
  unknownSize: 0x0008,
} as const;

export const R5_EXTRA = {
  encryption: 0x01,
  time: 0x03,
} as const;

export const R5_TIME_FLAGS = {
  unix: 0x01,
  mtime: 0x02,
} as const;

/** Longest vint: 10 bytes carry 70 bits, more than any field needs. */
export const MAX_VINT_BYTES = 10;
/** A RAR 5 header larger than this is damage (RAR itself limits headers to 2 MiB). */
export const MAX_R5_HEADER = 2 * 1024 * 1024;
/** Blocks walked before the listing is marked truncated (entries plus service blocks). */
export const MAX_BLOCKS_FACTOR = 2;
