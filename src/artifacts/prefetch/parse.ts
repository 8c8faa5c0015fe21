/**
 * Prefetch (.pf) bytes to one `prefetch` record: executable, hash, run count, last run times, the
 * volumes with their directories, and the files the program touched in its first seconds
 * (PECmd's FilesLoaded). Pure and bounded: every offset, size and count comes from the file and is
 * checked against the (decompressed) buffer and LIMITS.
 */
import type { ByteSource } from '../../util/byte-source.js';
import { filetimeToIso } from '../../util/filetime.js';
import { LIMITS } from '../../util/limits.js';
import { HEADER, INFO, MAM, SCCA_SIGNATURE, SHORT_INFO_METRICS_OFFSET, SHORT_INFO_RUN_COUNT, VERSION_LAYOUTS, VOLUME } from './layout.js';
import { decompressXpressHuffman } from './xpress-huffman.js';

export interface PrefetchVolume {
  /** Device path as stored: `\VOLUME{<created>-<serial>}` on Windows 10, `\DEVICE\HARDDISKVOLUME1` before. */
  name: string;
  /** Volume serial number, 8 upper-case hex digits. */
  serial: string;
  created: string | null;
  directories: string[];
}

export interface PrefetchRecord {
  type: 'prefetch';
  version: number;
  /** 'MAM' when the file was Xpress-Huffman compressed (Windows 10+), else null. */
  compression: 'MAM' | null;
  executableName: string;
  /** Prefetch hash, 8 upper-case hex digits (the part of the file name after the dash). */
  hash: string;
  /** Size the header declares (of the decompressed data). */
  size: number;
  runCount: number;
  /** Most recent run, then earlier ones (PECmd LastRun, PreviousRun0..6); unset slots are left out. */
  lastRun: string | null;
  previousRuns: string[];
  volumes: PrefetchVolume[];
  /** Every file name of the filename-strings section, in order (sccainfo "Filenames", PECmd FilesLoaded). */
  filesLoaded: string[];
  [field: string]: unknown;
}

export interface PrefetchParse {
  record: PrefetchRecord;
  warnings: string[];
  corrupted: boolean;
}

/** True when the head starts like a Prefetch file: SCCA at 4 or the MAM container. */
export function looksLikePrefetch(head: Buffer): boolean {
  if (head.length < 8) return false;
  if (head.readUInt32LE(HEADER.SIGNATURE) === SCCA_SIGNATURE) return true;
  return (head.readUInt32LE(0) & 0x00ffffff) === MAM.SIGNATURE && (head[MAM.FLAGS]! & 0x0f) === 4;
}

/** The SCCA bytes: the file itself, or the decompressed MAM payload. */
function sccaBytes(src: ByteSource, warnings: string[]): { buf: Buffer; compression: 'MAM' | null; truncated: boolean } | null {
  const head = src.read(0, 16);
  if (head.length < 8) return null;
  if ((head.readUInt32LE(0) & 0x00ffffff) !== MAM.SIGNATURE) {
    if (src.size > LIMITS.maxPrefetchBytes) warnings.push(`file of ${src.size} bytes: only the first ${LIMITS.maxPrefetchBytes} read`);
    return { buf: src.read(0, Math.min(src.size, LIMITS.maxPrefetchBytes)), compression: null, truncated: false };
  }
  const flags = head[MAM.FLAGS]!;
  if ((flags & 0x0f) !== 4) return null; // another compression algorithm: not a Prefetch file we know
  const declared = head.readUInt32LE(MAM.UNCOMPRESSED_SIZE);
  let size = declared;
  if (size > LIMITS.maxPrefetchBytes) {
    warnings.push(`MAM container declares ${declared} decompressed bytes: only the first ${LIMITS.maxPrefetchBytes} decoded`);
    size = LIMITS.maxPrefetchBytes;
  }
  const dataStart = flags & 0x80 ? MAM.DATA_WITH_CHECKSUM : MAM.DATA_PLAIN;
  const input = src.read(dataStart, Math.min(Math.max(0, src.size - dataStart), LIMITS.maxPrefetchBytes));
  const { data, error } = decompressXpressHuffman(input, size);
  if (error) warnings.push(`MAM decompression: ${error}`);
  return { buf: data, compression: 'MAM', truncated: error !== null || size < declared };
}

/** UTF-16LE up to the first NUL within [start, start+bytes). */
function utf16z(buf: Buffer, start: number, bytes: number): string {
  const end = Math.min(buf.length, start + bytes);
  let stop = start;
  while (stop + 1 < end && (buf[stop] !== 0 || buf[stop + 1] !== 0)) stop += 2;
  return buf.toString('utf16le', start, stop);
}

function u32(buf: Buffer, off: number): number {
  return off + 4 <= buf.length ? buf.readUInt32LE(off) : 0;
}

function filetimeAt(buf: Buffer, off: number): string | null {
  return off + 8 <= buf.length ? filetimeToIso(buf.readBigUInt64LE(off)) : null;
}

/** The NUL-separated UTF-16 names of the filename-strings section. */
function readFilenames(buf: Buffer, warnings: string[]): string[] {
  const start = u32(buf, INFO.FILENAMES_OFFSET);
  const size = u32(buf, INFO.FILENAMES_SIZE);
  const names: string[] = [];
  if (start === 0 || size === 0) return names;
  const end = Math.min(buf.length, start + size);
  if (start >= buf.length || start + size > buf.length) warnings.push(`filename strings (${size} bytes at ${start}) extend past the data (${buf.length} bytes)`);
  let from = start;
  for (let p = start; p + 1 < end; p += 2) {
    if (buf[p] !== 0 || buf[p + 1] !== 0) continue;
    if (names.length >= LIMITS.maxPrefetchFilenames) {
      warnings.push(`more than ${LIMITS.maxPrefetchFilenames} file names: the rest left out`);
      return names;
    }
    names.push(buf.toString('utf16le', from, p));
    from = p + 2;
  }
  if (from + 1 < end) names.push(buf.toString('utf16le', from, end - ((end - from) % 2)));
  return names;
}

function readVolumes(buf: Buffer, entryBytes: number, warnings: string[]): PrefetchVolume[] {
  const block = u32(buf, INFO.VOLUMES_OFFSET);
  let count = u32(buf, INFO.VOLUMES_COUNT);
  const blockSize = u32(buf, INFO.VOLUMES_SIZE);
  const volumes: PrefetchVolume[] = [];
  if (count > LIMITS.maxPrefetchVolumes) {
    warnings.push(`${count} volumes declared: only ${LIMITS.maxPrefetchVolumes} read`);
    count = LIMITS.maxPrefetchVolumes;
  }
  const blockEnd = Math.min(buf.length, block + blockSize);
  let directoriesLeft = LIMITS.maxPrefetchDirectories;
  for (let i = 0; i < count; i++) {
    const at = block + i * entryBytes;
    if (at + entryBytes > buf.length) {
      warnings.push(`volume ${i + 1} of ${count} lies past the data`);
      break;
    }
    const pathOff = block + buf.readUInt32LE(at + VOLUME.DEVICE_PATH_OFFSET);
    const pathChars = buf.readUInt32LE(at + VOLUME.DEVICE_PATH_CHARS);
    const name = utf16z(buf, pathOff, Math.min(pathChars * 2, LIMITS.maxNameBytes));
    const serial = buf.readUInt32LE(at + VOLUME.SERIAL).toString(16).toUpperCase().padStart(8, '0');
    const directories: string[] = [];
    let p = block + buf.readUInt32LE(at + VOLUME.DIRECTORIES_OFFSET);
    const dirCount = buf.readUInt32LE(at + VOLUME.DIRECTORIES_COUNT);
    for (let d = 0; d < dirCount; d++) {
      if (directoriesLeft-- <= 0) {
        warnings.push(`more than ${LIMITS.maxPrefetchDirectories} directory strings: the rest left out`);
        break;
      }
      if (p + 2 > blockEnd) {
        warnings.push(`volume ${i + 1}: directory string ${d + 1} of ${dirCount} lies past the volumes block`);
        break;
      }
      const chars = buf.readUInt16LE(p);
      directories.push(utf16z(buf, p + 2, Math.min(chars * 2, blockEnd - p - 2)));
      p += 2 + (chars + 1) * 2;
    }
    volumes.push({ name, serial, created: filetimeAt(buf, at + VOLUME.CREATION_TIME), directories });
  }
  return volumes;
}

/** Parses a Prefetch file; null when it is not one (no SCCA signature after decompression, unknown version). */
export function parsePrefetch(src: ByteSource): PrefetchParse | null {
  const warnings: string[] = [];
  const scca = sccaBytes(src, warnings);
  if (!scca) return null;
  const { buf, compression } = scca;
  if (buf.length < HEADER.LENGTH || buf.readUInt32LE(HEADER.SIGNATURE) !== SCCA_SIGNATURE) {
    if (compression === null) return null;
    warnings.push('decompressed data is not a Prefetch (SCCA) file');
  }
  const version = u32(buf, HEADER.VERSION);
  const layout = VERSION_LAYOUTS[version];
  if (!layout) {
    if (compression === null) return null;
    warnings.push(`unknown Prefetch format version ${version}`);
  }
  const record: PrefetchRecord = {
    type: 'prefetch',
    version,
    compression,
    executableName: utf16z(buf, HEADER.EXECUTABLE, HEADER.EXECUTABLE_BYTES),
    hash: u32(buf, HEADER.HASH).toString(16).toUpperCase().padStart(8, '0'),
    size: u32(buf, HEADER.FILE_SIZE),
    runCount: 0,
    lastRun: null,
    previousRuns: [],
    volumes: [],
    filesLoaded: [],
  };
  if (!layout) return { record, warnings, corrupted: true };
  const runCountAt = version >= 30 && u32(buf, INFO.METRICS_OFFSET) === SHORT_INFO_METRICS_OFFSET ? SHORT_INFO_RUN_COUNT : layout.runCount;
  record.runCount = u32(buf, runCountAt);
  const times: string[] = [];
  for (let i = 0; i < layout.lastRunCount; i++) {
    const t = filetimeAt(buf, layout.lastRunTimes + i * 8);
    if (t) times.push(t);
  }
  record.lastRun = times[0] ?? null;
  record.previousRuns = times.slice(1);
  record.filesLoaded = readFilenames(buf, warnings);
  record.volumes = readVolumes(buf, layout.volumeEntry, warnings);
  if (record.size !== buf.length && compression === null && record.size > buf.length) warnings.push(`header declares ${record.size} bytes, file has ${buf.length}`);
  return { record, warnings, corrupted: warnings.length > 0 || scca.truncated };
}
