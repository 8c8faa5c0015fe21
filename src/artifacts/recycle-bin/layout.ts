/**
 * On-disk layouts of the Windows Recycle Bin index files, in one place.
 * Sources: rifiuti2 (abelcheung/rifiuti2, src/rifiuti.h, src/rifiuti-vista.h), RBCmd, libyal's
 * "Windows Recycle.Bin file formats" notes. All integers little-endian.
 */

/** `$I` file (Vista and later). */
export const DOLLAR_I = {
  VERSION: 0x00, // 0x00 u64 version: 1 = Vista..8.1, 2 = Windows 10+
  SIZE: 0x08, // 0x08 u64 original file size (folders: total size)
  DELETED_AT: 0x10, // 0x10 u64 FILETIME of deletion, UTC
  V1_PATH: 0x18, // 0x18 v1: UTF-16LE path, NUL-padded, fixed 260 chars (520 bytes)
  V2_PATH_CHARS: 0x18, // 0x18 v2: u32 path length in UTF-16 units, including the terminating NUL
  V2_PATH: 0x1c, // 0x1c v2: UTF-16LE path
  V1_PATH_BYTES: 520,
  V1_FILE_SIZE: 544, // 0x18 + 520
  /** Some localized Vista builds wrote a 543-byte $I whose size field is only 7 bytes wide (rifiuti2). */
  V1_SHORT_FILE_SIZE: 543,
} as const;

/** Longest v2 path accepted: Windows' long-path limit of 32,767 UTF-16 units. */
export const MAX_V2_PATH_CHARS = 32_767;

/** INFO2 (Windows 95 .. XP/2003): a 20-byte header then fixed-size records. */
export const INFO2_HEADER = {
  VERSION: 0x00, // 0x00 u32 version: 0 (Win95), 2 (NT4), 4 (Win98), 5 (ME, 2000, XP, 2003)
  ENTRY_COUNT: 0x04, // 0x04 u32 entries currently held (not reliable)
  NEXT_INDEX: 0x08, // 0x08 u32 total entries ever existed / next index
  RECORD_SIZE: 0x0c, // 0x0c u32 record size: 280 (ANSI only) or 800 (ANSI + Unicode)
  TOTAL_SIZE: 0x10, // 0x10 u32 sum of the sizes of the files held
  LENGTH: 0x14, // 20 bytes
} as const;

export const INFO2_RECORD = {
  ANSI_PATH: 0x000, // 0x000 char[260] ANSI path; first byte set to 0 when the item was restored/purged
  ANSI_PATH_BYTES: 260,
  INDEX: 0x104, // 0x104 u32 record index (the <n> in Dc<n>.ext)
  DRIVE: 0x108, // 0x108 u32 drive number: 0 = A .. 25 = Z, 26 = UNC ('\')
  DELETED_AT: 0x10c, // 0x10c u64 FILETIME of deletion, UTC
  SIZE: 0x114, // 0x114 u32 size on disk (cluster-rounded)
  UNICODE_PATH: 0x118, // 0x118 UTF-16LE[260] Unicode path (800-byte records only)
  UNICODE_PATH_BYTES: 520,
  ANSI_RECORD_SIZE: 280,
  UNICODE_RECORD_SIZE: 800,
} as const;
