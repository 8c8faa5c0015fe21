/**
 * Standalone $MFT files (KAPE, Velociraptor, CyLR collections; `icat image 0`): every record, in
 * use or not, with its full path, as MFTECmd-like JSON records. Two sequential passes over the
 * file: the first keeps one name and parent per entry (for paths) and which extension records
 * belong to which base record; the second yields the records with their extension records' attributes. Memory: the name table, never the records.
 */
import type { ByteSource } from '../../util/byte-source.js';
import { filetimeToIso } from '../../util/filetime.js';
import { LIMITS } from '../../util/limits.js';
import { MftIndexBuilder, type MftIndex, type NameTable } from '../../evidence/image/ntfs/names.js';
import { hasRecordSignature, parseFileName, parseMftRecord, type Attribute, type FileNameAttribute, type MftRecord } from '../../evidence/image/ntfs/record.js';
import { ATTR_TYPE, RECORD } from '../../evidence/image/ntfs/layout.js';
import { recordReader } from '../../evidence/image/ntfs/stream.js';
import { ownMftIndex } from '../../evidence/image/ntfs/volume.js';
import { fileAttributeNames, summarizeRecord, type RecordSummary } from '../../evidence/image/ntfs/summary.js';
import { timestompSigns } from './timestomp.js';
import { parseZoneIdentifier, ZONE_STREAM, type ZoneIdentifier } from './zone.js';

export type MftJsonRecord = {
  type: 'mft-record';
  entry: number;
  sequence: number;
  inUse: boolean;
  isDirectory: boolean;
  /** "entry-sequence" of the base record for an extension record, else null. */
  baseRecord: string | null;
  fixupsOk: boolean;
  parentEntry: number | null;
  parentSequence: number | null;
  parentPath: string | null;
  name: string | null;
  /** Full path as far as the parents hold ("/$OrphanFiles/..." otherwise). */
  path: string | null;
  orphan: boolean;
  extension: string | null;
  /** Namespace of `name`: POSIX, Win32, DOS, Win32AndDos. */
  nameType: string | null;
  /** Every other name of the record (hard links, the 8.3 short name). */
  otherNames: Array<{ name: string; nameType: string; parentEntry: number; parentSequence: number }>;
  size: number;
  linkCount: number;
  siFlags: string[];
  hasAds: boolean;
  streams: Array<{ name: string; size: number; resident: boolean }>;
  created0x10: string | null;
  created0x30: string | null;
  lastModified0x10: string | null;
  lastModified0x30: string | null;
  lastRecordChange0x10: string | null;
  lastRecordChange0x30: string | null;
  lastAccess0x10: string | null;
  lastAccess0x30: string | null;
  updateSequenceNumber: number | null;
  /** Timestomping signs (docs/ntfs.md): `siBeforeFn`, `siZeroFraction`, `fnZeroFraction`... */
  timestomp: string[];
  /** Size of the unnamed $DATA when it is resident (small files keep their content in the record). */
  residentDataSize: number | null;
  /** The Zone.Identifier stream's fields when it is resident (Mark of the Web: where the file came from). */
  zoneIdentifier: ZoneIdentifier | null;
};

const NAMESPACES = ['POSIX', 'Win32', 'DOS', 'Win32AndDos'];

export function namespaceName(ns: number): string {
  return NAMESPACES[ns] ?? `0x${ns.toString(16)}`;
}

/** Record size of a standalone $MFT: the allocated size its first FILE record declares. */
export function mftRecordSize(src: ByteSource): number | null {
  const head = src.read(0, 0x20);
  if (!hasRecordSignature(head) || head.length < 0x20) return null;
  const size = head.readUInt32LE(RECORD.allocatedSize);
  return size >= 256 && size <= 65536 && (size & (size - 1)) === 0 ? size : null;
}

/** True when the head looks like an MFT record: FILE signature, an update sequence array where NTFS puts it, a power-of-two record size. */
export function looksLikeMft(head: Buffer): boolean {
  if (head.length < 0x30 || head.toString('latin1', 0, 4) !== 'FILE') return false;
  const usaOffset = head.readUInt16LE(RECORD.usaOffset);
  const size = head.readUInt32LE(RECORD.allocatedSize);
  return (usaOffset === 0x28 || usaOffset === 0x30) && size >= 256 && size <= 65536 && (size & (size - 1)) === 0;
}

function extensionOf(name: string): string | null {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1) : null;
}

function zoneOf(s: RecordSummary): ZoneIdentifier | null {
  const zone = s.streams.find((x) => ZONE_STREAM.test(x.name) && x.residentValue);
  return zone?.residentValue ? parseZoneIdentifier(zone.residentValue) : null;
}

export function mftJsonRecord(s: RecordSummary, names: NameTable | null): MftJsonRecord {
  const fn: FileNameAttribute | null = s.fileNames[0] ?? null;
  const resolved = names && fn && !s.base ? names.resolve(s.entry) : null;
  const parentPath = resolved && fn ? (fn.parent.entry === 5 && !resolved.orphan ? '/' : resolved.path.slice(0, Math.max(1, resolved.path.lastIndexOf('/')))) : null;
  const data = s.streams.find((x) => x.name === '');
  const named = s.streams.filter((x) => x.name !== '');
  return {
    type: 'mft-record',
    entry: s.entry,
    sequence: s.sequence,
    inUse: s.inUse,
    isDirectory: s.isDirectory,
    baseRecord: s.base ? `${s.base.entry}-${s.base.sequence}` : null,
    fixupsOk: s.fixupsOk,
    parentEntry: fn ? fn.parent.entry : null,
    parentSequence: fn ? fn.parent.sequence : null,
    parentPath,
    name: fn ? fn.name : null,
    path: resolved ? resolved.path : null,
    orphan: resolved ? resolved.orphan : false,
    extension: fn && !s.isDirectory ? extensionOf(fn.name) : null,
    nameType: fn ? namespaceName(fn.namespace) : null,
    otherNames: s.fileNames.slice(1).map((f) => ({ name: f.name, nameType: namespaceName(f.namespace), parentEntry: f.parent.entry, parentSequence: f.parent.sequence })),
    size: data ? data.size : 0,
    linkCount: s.linkCount,
    siFlags: s.si ? fileAttributeNames(s.si.fileAttributes) : [],
    hasAds: named.length > 0,
    streams: named.map((x) => ({ name: x.name, size: x.size, resident: x.resident })),
    created0x10: s.si ? filetimeToIso(s.si.created) : null,
    created0x30: fn ? filetimeToIso(fn.created) : null,
    lastModified0x10: s.si ? filetimeToIso(s.si.modified) : null,
    lastModified0x30: fn ? filetimeToIso(fn.modified) : null,
    lastRecordChange0x10: s.si ? filetimeToIso(s.si.mftModified) : null,
    lastRecordChange0x30: fn ? filetimeToIso(fn.mftModified) : null,
    lastAccess0x10: s.si ? filetimeToIso(s.si.accessed) : null,
    lastAccess0x30: fn ? filetimeToIso(fn.accessed) : null,
    updateSequenceNumber: s.si && s.si.usn !== null ? Number(s.si.usn) : null,
    timestomp: timestompSigns(s.si, fn),
    residentDataSize: s.residentData ? s.residentData.length : null,
    zoneIdentifier: zoneOf(s),
  };
}

export type { MftIndex } from '../../evidence/image/ntfs/names.js';

/**
 * Pass 1: names and parents of every sound record; extension records grouped by their base
 * (`MftIndexBuilder`, the rule the volume reader's listing pass shares). Extension records are
 * checked against the base's sequence in pass 2.
 */
export function indexMftFile(src: ByteSource, recordSize: number, warnings: string[]): MftIndex {
  return indexRecords(src, recordSize, mftRecordCount(src, recordSize, warnings));
}

function indexRecords(src: ByteSource, recordSize: number, count: number): MftIndex {
  const builder = new MftIndexBuilder(count);
  const readRaw = recordReader(src, recordSize);
  // As the volume's listing pass: nothing of a record's bytes is kept, so one buffer takes each fixed-up copy.
  const scratch = Buffer.allocUnsafe(recordSize);
  for (let entry = 0; entry < count; entry++) {
    const raw = readRaw(entry);
    if (!hasRecordSignature(raw)) continue;
    const rec = parseMftRecord(raw, entry, scratch);
    if (rec) builder.add(rec, fileNamesOf(rec));
  }
  return builder.finish();
}

/** Records read from a standalone $MFT of `src.size` bytes (a warning past LIMITS.maxMftRecords). */
function mftRecordCount(src: ByteSource, recordSize: number, warnings: string[]): number {
  if (Math.floor(src.size / recordSize) > LIMITS.maxMftRecords) warnings.push(`more than ${LIMITS.maxMftRecords} records; the rest is not read`);
  return Math.min(Math.floor(src.size / recordSize), LIMITS.maxMftRecords);
}

function fileNamesOf(rec: MftRecord): FileNameAttribute[] {
  const out: FileNameAttribute[] = [];
  for (const a of rec.attributes) {
    if (a.type !== ATTR_TYPE.fileName || !a.value) continue;
    const fn = parseFileName(a.value);
    if (fn) out.push(fn);
  }
  return out;
}

/** Attributes of the extension records that name `base` as their base (same sequence number). */
export function extensionRecordAttributes(base: MftRecord, entries: readonly number[], readRecord: (entry: number) => MftRecord | null): Attribute[] {
  const out: Attribute[] = [];
  for (const e of entries) {
    const ext = readRecord(e);
    if (ext?.base && ext.base.entry === base.entry && ext.base.sequence === base.sequence) for (const a of ext.attributes) out.push(a);
  }
  return out;
}

/**
 * Every record of a standalone $MFT as its summary, streamed (pass 2, after pass 1 gave `onIndex`
 * the name table: the staging detectors resolve journal paths through it). `skip(entry)` leaves a
 * record unread (the trace stage passes over plain records, `MftIndex.plain`).
 */
export function* mftSummaries(src: ByteSource, warnings: string[], onIndex?: (index: MftIndex) => void, skip?: (entry: number) => boolean): Generator<RecordSummary> {
  const recordSize = mftRecordSize(src);
  if (!recordSize) {
    warnings.push('no FILE record with a usable record size at offset 0');
    return;
  }
  if (src.size % recordSize !== 0) warnings.push(`size ${src.size} is not a multiple of the record size ${recordSize}; the last partial record is ignored`);
  const count = mftRecordCount(src, recordSize, warnings);
  // A volume's own $MFT (opened through the image reader) was indexed by the volume's listing pass: no second pass.
  const index = ownMftIndex(src, recordSize, count) ?? indexRecords(src, recordSize, count);
  const { extensions } = index;
  onIndex?.(index);
  let reported = 0;
  const readRecord = (entry: number): MftRecord | null => (entry >= 0 && entry < count ? parseMftRecord(src.read(entry * recordSize, recordSize), entry) : null);
  const readRaw = recordReader(src, recordSize);
  for (let entry = 0; entry < count; entry++) {
    if (skip?.(entry)) continue;
    const rec = parseMftRecord(readRaw(entry), entry);
    if (!rec) continue;
    const s = summarizeRecord(rec, rec.base ? [] : extensionRecordAttributes(rec, extensions.get(entry) ?? [], readRecord));
    for (const w of s.warnings) if (reported++ < 1000) warnings.push(w);
    yield s;
  }
  if (reported > 1000) warnings.push(`${reported - 1000} more record warnings`);
}

/** Every record of a standalone $MFT as MFTECmd-like JSON, streamed. */
export function* walkMftFile(src: ByteSource, warnings: string[]): Generator<MftJsonRecord> {
  let names: NameTable | null = null;
  for (const s of mftSummaries(src, warnings, (index) => {
    names = index.names;
  })) yield mftJsonRecord(s, names);
}
