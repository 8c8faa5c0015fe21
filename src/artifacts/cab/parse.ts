/**
 * Microsoft Cabinet (MS-CAB) listing: the CFFILE entries and the set and volume fields (previous/next
 * cabinet flags, set id, cabinet index), from layout.ts. Nothing is decompressed here (the members
 * are: archive/members.ts over folder.ts).
 */
import type { ByteSource } from '../../util/byte-source.js';
import { dosDateTimeToIso } from '../../util/filetime.js';
import type { ArtifactContext } from '../types.js';
import type { ArchiveEntry, ArchiveResult } from '../archive/summary.js';
import { emptySummary, entryRecord, withEntries } from '../archive/build.js';
import { CONTINUED, isMultiVolume, readCabLayout } from './layout.js';

export async function parseCab(src: ByteSource, ctx: ArtifactContext): Promise<ArchiveResult | null> {
  const layout = readCabLayout(src);
  if (!layout) return null;
  const warnings = [...layout.warnings];
  const entries: ArchiveEntry[] = layout.files.map((f) => ({
    name: f.name,
    size: f.size,
    compressedSize: null,
    modified: dosDateTimeToIso(f.date, f.time),
    encrypted: false,
    isDirectory: false,
    method: null,
  }));
  const continued = layout.files.filter((f) => CONTINUED[f.folder]).length;
  if (layout.cbCabinet > src.size) warnings.push(`cabinet truncated: header says ${layout.cbCabinet} bytes, file has ${src.size}`);
  const summary = withEntries(emptySummary('cab'), entries);
  summary.truncated = entries.length < layout.cFiles;
  summary.volume = isMultiVolume(layout) || continued > 0 ? { index: layout.iCabinet, multiVolume: true } : null;
  const { previousCabinet, previousDisk, nextCabinet, nextDisk } = layout;
  summary.fields = {
    setId: layout.setId,
    cabinetIndex: layout.iCabinet,
    folders: layout.cFolders,
    claimedFiles: layout.cFiles,
    compression: [...new Set(layout.folders.map((f) => f.method))],
    continuedEntries: continued,
    trailingBytes: Math.max(0, src.size - layout.cbCabinet),
    previousCabinet,
    previousDisk,
    nextCabinet,
    nextDisk,
  };
  void ctx;
  return {
    parser: 'cab',
    records: entries.map((e) => entryRecord(e)),
    warnings,
    corrupted: warnings.length > 0,
    facts: summary,
  };
}
