/**
 * Windows Prefetch (SCCA) layout, versions 17 (XP/2003), 23 (Vista/7), 26 (8/8.1), 30 and 31
 * (10/11), after libscca's "Windows Prefetch File (PF) format" notes and the MAM container of
 * Windows 10+. All integers little-endian; offsets in the file-information block are relative to
 * the start of the (decompressed) file, those in a volume entry to the volumes-information block.
 */

/** Compressed container (Windows 10+): "MAM" + 0x04 (no checksum) or 0x84 (CRC32 at 0x08). */
export const MAM = {
  SIGNATURE: 0x004d414d, // 0x00 "MAM" (low 3 bytes), 0x03 compression flags
  FLAGS: 0x03, // low nibble 4 = Xpress Huffman; high bit = checksum present
  UNCOMPRESSED_SIZE: 0x04,
  CHECKSUM: 0x08, // only when FLAGS & 0x80
  DATA_PLAIN: 0x08,
  DATA_WITH_CHECKSUM: 0x0c,
} as const;

export const HEADER = {
  VERSION: 0x00, // u32: 17, 23, 26, 30, 31
  SIGNATURE: 0x04, // "SCCA"
  FILE_SIZE: 0x0c, // u32
  EXECUTABLE: 0x10, // UTF-16LE, 60 bytes (29 characters + NUL)
  EXECUTABLE_BYTES: 60,
  HASH: 0x4c, // u32
  LENGTH: 0x54,
} as const;

export const SCCA_SIGNATURE = 0x41434353; // "SCCA"

/** File information block, right after the header (same first fields in every version). */
export const INFO = {
  METRICS_OFFSET: 0x54,
  METRICS_COUNT: 0x58,
  TRACE_CHAINS_OFFSET: 0x5c,
  TRACE_CHAINS_COUNT: 0x60,
  FILENAMES_OFFSET: 0x64,
  FILENAMES_SIZE: 0x68,
  VOLUMES_OFFSET: 0x6c,
  VOLUMES_COUNT: 0x70,
  VOLUMES_SIZE: 0x74,
} as const;

/** Where each version keeps its run times and run count. */
export interface VersionLayout {
  /** Offset of the first last-run FILETIME, and how many follow (1 before Windows 8, 8 after). */
  lastRunTimes: number;
  lastRunCount: number;
  runCount: number;
  /** Bytes of one volume-information entry. */
  volumeEntry: number;
}

export const VERSION_LAYOUTS: Readonly<Record<number, VersionLayout>> = {
  17: { lastRunTimes: 0x78, lastRunCount: 1, runCount: 0x90, volumeEntry: 40 },
  23: { lastRunTimes: 0x80, lastRunCount: 1, runCount: 0x98, volumeEntry: 104 },
  26: { lastRunTimes: 0x80, lastRunCount: 8, runCount: 0xd0, volumeEntry: 104 },
  30: { lastRunTimes: 0x80, lastRunCount: 8, runCount: 0xd0, volumeEntry: 96 },
  31: { lastRunTimes: 0x80, lastRunCount: 8, runCount: 0xd0, volumeEntry: 96 },
};

/**
 * Versions 30/31 have two file-information sizes: 224 bytes (metrics at 0x130, run count at
 * 0xD0) and 216 bytes (metrics at 0x128, run count at 0xC8, Windows 10 1903+).
 */
export const SHORT_INFO_METRICS_OFFSET = 0x128;
export const SHORT_INFO_RUN_COUNT = 0xc8;

/** One volume-information entry (first fields shared by all versions). */
export const VOLUME = {
  DEVICE_PATH_OFFSET: 0x00, // relative to the volumes block
  DEVICE_PATH_CHARS: 0x04,
  CREATION_TIME: 0x08, // FILETIME
  SERIAL: 0x10, // u32
  FILE_REFS_OFFSET: 0x14,
  FILE_REFS_SIZE: 0x18,
  DIRECTORIES_OFFSET: 0x1c, // relative to the volumes block
  DIRECTORIES_COUNT: 0x20,
} as const;
