/**
 * The parent folders of journal and log records as paths, from the volume's $MFT (what MFTECmd's
 * `-m` does for a `$J`): `stagehunt parse --mft $MFT $J`, and `parse --root IMAGE` with the
 * volume's own $MFT. A record names its parent by reference (entry and sequence); the path is the
 * MFT's while that reference still holds (the folder is the same one, or was freed right after),
 * else null: the folder was deleted and its record reused, and the MFT no longer knows its name.
 */
import type { ArtifactRecord } from '../types.js';
import type { ByteSource } from '../../util/byte-source.js';
import type { NameTable } from '../../evidence/image/ntfs/names.js';
import { ENTRY } from '../../evidence/image/ntfs/layout.js';
import { indexMftFile, mftRecordSize } from './mft.js';
import type { UsnRecord } from './usn.js';
import type { LogFileRecord } from './logfile.js';

/** Parent paths remembered (a journal names the same few thousand folders millions of times). */
const CACHED_PARENTS = 100_000;

/** Resolves parent references through an $MFT's names, with a bounded cache. */
export class ParentPaths {
  private readonly cache = new Map<string, string | null>();

  constructor(private readonly names: NameTable) {}

  /** The volume path ('/PerfLogs', '/' for the root) of the folder `entry`-`sequence`, or null when the MFT no longer holds it. */
  of(entry: number, sequence: number): string | null {
    const key = `${entry}-${sequence}`;
    const known = this.cache.get(key);
    if (known !== undefined) return known;
    const path = this.resolve(entry, sequence);
    if (this.cache.size >= CACHED_PARENTS) this.cache.clear();
    this.cache.set(key, path);
    return path;
  }

  private resolve(entry: number, sequence: number): string | null {
    if (entry === ENTRY.root) return '/';
    if (!this.names.has(entry) || !this.names.parentHolds(entry, sequence)) return null;
    const r = this.names.resolve(entry);
    return r.orphan ? null : r.path;
  }
}

/** The names of an $MFT file, or null with a warning when it is not one. */
export function parentPathsFromMft(mft: ByteSource, warnings: string[]): ParentPaths | null {
  const recordSize = mftRecordSize(mft);
  if (recordSize === null) {
    warnings.push('the file given as the $MFT has no MFT record at its start: parent folders are not resolved');
    return null;
  }
  return new ParentPaths(indexMftFile(mft, recordSize, warnings).names);
}

/** The parsers whose records name parent folders by reference. */
export const PARENT_PATH_PARSERS: ReadonlySet<string> = new Set(['usnjrnl', 'logfile']);

/**
 * Each record with its parent folder's path: a journal record's `parentPath`, a log record's index
 * entry's and record image's name (`index.parentPath`, `fileRecord.name.parentPath`).
 */
export function* withParentPaths(records: Iterable<ArtifactRecord>, parents: ParentPaths): Generator<ArtifactRecord> {
  for (const record of records) yield addParentPath(record, parents);
}

function addParentPath(record: ArtifactRecord, parents: ParentPaths): ArtifactRecord {
  if (record.type === 'usn-record') {
    const r = record as UsnRecord;
    return { ...r, parentPath: parents.of(r.parentEntry, r.parentSequence) };
  }
  if (record.type === 'logfile-record') {
    const r = record as LogFileRecord;
    const index = r.index ? { ...r.index, parentPath: parents.of(r.index.parentEntry, r.index.parentSequence) } : undefined;
    const name = r.fileRecord?.name;
    const fileRecord = r.fileRecord && name ? { ...r.fileRecord, name: { ...name, parentPath: parents.of(name.parentEntry, name.parentSequence) } } : r.fileRecord;
    return { ...r, ...(index ? { index } : {}), ...(fileRecord ? { fileRecord } : {}) };
  }
  return record;
}
