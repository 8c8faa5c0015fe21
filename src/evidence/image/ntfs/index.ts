/** NTFS file-system reader (docs/ntfs.md): open a volume from a ByteSource, list, stat, open streams, deleted records. */
export { openNtfs, NtfsError } from './volume.js';
export type { NtfsVolume, NtfsStat, NtfsRef, NtfsDirEntry, ClusterUse } from './volume.js';
