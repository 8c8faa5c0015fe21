/**
 * 7z on-disk layout, after 7-Zip's DOC/7zFormat.txt. All integers little-endian.
 *
 * Signature header (32 bytes at offset 0):
 *   0x00 signature        6  '7z' BC AF 27 1C
 *   0x06 version major    1  (0)
 *   0x07 version minor    1  (2..4)
 *   0x08 startHeaderCRC   4  CRC32 of bytes 0x0C..0x1F
 *   0x0C nextHeaderOffset 8  relative to the end of the signature header (0x20)
 *   0x14 nextHeaderSize   8
 *   0x1C nextHeaderCRC    4  CRC32 of the next header
 *
 * The next header starts with kHeader (plain) or kEncodedHeader (a StreamsInfo that says how
 * the real header is packed, usually LZMA, sometimes AES when 7z -mhe=on hid the file list).
 */

export const SIGNATURE = Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]);
export const SIGNATURE_HEADER_SIZE = 0x20;

export const SIG = {
  versionMajor: 0x06,
  versionMinor: 0x07,
  startHeaderCrc: 0x08,
  nextHeaderOffset: 0x0c,
  nextHeaderSize: 0x14,
  nextHeaderCrc: 0x1c,
} as const;

/** Property ids of the header grammar. */
export const ID = {
  end: 0x00,
  header: 0x01,
  archiveProperties: 0x02,
  additionalStreamsInfo: 0x03,
  mainStreamsInfo: 0x04,
  filesInfo: 0x05,
  packInfo: 0x06,
  unpackInfo: 0x07,
  subStreamsInfo: 0x08,
  size: 0x09,
  crc: 0x0a,
  folder: 0x0b,
  codersUnpackSize: 0x0c,
  numUnpackStream: 0x0d,
  emptyStream: 0x0e,
  emptyFile: 0x0f,
  anti: 0x10,
  name: 0x11,
  ctime: 0x12,
  atime: 0x13,
  mtime: 0x14,
  winAttributes: 0x15,
  comment: 0x16,
  encodedHeader: 0x17,
  startPos: 0x18,
  dummy: 0x19,
} as const;

/** Coder (method) ids as hex strings, and their display names (as 7-Zip prints them). */
export const CODER_NAMES: Record<string, string> = {
  '00': 'Copy',
  '03': 'Delta',
  '04': 'x86',
  '05': 'PPC',
  '06': 'IA64',
  '07': 'ARM',
  '08': 'ARMT',
  '09': 'SPARC',
  '0a': 'ARM64',
  '0b': 'RISCV',
  '21': 'LZMA2',
  '030101': 'LZMA',
  '03030103': 'BCJ',
  '0303011b': 'BCJ2',
  '030401': 'PPMD',
  '040108': 'Deflate',
  '040109': 'Deflate64',
  '040202': 'BZip2',
  '04f71101': 'ZSTD',
  '04f71102': 'Brotli',
  '04f71104': 'LZ4',
  '04f71105': 'LZ5',
  '04f71106': 'Lizard',
  '06f10701': '7zAES',
};

export const CODER_AES = '06f10701';
export const CODER_LZMA = '030101';
export const CODER_LZMA2 = '21';
