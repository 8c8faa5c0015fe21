/**
 * AppCompatCache (ShimCache) value layouts, SYSTEM hive
 * `ControlSet00N\Control\Session Manager\AppCompatCache\AppCompatCache`, after Mandiant's
 * "Leveraging the Application Compatibility Cache in Forensic Investigations" and
 * AppCompatCacheParser. Little-endian; entry order is the cache's (most recent first).
 */

/** Windows 7 / 2008 R2: header magic, entry count, 128-byte header, fixed entries pointing at paths. */
export const WIN7 = {
  MAGIC: 0xbadc0fee,
  COUNT: 0x04,
  HEADER_BYTES: 0x80,
  // x64 entry (48 bytes): 0x00 u16 path bytes, 0x02 u16 max, 0x08 u64 path offset, 0x10 FILETIME, 0x18 insert flags, 0x1c shim flags, 0x20 u64 data size, 0x28 u64 data offset
  X64_ENTRY: 48,
  // x86 entry (32 bytes): 0x00 u16 path bytes, 0x02 u16 max, 0x04 u32 path offset, 0x08 FILETIME, 0x10 insert flags, 0x14 shim flags, 0x18 data size, 0x1c data offset
  X86_ENTRY: 32,
} as const;

/** Windows 8 / 8.1 / 2012: 128-byte header, then "00ts" (8.0) or "10ts" (8.1) entries. */
export const WIN8 = {
  HEADER_BYTES: 0x80,
  SIG_80: 0x73743030, // "00ts"
  SIG_81: 0x73743031, // "10ts"
} as const;

/** Windows 10 / 11: header of 0x30 or 0x34 bytes (its first u32), then "10ts" entries. */
export const WIN10 = {
  HEADER_SIZES: [0x30, 0x34] as readonly number[],
  SIG: 0x73743031, // "10ts"
} as const;

/** Entry common start (8 and 10): 0x00 signature, 0x04 unknown, 0x08 u32 bytes after this field, 0x0c u16 path bytes, 0x0e path. */
export const ENTRY = {
  SIGNATURE: 0x00,
  SIZE: 0x08,
  PATH_BYTES: 0x0c,
  PATH: 0x0e,
  HEAD: 0x0c,
} as const;
