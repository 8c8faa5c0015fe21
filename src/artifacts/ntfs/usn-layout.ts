/**
 * USN change journal records ($Extend/$UsnJrnl:$J). Records are 8-byte aligned; a journal starts
 * with a (usually sparse) run of zeros where old records were purged.
 * Reference: Microsoft, USN_RECORD_V2 / USN_RECORD_V3 / USN_RECORD_V4 structures (winioctl.h,
 * https://learn.microsoft.com/en-us/windows/win32/api/winioctl/ns-winioctl-usn_record_v2 and _v3, _v4),
 * USN_REASON_* and FILE_ATTRIBUTE_* constants from the same header.
 */

export const USN_COMMON = {
  length: 0x00, // u32 RecordLength (multiple of 8)
  major: 0x04, // u16 MajorVersion: 2, 3 or 4
  minor: 0x06, // u16 MinorVersion
} as const;

export const USN_V2 = {
  fileRef: 0x08, // u64 FileReferenceNumber
  parentRef: 0x10, // u64 ParentFileReferenceNumber
  usn: 0x18, // i64
  timestamp: 0x20, // FILETIME
  reason: 0x28, // u32 USN_REASON_*
  sourceInfo: 0x2c, // u32
  securityId: 0x30, // u32
  fileAttributes: 0x34, // u32
  nameLength: 0x38, // u16 bytes
  nameOffset: 0x3a, // u16
  minLength: 0x3c,
} as const;

/** V3: 128-bit file ids (ReFS); on NTFS the low 64 bits hold the usual file reference. */
export const USN_V3 = {
  fileRef: 0x08, // 16 bytes FILE_ID_128
  parentRef: 0x18, // 16 bytes
  usn: 0x28,
  timestamp: 0x30,
  reason: 0x38,
  sourceInfo: 0x3c,
  securityId: 0x40,
  fileAttributes: 0x44,
  nameLength: 0x48,
  nameOffset: 0x4a,
  minLength: 0x4c,
} as const;

/** V4 (range tracking, Windows 8.1+): no time and no name, but the changed extents. */
export const USN_V4 = {
  fileRef: 0x08, // 16 bytes
  parentRef: 0x18, // 16 bytes
  usn: 0x28,
  reason: 0x30, // u32
  sourceInfo: 0x34, // u32
  remainingExtents: 0x38, // u32
  numberOfExtents: 0x3c, // u16
  extentSize: 0x3e, // u16 (16)
  extents: 0x40, // {i64 offset, i64 length} x numberOfExtents
  minLength: 0x40,
} as const;

/** Longest record accepted: a V2/V3 name is at most 255 UTF-16 units, V4 extents are bounded by the page. */
export const USN_MAX_RECORD_LENGTH = 64 * 1024;
export const USN_MIN_RECORD_LENGTH = USN_V2.minLength;

export const USN_REASONS: ReadonlyArray<[number, string]> = [
  [0x1, 'DATA_OVERWRITE'],
  [0x2, 'DATA_EXTEND'],
  [0x4, 'DATA_TRUNCATION'],
  [0x10, 'NAMED_DATA_OVERWRITE'],
  [0x20, 'NAMED_DATA_EXTEND'],
  [0x40, 'NAMED_DATA_TRUNCATION'],
  [0x100, 'FILE_CREATE'],
  [0x200, 'FILE_DELETE'],
  [0x400, 'EA_CHANGE'],
  [0x800, 'SECURITY_CHANGE'],
  [0x1000, 'RENAME_OLD_NAME'],
  [0x2000, 'RENAME_NEW_NAME'],
  [0x4000, 'INDEXABLE_CHANGE'],
  [0x8000, 'BASIC_INFO_CHANGE'],
  [0x10000, 'HARD_LINK_CHANGE'],
  [0x20000, 'COMPRESSION_CHANGE'],
  [0x40000, 'ENCRYPTION_CHANGE'],
  [0x80000, 'OBJECT_ID_CHANGE'],
  [0x100000, 'REPARSE_POINT_CHANGE'],
  [0x200000, 'STREAM_CHANGE'],
  [0x400000, 'TRANSACTED_CHANGE'],
  [0x800000, 'INTEGRITY_CHANGE'],
  [0x1000000, 'DESIRED_STORAGE_CLASS_CHANGE'],
  [0x80000000, 'CLOSE'],
];

export function usnReasonNames(reason: number): string[] {
  return USN_REASONS.filter(([bit]) => (reason & bit) >>> 0 !== 0).map(([, n]) => n);
}
