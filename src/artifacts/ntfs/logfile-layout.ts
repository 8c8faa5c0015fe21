/**
 * NTFS $LogFile (MFT entry 2): the log file service's restart pages and log record pages, and the
 * NTFS client's redo/undo records inside them. Every page carries update-sequence fixups as MFT
 * records do. A log sequence number (LSN) names a record by its place: its low (64 - seqNumberBits)
 * bits count 8-byte units into the file, the high bits count how often the circular log wrapped.
 * References: Microsoft's NTFS log structures as published in the Windows NT sources' ntfslog.h and
 * lfsdisk.h (field names kept), the Linux ntfs3 driver's fslog.c, and Russon & Fledel, "NTFS
 * Documentation" ($LogFile chapter). docs/ntfs.md "$LogFile".
 */

/** Restart page ("RSTR"; "CHKD" after chkdsk): the first two system pages of the file, one copy each. */
export const RESTART_PAGE = {
  signature: 0x00, // "RSTR"
  usaOffset: 0x04,
  usaCount: 0x06,
  chkdskLsn: 0x08, // u64
  systemPageSize: 0x10, // u32
  logPageSize: 0x14, // u32
  restartAreaOffset: 0x18, // u16
  minorVersion: 0x1a, // i16
  majorVersion: 0x1c, // i16
} as const;

/** LFS_RESTART_AREA, at RESTART_PAGE.restartAreaOffset. */
export const RESTART_AREA = {
  currentLsn: 0x00, // u64 the newest LSN written
  logClients: 0x08, // u16
  clientFreeList: 0x0a, // u16
  clientInUseList: 0x0c, // u16
  flags: 0x0e, // u16 2: the volume was dismounted cleanly
  seqNumberBits: 0x10, // u32
  restartAreaLength: 0x14, // u16
  clientArrayOffset: 0x16, // u16 from the restart area
  fileSize: 0x18, // i64
  lastLsnDataLength: 0x20, // u32
  recordHeaderLength: 0x24, // u16 (0x30)
  logPageDataOffset: 0x26, // u16 first record byte of a log page (0x40 with 4 KiB pages)
  minLength: 0x28,
} as const;

/**
 * Log record page ("RCRD"): update-sequence header, then last LSN (u64 at 0x08), flags (u32 at 0x10),
 * page count and position (u16 each), the free space after the page's last record (u16 at 0x18) and
 * the last record ending in it (u64 at 0x20); records from RESTART_AREA.logPageDataOffset. The walk
 * needs none of these: a record's own LSN says where it is.
 */

/** LFS_RECORD_HEADER: 0x30 bytes, never split across pages; its client data may run on into the next pages. */
export const LOG_RECORD = {
  thisLsn: 0x00, // u64
  clientPreviousLsn: 0x08, // u64 the same client's record before
  clientUndoNextLsn: 0x10, // u64
  clientDataLength: 0x18, // u32
  clientSequence: 0x1c, // u16
  clientIndex: 0x1e, // u16
  recordType: 0x20, // u32 1: client record, 2: client restart (checkpoint)
  transactionId: 0x24, // u32
  flags: 0x28, // u16 1: the record spans pages
  length: 0x30,
} as const;

export const LOG_RECORD_TYPE = { client: 1, clientRestart: 2 } as const;

/** NTFS_LOG_RECORD_HEADER: the client data of an NTFS record (offsets from its start). */
export const NTFS_RECORD = {
  redoOperation: 0x00, // u16 NTFS_LOG_OPERATION
  undoOperation: 0x02, // u16
  redoOffset: 0x04, // u16
  redoLength: 0x06, // u16
  undoOffset: 0x08, // u16
  undoLength: 0x0a, // u16
  targetAttribute: 0x0c, // u16 index into the open attribute table
  lcnsToFollow: 0x0e, // u16
  recordOffset: 0x10, // u16 within the target MFT record or index buffer
  attributeOffset: 0x12, // u16
  clusterBlockOffset: 0x14, // u16 512-byte blocks into the target cluster
  targetBlockSize: 0x16, // u16
  targetVcn: 0x18, // u64
  lcns: 0x20, // u64 each
  minLength: 0x20,
} as const;

/** NTFS_LOG_OPERATION (ntfslog.h); 0x25+ were added by Windows 8 and later. */
export const LOG_OPERATION_NAMES: readonly string[] = [
  'Noop',
  'CompensationLogRecord',
  'InitializeFileRecordSegment',
  'DeallocateFileRecordSegment',
  'WriteEndOfFileRecordSegment',
  'CreateAttribute',
  'DeleteAttribute',
  'UpdateResidentValue',
  'UpdateNonresidentValue',
  'UpdateMappingPairs',
  'DeleteDirtyClusters',
  'SetNewAttributeSizes',
  'AddIndexEntryRoot',
  'DeleteIndexEntryRoot',
  'AddIndexEntryAllocation',
  'DeleteIndexEntryAllocation',
  'WriteEndOfIndexBuffer',
  'SetIndexEntryVcnRoot',
  'SetIndexEntryVcnAllocation',
  'UpdateFileNameRoot',
  'UpdateFileNameAllocation',
  'SetBitsInNonresidentBitMap',
  'ClearBitsInNonresidentBitMap',
  'HotFix',
  'EndTopLevelAction',
  'PrepareTransaction',
  'CommitTransaction',
  'ForgetTransaction',
  'OpenNonresidentAttribute',
  'OpenAttributeTableDump',
  'AttributeNamesDump',
  'DirtyPageTableDump',
  'TransactionTableDump',
  'UpdateRecordDataRoot',
  'UpdateRecordDataAllocation',
  'UpdateRelativeDataInIndex',
  'UpdateRelativeDataInIndex2',
  'ZeroEndOfFileRecord',
];

export const LOG_OPERATION = {
  initializeFileRecordSegment: 0x02,
  deallocateFileRecordSegment: 0x03,
  updateResidentValue: 0x07,
  addIndexEntryRoot: 0x0c,
  deleteIndexEntryRoot: 0x0d,
  addIndexEntryAllocation: 0x0e,
  deleteIndexEntryAllocation: 0x0f,
} as const;

export function logOperationName(op: number): string {
  return LOG_OPERATION_NAMES[op] ?? `0x${op.toString(16)}`;
}

/** Version 1.x: two restart pages, then two tail pages; 2.0 (Windows 8.1 and later): 0x22 pages before the first log page. */
export function firstLogPageOffset(major: number, systemPageSize: number, logPageSize: number): number {
  return major >= 2 ? 0x22 * logPageSize : 2 * systemPageSize + 2 * logPageSize;
}
