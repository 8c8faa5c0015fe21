/**
 * NTFS $LogFile walker (docs/ntfs.md "$LogFile"): the redo/undo records NTFS writes before every
 * metadata change, kept in a circular file of (usually) 64 MiB. What a staging trace needs of them:
 * the index entries added to and removed from folders (each carries the file's reference and a copy
 * of its $FILE_NAME: name, parent, times), and the MFT records initialised (a file created: the
 * record image with its number, sequence and names) and freed. They survive a cleared USN journal
 * (`fsutil usn deletejournal`) for the last minutes to hours of activity.
 *
 * A record is taken only where its LSN names its own place in the file (the low bits of an LSN are
 * its offset in 8-byte units): a stale copy on a tail page, the continued bytes of a record that
 * began on the page before and random bytes all fail that test, so the walk can step through a page
 * 8 bytes at a time after damage. The walk starts at the page after the one holding the restart
 * area's current LSN (the oldest page of the circle) and goes round once, so records come out
 * oldest first, save the few left past the newest record on its page. Pure and bounded: one page
 * cache, a record's data capped (LOGFILE_LIMITS), no recursion.
 */
import type { ByteSource } from '../../util/byte-source.js';
import { filetimeToIso } from '../../util/filetime.js';
import { safeNumber } from './usn.js';
import { applyFixups, parseFileName, type FileNameAttribute } from '../../evidence/image/ntfs/record.js';
import { ATTR, ATTR_END, ATTR_TYPE, FN_NAMESPACE, INDEX_ENTRY, RECORD, RECORD_FLAG_DIRECTORY, RECORD_FLAG_IN_USE, readReference } from '../../evidence/image/ntfs/layout.js';
import {
  LOG_OPERATION,
  LOG_RECORD,
  LOG_RECORD_TYPE,
  NTFS_RECORD,
  RESTART_AREA,
  RESTART_PAGE,
  firstLogPageOffset,
  logOperationName,
} from './logfile-layout.js';

export const LOGFILE_LIMITS = {
  /** Client data of one record: NTFS logs at most an MFT record or an index buffer (4 KiB) plus its header. */
  maxClientData: 64 * 1024,
  /** Warnings of one walk (damaged pages and records). */
  maxWarnings: 100,
} as const;

/** A $FILE_NAME an index entry or a record image carries. */
export interface LogFileName {
  entry: number;
  sequence: number;
  parentEntry: number;
  parentSequence: number;
  name: string;
  namespace: number;
  isDirectory: boolean;
  created: string | null;
  modified: string | null;
  changed: string | null;
  accessed: string | null;
  size: number;
}

export type LogFileRecord = {
  type: 'logfile-record';
  /** Byte offset of the record header in $LogFile. */
  offset: number;
  lsn: number;
  previousLsn: number;
  undoNextLsn: number;
  transactionId: number;
  recordType: 'client' | 'client-restart' | number;
  redoOp: string;
  undoOp: string;
  redoLength: number;
  undoLength: number;
  targetAttribute: number;
  targetVcn: number;
  clusterBlockOffset: number;
  /** Where in the target the change lies: the attribute's offset in the MFT record (or the entry's in an index buffer), and the change's in the attribute. */
  recordOffset: number;
  attributeOffset: number;
  /**
   * An index entry added to a folder (`added`) or removed from it (`removed`): the file it names and
   * its $FILE_NAME copy (the redo data of an add, the undo data of a delete).
   */
  index?: LogFileName & { change: 'added' | 'removed' };
  /** InitializeFileRecordSegment: the record image written (its own number and sequence, and its first long name). */
  fileRecord?: { entry: number | null; sequence: number; inUse: boolean; isDirectory: boolean; name: LogFileName | null };
  /** DeallocateFileRecordSegment: the record freed (its MFT entry where the geometry is known). */
  freedRecord?: { entry: number | null };
  /**
   * UpdateResidentValue of a record's $STANDARD_INFORMATION times (its first attribute, at 0x38 in
   * an NTFS 3.1 record): the record's entry and the times written. A folder's times change with
   * every name added to or removed from it: the nearest thing to a time the log has.
   */
  siTimes?: { entry: number; created?: string | null; modified?: string | null; changed?: string | null; accessed?: string | null };
};

/** Where a log's records point into the MFT: cluster and record sizes (an image knows them; 4096 and 1024 otherwise). */
export interface LogFileGeometry {
  clusterSize: number;
  recordSize: number;
}
export const DEFAULT_GEOMETRY: LogFileGeometry = { clusterSize: 4096, recordSize: 1024 };

interface RestartInfo {
  systemPageSize: number;
  logPageSize: number;
  major: number;
  currentLsn: bigint;
  seqNumberBits: number;
  fileSize: number;
  dataOffset: number;
}

const isPow2 = (n: number, min: number, max: number): boolean => n >= min && n <= max && (n & (n - 1)) === 0;
const sig = (buf: Buffer, text: string): boolean => buf.length >= 4 && buf.toString('latin1', 0, 4) === text;

/** One restart page's area, or null when it does not hold together. */
function readRestart(src: ByteSource, at: number, warnings: string[]): RestartInfo | null {
  const head = src.read(at, 0x40);
  if (!looksLikeLogFile(head)) return null;
  const systemPageSize = head.readUInt32LE(RESTART_PAGE.systemPageSize);
  const logPageSize = head.readUInt32LE(RESTART_PAGE.logPageSize);
  const { data } = applyFixups(src.read(at, systemPageSize), warnings, () => `$LogFile restart page at ${at}`);
  const ra = data.readUInt16LE(RESTART_PAGE.restartAreaOffset);
  if (ra < 0x1e || ra + RESTART_AREA.minLength > data.length) return null;
  const seqNumberBits = data.readUInt32LE(ra + RESTART_AREA.seqNumberBits);
  const dataOffset = data.readUInt16LE(ra + RESTART_AREA.logPageDataOffset);
  const headerLength = data.readUInt16LE(ra + RESTART_AREA.recordHeaderLength);
  const fileSize = safeNumber(data.readBigInt64LE(ra + RESTART_AREA.fileSize));
  if (seqNumberBits < 8 || seqNumberBits > 60 || headerLength !== LOG_RECORD.length || dataOffset < 0x28 || dataOffset % 8 !== 0 || dataOffset >= logPageSize || !(fileSize > 0)) return null;
  return {
    systemPageSize,
    logPageSize,
    major: data.readInt16LE(RESTART_PAGE.majorVersion),
    currentLsn: data.readBigUInt64LE(ra + RESTART_AREA.currentLsn),
    seqNumberBits,
    fileSize,
    dataOffset,
  };
}

/** The $FILE_NAME of an index entry (its header, then the key), or null when it is not one. */
function indexEntryName(buf: Buffer): LogFileName | null {
  if (buf.length < INDEX_ENTRY.key + 0x42) return null;
  const keyLength = buf.readUInt16LE(INDEX_ENTRY.keyLength);
  if (keyLength < 0x42 || INDEX_ENTRY.key + keyLength > buf.length) return null;
  const fn = parseFileName(buf.subarray(INDEX_ENTRY.key, INDEX_ENTRY.key + keyLength));
  if (!fn || fn.name.length === 0) return null;
  return nameOf(readReference(buf, INDEX_ENTRY.fileReference), fn);
}

function nameOf(file: { entry: number; sequence: number }, fn: FileNameAttribute): LogFileName {
  return {
    entry: file.entry,
    sequence: file.sequence,
    parentEntry: fn.parent.entry,
    parentSequence: fn.parent.sequence,
    name: fn.name,
    namespace: fn.namespace,
    // FILE_NAME_INDEX_PRESENT: the $FN flag a folder's name carries
    isDirectory: (fn.fileAttributes & 0x10000000) !== 0,
    created: filetimeToIso(fn.created),
    modified: filetimeToIso(fn.modified),
    changed: filetimeToIso(fn.mftModified),
    accessed: filetimeToIso(fn.accessed),
    size: fn.dataSize,
  };
}

/** An MFT record image as InitializeFileRecordSegment logs it (fixups not applied, often only its used part). */
function recordImage(buf: Buffer): LogFileRecord['fileRecord'] | null {
  if (buf.length < 0x30 || !sig(buf, 'FILE')) return null;
  const sequence = buf.readUInt16LE(RECORD.sequence);
  const flags = buf.readUInt16LE(RECORD.flags);
  const entry = buf.readUInt16LE(RECORD.usaOffset) >= 0x30 ? buf.readUInt32LE(RECORD.recordNumber) : null;
  let name: LogFileName | null = null;
  let at = buf.readUInt16LE(RECORD.firstAttribute);
  for (let n = 0; n < 64 && at + 0x18 <= buf.length; n++) {
    const type = buf.readUInt32LE(at + ATTR.type);
    const length = buf.readUInt32LE(at + ATTR.length);
    if (type === ATTR_END || length < 0x18 || at + length > buf.length) break;
    if (type === ATTR_TYPE.fileName && buf[at + ATTR.nonResident] === 0) {
      const vo = at + buf.readUInt16LE(at + ATTR.valueOffset);
      const vl = buf.readUInt32LE(at + ATTR.valueLength);
      const fn = vo + vl <= at + length ? parseFileName(buf.subarray(vo, vo + vl)) : null;
      // The long name over the 8.3 one.
      if (fn && (!name || name.namespace === FN_NAMESPACE.dos)) name = nameOf({ entry: entry ?? -1, sequence }, fn);
    }
    at += length;
  }
  return { entry, sequence, inUse: (flags & RECORD_FLAG_IN_USE) !== 0, isDirectory: (flags & RECORD_FLAG_DIRECTORY) !== 0, name };
}

/** The MFT entry a record's target (VCN and 512-byte block) points at, with the volume's sizes; null when out of range. */
function targetEntry(rec: LogFileRecord, geometry: LogFileGeometry): number | null {
  const byte = rec.targetVcn * geometry.clusterSize + rec.clusterBlockOffset * 512;
  return Number.isSafeInteger(byte) && geometry.recordSize > 0 ? Math.floor(byte / geometry.recordSize) : null;
}

/** $STANDARD_INFORMATION in an NTFS 3.1 record: the first attribute (0x38), its value 0x18 into it, four times first. */
const SI_ATTRIBUTE_OFFSET = 0x38;
const SI_VALUE_OFFSET = 0x18;
const SI_TIME_FIELDS = ['created', 'modified', 'changed', 'accessed'] as const;

/** What the redo/undo data of one NTFS client record says of files. */
function decodeClientData(data: Buffer, rec: LogFileRecord, geometry: LogFileGeometry): void {
  const redo = data.readUInt16LE(NTFS_RECORD.redoOperation);
  const undo = data.readUInt16LE(NTFS_RECORD.undoOperation);
  const part = (offset: number, length: number): Buffer | null => (length > 0 && offset >= NTFS_RECORD.minLength && offset + length <= data.length ? data.subarray(offset, offset + length) : null);
  const redoData = part(data.readUInt16LE(NTFS_RECORD.redoOffset), rec.redoLength);
  const undoData = part(data.readUInt16LE(NTFS_RECORD.undoOffset), rec.undoLength);
  const O = LOG_OPERATION;
  if ((redo === O.addIndexEntryRoot || redo === O.addIndexEntryAllocation) && redoData) {
    const e = indexEntryName(redoData);
    if (e) rec.index = { ...e, change: 'added' };
  } else if ((redo === O.deleteIndexEntryRoot || redo === O.deleteIndexEntryAllocation) && (undo === O.addIndexEntryRoot || undo === O.addIndexEntryAllocation)) {
    const e = (undoData && indexEntryName(undoData)) ?? (redoData && indexEntryName(redoData));
    if (e) rec.index = { ...e, change: 'removed' };
  }
  if (redo === O.initializeFileRecordSegment && redoData) {
    const r = recordImage(redoData);
    if (r) rec.fileRecord = r;
  }
  if (redo === O.deallocateFileRecordSegment) rec.freedRecord = { entry: targetEntry(rec, geometry) };
  if (redo === O.updateResidentValue && redoData && rec.recordOffset === SI_ATTRIBUTE_OFFSET) {
    const entry = targetEntry(rec, geometry);
    const first = (rec.attributeOffset - SI_VALUE_OFFSET) / 8;
    if (entry !== null && Number.isInteger(first) && first >= 0 && first < SI_TIME_FIELDS.length) {
      const times: NonNullable<LogFileRecord['siTimes']> = { entry };
      for (let k = 0; first + k < SI_TIME_FIELDS.length && (k + 1) * 8 <= redoData.length; k++) times[SI_TIME_FIELDS[first + k]!] = filetimeToIso(redoData.readBigUInt64LE(k * 8));
      rec.siTimes = times;
    }
  }
}

/**
 * Every record of a $LogFile, oldest first. Memory: a few pages and one record's data; time: linear
 * in the file's size (each 8-byte position is looked at once at most).
 */
export function* walkLogFile(src: ByteSource, warnings: string[], geometry: LogFileGeometry = DEFAULT_GEOMETRY): Generator<LogFileRecord> {
  const warn = (m: string): void => {
    if (warnings.length < LOGFILE_LIMITS.maxWarnings) warnings.push(m);
  };
  const first = readRestart(src, 0, warnings);
  const second = first ? readRestart(src, first.systemPageSize, warnings) : readRestart(src, 4096, warnings);
  let restart = first && second ? (second.currentLsn > first.currentLsn ? second : first) : (first ?? second);
  if (!restart) {
    restart = inferRestart(src);
    // A log emptied to 0xff (mkntfs; ntfs-3g on every mount) or never written holds nothing to read, and nothing is wrong.
    if (!restart) {
      if (!isBlankLogPage(src.read(0, 4096))) warn('no readable restart page (RSTR) and no log page to read: not a $LogFile, or damaged');
      return;
    }
    warn('no readable restart page (RSTR): the log pages read as Windows writes them (4 KiB pages, version 1.1), from the start of the file');
  }
  const { logPageSize: pageSize, dataOffset } = restart;
  // The file as it is: a collection may have cut it, and a restart area may lie about it (a record's LSN still has to name its place).
  const size = src.size;
  if (restart.fileSize !== size) warn(`the restart area gives the log ${restart.fileSize} bytes; the file has ${size}: read as it is`);
  const firstPage = firstLogPageOffset(restart.major, restart.systemPageSize, pageSize);
  if (firstPage >= size) {
    warn(`${size} bytes hold no log page`);
    return;
  }
  const offsetBits = 64n - BigInt(restart.seqNumberBits);
  const offsetMask = (1n << offsetBits) - 1n;
  const lsnOffset = (lsn: bigint): number => safeNumber((lsn & offsetMask) << 3n);
  const pages = Math.floor((size - firstPage) / pageSize);
  // The newest page: the walk starts after it (the oldest), unless the current LSN points nowhere.
  const current = lsnOffset(restart.currentLsn);
  const startIndex = current >= firstPage && current < firstPage + pages * pageSize ? (Math.floor((current - firstPage) / pageSize) + 1) % pages : 0;

  const cache = new Map<number, Buffer | null>();
  let badPages = 0;
  const page = (index: number): Buffer | null => {
    const have = cache.get(index);
    if (have !== undefined) return have;
    const at = firstPage + index * pageSize;
    const raw = src.read(at, pageSize);
    let fixed: Buffer | null = null;
    if (raw.length === pageSize && sig(raw, 'RCRD')) {
      const pageWarnings: string[] = [];
      const { data, ok } = applyFixups(raw, pageWarnings, () => `$LogFile page at ${at}`);
      if (ok) fixed = data;
      else if (badPages++ < 20) warn(pageWarnings[0] ?? `$LogFile page at ${at}: torn`);
    }
    if (cache.size >= 8) cache.delete(cache.keys().next().value!);
    cache.set(index, fixed);
    return fixed;
  };

  let resumeAt = -1; // absolute offset where the record that spanned into the next pages ends
  for (let step = 0; step < pages; step++) {
    const index = (startIndex + step) % pages;
    const buf = page(index);
    if (!buf) continue;
    const pageAt = firstPage + index * pageSize;
    // A page the record before runs on through holds none of its own.
    if (resumeAt >= pageAt + pageSize) continue;
    let pos = dataOffset;
    if (resumeAt > pageAt) pos = Math.max(dataOffset, (resumeAt - pageAt + 7) & ~7);
    resumeAt = -1;
    while (pos + LOG_RECORD.length <= pageSize) {
      const lsn = buf.readBigUInt64LE(pos + LOG_RECORD.thisLsn);
      if (lsn === 0n || lsnOffset(lsn) !== pageAt + pos) {
        pos += 8;
        continue;
      }
      const length = buf.readUInt32LE(pos + LOG_RECORD.clientDataLength);
      if (length > LOGFILE_LIMITS.maxClientData) {
        warn(`$LogFile offset ${pageAt + pos}: record data of ${length} bytes (more than ${LOGFILE_LIMITS.maxClientData}); skipped`);
        pos += 8;
        continue;
      }
      // The client data: the rest of this page, then the data areas of the pages after it (round the circle).
      const start = pos + LOG_RECORD.length;
      let data: Buffer;
      let endAbs: number;
      if (start + length <= pageSize) {
        data = buf.subarray(start, start + length);
        endAbs = pageAt + start + length;
      } else {
        const parts = [buf.subarray(start)];
        let have = pageSize - start;
        let next = index;
        let complete = true;
        endAbs = -1;
        while (have < length) {
          next = (next + 1) % pages;
          const more = page(next);
          if (!more || next === index) {
            complete = false;
            break;
          }
          const take = Math.min(length - have, pageSize - dataOffset);
          parts.push(more.subarray(dataOffset, dataOffset + take));
          have += take;
          endAbs = firstPage + next * pageSize + dataOffset + take;
        }
        if (!complete) {
          warn(`$LogFile LSN ${lsn}: its data runs on into a page that is missing or damaged; cut`);
        }
        data = Buffer.concat(parts);
      }
      const rec = decodeRecord(buf, pos, pageAt + pos, data, length, geometry);
      if (rec) yield rec;
      if (endAbs > pageAt && endAbs < pageAt + pageSize) {
        pos = (endAbs - pageAt + 7) & ~7;
      } else {
        resumeAt = endAbs;
        break;
      }
    }
  }
  if (badPages > 20) warn(`${badPages - 20} more torn or damaged pages`);
}

function decodeRecord(buf: Buffer, pos: number, offset: number, data: Buffer, declared: number, geometry: LogFileGeometry): LogFileRecord | null {
  const type = buf.readUInt32LE(pos + LOG_RECORD.recordType);
  const rec: LogFileRecord = {
    type: 'logfile-record',
    offset,
    lsn: safeNumber(buf.readBigUInt64LE(pos + LOG_RECORD.thisLsn)),
    previousLsn: safeNumber(buf.readBigUInt64LE(pos + LOG_RECORD.clientPreviousLsn)),
    undoNextLsn: safeNumber(buf.readBigUInt64LE(pos + LOG_RECORD.clientUndoNextLsn)),
    transactionId: buf.readUInt32LE(pos + LOG_RECORD.transactionId),
    recordType: type === LOG_RECORD_TYPE.client ? 'client' : type === LOG_RECORD_TYPE.clientRestart ? 'client-restart' : type,
    redoOp: '',
    undoOp: '',
    redoLength: 0,
    undoLength: 0,
    targetAttribute: 0,
    targetVcn: 0,
    clusterBlockOffset: 0,
    recordOffset: 0,
    attributeOffset: 0,
  };
  if (Number.isNaN(rec.lsn)) return null;
  if (type !== LOG_RECORD_TYPE.client || data.length < NTFS_RECORD.minLength || data.length < declared) return rec;
  rec.redoOp = logOperationName(data.readUInt16LE(NTFS_RECORD.redoOperation));
  rec.undoOp = logOperationName(data.readUInt16LE(NTFS_RECORD.undoOperation));
  rec.redoLength = data.readUInt16LE(NTFS_RECORD.redoLength);
  rec.undoLength = data.readUInt16LE(NTFS_RECORD.undoLength);
  rec.targetAttribute = data.readUInt16LE(NTFS_RECORD.targetAttribute);
  rec.targetVcn = safeNumber(data.readBigUInt64LE(NTFS_RECORD.targetVcn));
  rec.clusterBlockOffset = data.readUInt16LE(NTFS_RECORD.clusterBlockOffset);
  rec.recordOffset = data.readUInt16LE(NTFS_RECORD.recordOffset);
  rec.attributeOffset = data.readUInt16LE(NTFS_RECORD.attributeOffset);
  decodeClientData(data, rec, geometry);
  return rec;
}

/** Pages looked at for a record that gives away the LSN layout when both restart pages are gone. */
const INFER_PAGES = 256;

/**
 * Both restart pages unreadable (wiped, say): Windows' usual layout (4 KiB pages, records from 0x40,
 * version 1.1). The offset part of an LSN needs only as many bits as the file has 8-byte units (the
 * sequence part lies above them, whatever its own width), so those bits read every LSN's place; a
 * record on one of the first INFER_PAGES pages whose LSN names its own place confirms it. Null when
 * none does.
 */
function inferRestart(src: ByteSource): RestartInfo | null {
  const pageSize = 4096;
  const dataOffset = 0x40;
  const seqNumberBits = 64 - Math.max(1, Math.ceil(Math.log2(Math.max(2, src.size / 8))));
  const mask = (1n << BigInt(64 - seqNumberBits)) - 1n;
  for (let index = 2; index < INFER_PAGES && (index + 1) * pageSize <= src.size; index++) {
    const raw = src.read(index * pageSize, pageSize);
    if (!sig(raw, 'RCRD')) continue;
    const { data, ok } = applyFixups(raw, [], () => '');
    if (ok && (data.readBigUInt64LE(dataOffset) & mask) << 3n === BigInt(index * pageSize + dataOffset))
      return { systemPageSize: pageSize, logPageSize: pageSize, major: 1, currentLsn: 0n, seqNumberBits, fileSize: src.size, dataOffset };
  }
  return null;
}

/** All 0xff or all zero: a log page no one wrote (mkntfs; ntfs-3g empties the log on every mount). */
export function isBlankLogPage(buf: Buffer): boolean {
  if (buf.length === 0) return true;
  const fill = buf[0];
  if (fill !== 0xff && fill !== 0) return false;
  for (let i = 1; i < buf.length; i++) if (buf[i] !== fill) return false;
  return true;
}

/** True when the head looks like a $LogFile's first restart page. */
export function looksLikeLogFile(head: Buffer): boolean {
  if (head.length < 0x30 || !(sig(head, 'RSTR') || sig(head, 'CHKD'))) return false;
  return isPow2(head.readUInt32LE(RESTART_PAGE.systemPageSize), 512, 65536) && isPow2(head.readUInt32LE(RESTART_PAGE.logPageSize), 512, 65536);
}
