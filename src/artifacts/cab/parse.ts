/**
 * Microsoft Cabinet (MS-CAB): header, folders and CFFILE entries; set and volume fields
 * (previous/next cabinet flags, set id, cabinet index). Nothing is decompressed.
 */
import type { ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import { dosDateTimeToIso } from '../../util/filetime.js';
import type { ArtifactContext } from '../types.js';
import type { ArchiveEntry, ArchiveResult } from '../archive/summary.js';
import { emptySummary, entryRecord, withEntries } from '../archive/build.js';
import { cString } from '../archive/names.js';
import { WindowReader } from '../archive/window.js';

// CFHEADER: 0x00 'MSCF', 0x08 cbCabinet, 0x10 coffFiles, 0x18 versionMinor, 0x19 versionMajor,
// 0x1a cFolders, 0x1c cFiles, 0x1e flags, 0x20 setID, 0x22 iCabinet, 0x24 optional reserve sizes
const HEADER_FIXED = 0x24;
const FLAG_PREV = 0x0001;
const FLAG_NEXT = 0x0002;
const FLAG_RESERVE = 0x0004;
// CFFOLDER: 0x00 coffCabStart, 0x04 cCFData, 0x06 typeCompress (+ cbCFFolder reserve bytes)
const FOLDER_FIXED = 8;
// CFFILE: 0x00 cbFile, 0x04 uoffFolderStart, 0x08 iFolder, 0x0a date, 0x0c time, 0x0e attribs, 0x10 szName
const FILE_FIXED = 0x10;
const ATTR_NAME_IS_UTF = 0x80;
const MAX_CAB_NAME = 256; // CAB names are limited to 256 bytes by the format
const COMPRESSION = ['none', 'mszip', 'quantum', 'lzx'];
const CONTINUED = { 0xfffd: 'continued-from-previous', 0xfffe: 'continued-to-next', 0xffff: 'continued-both' } as Record<number, string>;

export async function parseCab(src: ByteSource, ctx: ArtifactContext): Promise<ArchiveResult | null> {
  const head = src.read(0, HEADER_FIXED + 4 + 4 * MAX_CAB_NAME);
  if (head.length < HEADER_FIXED || head.toString('latin1', 0, 4) !== 'MSCF') return null;
  const warnings: string[] = [];
  const cbCabinet = head.readUInt32LE(0x08);
  const coffFiles = head.readUInt32LE(0x10);
  const cFolders = head.readUInt16LE(0x1a);
  const cFiles = head.readUInt16LE(0x1c);
  const flags = head.readUInt16LE(0x1e);
  const setId = head.readUInt16LE(0x20);
  const iCabinet = head.readUInt16LE(0x22);
  let pos = HEADER_FIXED;
  let folderReserve = 0;
  if (flags & FLAG_RESERVE) {
    const cbCFHeader = head.readUInt16LE(0x24);
    folderReserve = head[0x26] ?? 0;
    pos = 0x28 + cbCFHeader;
  }
  const names: Record<string, string | null> = { previousCabinet: null, previousDisk: null, nextCabinet: null, nextDisk: null };
  const strings = src.read(pos, 4 * MAX_CAB_NAME + 4);
  let at = 0;
  const take = (key: string) => {
    const s = cString(strings, at, MAX_CAB_NAME);
    if (!s) return;
    names[key] = s.text;
    at = s.end;
  };
  if (flags & FLAG_PREV) {
    take('previousCabinet');
    take('previousDisk');
  }
  if (flags & FLAG_NEXT) {
    take('nextCabinet');
    take('nextDisk');
  }
  pos += at;

  const reader = new WindowReader(src);
  const methods = new Set<string>();
  for (let i = 0; i < cFolders; i++) {
    const f = reader.get(pos + i * (FOLDER_FIXED + folderReserve), FOLDER_FIXED);
    if (f.length < FOLDER_FIXED) {
      warnings.push(`folder table ends after ${i} of ${cFolders} folders`);
      break;
    }
    methods.add(COMPRESSION[f.readUInt16LE(6) & 0x0f] ?? `type-${f.readUInt16LE(6) & 0x0f}`);
  }

  const { entries, continued } = readFiles(reader, coffFiles, Math.min(cFiles, LIMITS.maxArchiveEntries), warnings);
  if (cbCabinet > src.size) warnings.push(`cabinet truncated: header says ${cbCabinet} bytes, file has ${src.size}`);
  const summary = withEntries(emptySummary('cab'), entries);
  summary.truncated = entries.length < cFiles;
  summary.volume = flags & (FLAG_PREV | FLAG_NEXT) || continued > 0 ? { index: iCabinet, multiVolume: true } : null;
  summary.fields = { setId, cabinetIndex: iCabinet, folders: cFolders, claimedFiles: cFiles, compression: [...methods], continuedEntries: continued, trailingBytes: Math.max(0, src.size - cbCabinet), ...names };
  void ctx;
  return {
    parser: 'cab',
    records: entries.map((e) => entryRecord(e)),
    warnings,
    corrupted: warnings.length > 0,
    facts: summary,
  };
}

function readFiles(reader: WindowReader, start: number, count: number, warnings: string[]): { entries: ArchiveEntry[]; continued: number } {
  const entries: ArchiveEntry[] = [];
  let continued = 0;
  let pos = start;
  for (let i = 0; i < count; i++) {
    const b = reader.get(pos, FILE_FIXED + MAX_CAB_NAME + 1);
    const name = b.length >= FILE_FIXED ? cString(b, FILE_FIXED, MAX_CAB_NAME + 1) : null;
    if (!name) {
      warnings.push(`CFFILE table ends after ${i} of ${count} entries`);
      break;
    }
    const attribs = b.readUInt16LE(0x0e);
    const iFolder = b.readUInt16LE(0x08);
    if (CONTINUED[iFolder]) continued++;
    const raw = b.subarray(FILE_FIXED, name.end - 1);
    entries.push({
      name: attribs & ATTR_NAME_IS_UTF ? raw.toString('utf8') : name.text,
      size: b.readUInt32LE(0x00),
      compressedSize: null,
      modified: dosDateTimeToIso(b.readUInt16LE(0x0a), b.readUInt16LE(0x0c)),
      encrypted: false,
      isDirectory: false,
      method: null,
    });
    pos += name.end;
  }
  return { entries, continued };
}
