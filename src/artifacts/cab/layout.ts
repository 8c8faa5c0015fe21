/**
 * Microsoft Cabinet (MS-CAB) layout: the header with its set and volume fields, the folders (where
 * each one's CFDATA blocks start, how many, how they are compressed) and the CFFILE entries (each
 * file's folder and place in the folder's uncompressed stream). The listing (parse.ts) and the
 * members (archive/members.ts, folder.ts) read a cabinet through this one reader. Every count,
 * offset and name is the evidence's: counts are bounded, names cut at the format's 256 bytes.
 */
import type { ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
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
export const ATTR_NAME_IS_UTF = 0x80;
const MAX_CAB_NAME = 256; // CAB names are limited to 256 bytes by the format

/** typeCompress's low nibble. */
export const COMPRESSION = ['none', 'mszip', 'quantum', 'lzx'] as const;
export type CabMethod = (typeof COMPRESSION)[number] | `type-${number}`;

/** iFolder values of a file that is only partly in this cabinet. */
export const CONTINUED: Readonly<Record<number, string>> = { 0xfffd: 'continued-from-previous', 0xfffe: 'continued-to-next', 0xffff: 'continued-both' };

export interface CabFolder {
  /** Offset of the folder's first CFDATA block in the cabinet. */
  dataStart: number;
  /** CFDATA blocks of the folder in this cabinet. */
  blocks: number;
  method: CabMethod;
  /** LZX: the window's size as a power of two (15-21), from typeCompress's bits 8-12. */
  windowBits: number;
}

export interface CabFile {
  name: string;
  size: number;
  /** Where the file starts in its folder's uncompressed stream. */
  folderOffset: number;
  /** Index of its folder, or one of CONTINUED's values. */
  folder: number;
  date: number;
  time: number;
  attribs: number;
}

export interface CabLayout {
  cbCabinet: number;
  cFolders: number;
  cFiles: number;
  flags: number;
  setId: number;
  iCabinet: number;
  /** Reserve bytes in each CFDATA block's header (flags' RESERVE_PRESENT). */
  dataReserve: number;
  previousCabinet: string | null;
  previousDisk: string | null;
  nextCabinet: string | null;
  nextDisk: string | null;
  folders: CabFolder[];
  files: CabFile[];
  warnings: string[];
}

export function isMultiVolume(l: CabLayout): boolean {
  return (l.flags & (FLAG_PREV | FLAG_NEXT)) !== 0;
}

/**
 * Bytes the cabinet whose header starts at `at` of `buf` spans (cbCabinet), when the header holds:
 * version 1.3, its file list inside it; else null (the carver's check of a unit that starts with MSCF).
 */
export function cabinetBytes(buf: Buffer, at: number): number | null {
  if (at + HEADER_FIXED > buf.length || buf.toString('latin1', at, at + 4) !== 'MSCF') return null;
  const total = buf.readUInt32LE(at + 0x08);
  const files = buf.readUInt32LE(at + 0x10);
  if (buf[at + 0x18] !== 3 || buf[at + 0x19] !== 1 || total < HEADER_FIXED || files < HEADER_FIXED || files >= total) return null;
  return total;
}

/** The layout of a cabinet, or null when `src` does not start with 'MSCF'. */
export function readCabLayout(src: ByteSource): CabLayout | null {
  const head = src.read(0, HEADER_FIXED + 4 + 4 * MAX_CAB_NAME);
  if (head.length < HEADER_FIXED || head.toString('latin1', 0, 4) !== 'MSCF') return null;
  const warnings: string[] = [];
  const flags = head.readUInt16LE(0x1e);
  let pos = HEADER_FIXED;
  let folderReserve = 0;
  let dataReserve = 0;
  if (flags & FLAG_RESERVE) {
    const cbCFHeader = head.length >= 0x28 ? head.readUInt16LE(0x24) : 0;
    folderReserve = head[0x26] ?? 0;
    dataReserve = head[0x27] ?? 0;
    pos = 0x28 + cbCFHeader;
  }
  const names: Record<'previousCabinet' | 'previousDisk' | 'nextCabinet' | 'nextDisk', string | null> = { previousCabinet: null, previousDisk: null, nextCabinet: null, nextDisk: null };
  const strings = src.read(pos, 4 * MAX_CAB_NAME + 4);
  let at = 0;
  const take = (key: keyof typeof names) => {
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
  const cFolders = head.readUInt16LE(0x1a);
  const cFiles = head.readUInt16LE(0x1c);
  const reader = new WindowReader(src);
  const folders: CabFolder[] = [];
  for (let i = 0; i < cFolders; i++) {
    const f = reader.get(pos + i * (FOLDER_FIXED + folderReserve), FOLDER_FIXED);
    if (f.length < FOLDER_FIXED) {
      warnings.push(`folder table ends after ${i} of ${cFolders} folders`);
      break;
    }
    const type = f.readUInt16LE(6);
    folders.push({ dataStart: f.readUInt32LE(0), blocks: f.readUInt16LE(4), method: COMPRESSION[type & 0x0f] ?? `type-${type & 0x0f}`, windowBits: (type >> 8) & 0x1f });
  }
  const files = readFiles(reader, head.readUInt32LE(0x10), Math.min(cFiles, LIMITS.maxArchiveEntries), warnings);
  return { cbCabinet: head.readUInt32LE(0x08), cFolders, cFiles, flags, setId: head.readUInt16LE(0x20), iCabinet: head.readUInt16LE(0x22), dataReserve, ...names, folders, files, warnings };
}

function readFiles(reader: WindowReader, start: number, count: number, warnings: string[]): CabFile[] {
  const files: CabFile[] = [];
  let pos = start;
  for (let i = 0; i < count; i++) {
    const b = reader.get(pos, FILE_FIXED + MAX_CAB_NAME + 1);
    const name = b.length >= FILE_FIXED ? cString(b, FILE_FIXED, MAX_CAB_NAME + 1) : null;
    if (!name) {
      warnings.push(`CFFILE table ends after ${i} of ${count} entries`);
      break;
    }
    const attribs = b.readUInt16LE(0x0e);
    const raw = b.subarray(FILE_FIXED, name.end - 1);
    files.push({
      name: attribs & ATTR_NAME_IS_UTF ? raw.toString('utf8') : name.text,
      size: b.readUInt32LE(0x00),
      folderOffset: b.readUInt32LE(0x04),
      folder: b.readUInt16LE(0x08),
      date: b.readUInt16LE(0x0a),
      time: b.readUInt16LE(0x0c),
      attribs,
    });
    pos += name.end;
  }
  return files;
}
