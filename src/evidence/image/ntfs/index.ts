/** NTFS file-system reader (docs/ntfs.md): open a volume from a ByteSource, list, stat, open streams, deleted records. */
export { openNtfs, readBootSector, NtfsError } from './volume.js';
export type { NtfsVolume, NtfsStat, NtfsDirEntry, NtfsRecordInfo, NtfsRef } from './volume.js';
export type { SparseAwareSource } from './stream.js';
export { summarizeRecord, isoTimes, fileAttributeNames, type RecordSummary, type StreamInfo, type IsoTimes } from './summary.js';
export { parseMftRecord, hasRecordSignature, type MftRecord, type FileNameAttribute, type StandardInformation, type NtfsTimes } from './record.js';
export { NameTable, ORPHAN_ROOT, type ResolvedPath } from './names.js';
