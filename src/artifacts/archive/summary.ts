/**
 * The archive contract shared by every archive and encrypted-container parser
 * (zip/, sevenzip/, rar/, cab/, tar/, compressed/, encrypted/): what `explain --format json`
 * shows as its `archive` object and what the archive rules read.
 */
import type { ArtifactParser, ArtifactRecord, ArtifactResult } from '../types.js';

export type ArchiveFormat =
  | 'zip'
  | '7z'
  | 'rar'
  | 'cab'
  | 'tar'
  | 'gzip'
  | 'bzip2'
  | 'xz'
  | 'zstd'
  | 'lz4'
  | 'lzip'
  | 'lzma'
  | 'compress'
  | 'openpgp'
  | 'age'
  | 'openssl'
  | 'office-encrypted'
  | 'high-entropy-container'
  | (string & {});

export interface ArchiveVolume {
  /** 0-based index of this volume in its set when known (e.g. .part03.rar -> 2), else null. */
  index: number | null;
  multiVolume: boolean;
}

export interface ArchiveEntry {
  name: string;
  size: number | null;
  compressedSize: number | null;
  /** ISO-8601 UTC, best time the format has (NTFS/Unix extra fields over DOS time). */
  modified: string | null;
  encrypted: boolean;
  isDirectory: boolean;
  /** Compression method name where known (deflate, lzma2, stored, aes(deflate), ...). */
  method?: string | null;
}

export interface ArchiveSummary {
  format: ArchiveFormat;
  /** null when the file list cannot be read (e.g. headers encrypted). */
  entryCount: number | null;
  /** null when unknown. */
  encryptedEntryCount: number | null;
  /** true when even the file list is encrypted. */
  headersEncrypted: boolean;
  volume: ArchiveVolume | null;
  /** Encryption scheme names seen (zipcrypto, aes-128, aes-256, pkware-strong, 7z-aes, rar5-aes, ...). */
  encryption: string[];
  /** Total uncompressed / compressed sizes of listed entries when known. */
  totalSize: number | null;
  totalCompressedSize: number | null;
  /** For ZIP-based packages: 'ooxml', 'odf', 'jar', 'apk', 'nuget', 'xps', ... (not an ordinary archive). */
  packageType: string | null;
  /** Self-extracting (PE stub with an appended archive). */
  selfExtracting: boolean;
  /** The listing stopped at a limit or at damage. */
  truncated: boolean;
  /** For single-stream compressors: inner format seen in the bounded decompressed head (e.g. 'tar'). */
  inner: string | null;
  /** Format-specific header fields (gzip original name/mtime, rar flags, zip64, ...). */
  fields: Record<string, unknown>;
  /** The archives inside it (nested.ts): present only when a member is named like an archive. */
  nested?: NestedArchives;
}

/** One archive listed inside another (nested.ts). */
export interface NestedArchive {
  /** Its path in the file: the member's path, and below the first level the members' paths joined by '/' (`a.zip/b.7z`). */
  member: string;
  /** 1 for a member of the file, 2 for a member of that member, ... */
  depth: number;
  format: ArchiveFormat;
  entryCount: number | null;
  encryptedEntryCount: number | null;
  headersEncrypted: boolean;
  encryption: string[];
  truncated: boolean;
}

/** Why an archive member was not listed. */
export type NestedSkipReason = 'encrypted' | 'method' | 'too-large' | 'damaged' | 'budget' | 'not-opened' | 'not-an-archive' | 'depth' | 'count';

export interface NestedArchives {
  listed: NestedArchive[];
  /** Members named like archives that were not listed, and why (the first LIMITS.maxNestedArchives). */
  notListed: Array<{ member: string; why: NestedSkipReason; detail: string }>;
  /** All members not listed, counted past the shown ones. */
  notListedCount: number;
}

/** The `archive-entry` parse record (docs/archives.md): the contract fields, then format extras. */
export interface ArchiveEntryRecord extends ArtifactRecord, ArchiveEntry {
  type: 'archive-entry';
  /** 'tar' for a tar member seen inside a compressed stream (src/artifacts/compressed/). */
  inner?: string;
  /** For an entry of an archive inside this one (nested.ts): that archive's path (`NestedArchive.member`); `name` starts with it and '/'. */
  nestedIn?: string;
}

/** The one record of an encrypted container (src/artifacts/encrypted/): its format and scheme, then header fields. */
export interface EncryptedContainerRecord extends ArtifactRecord {
  type: 'encrypted-container';
  format: ArchiveFormat;
  encryption: string[];
}

export type ArchiveRecord = ArchiveEntryRecord | EncryptedContainerRecord;
/** What every archive parser returns: its records, and the archive contract as its facts. */
export type ArchiveResult = ArtifactResult<ArchiveRecord, ArchiveSummary>;
export type ArchiveParser = ArtifactParser<ArchiveRecord, ArchiveSummary>;
