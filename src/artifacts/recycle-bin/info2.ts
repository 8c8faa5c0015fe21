/**
 * INFO2 index of the Windows 95..XP/2003 Recycle Bin (RECYCLER/<SID>/INFO2, RECYCLED/INFO2).
 * 280-byte records carry only an ANSI path (Win95/98/ME: decoded with a code page option);
 * 800-byte records add the Unicode path.
 */
import type { ByteSource } from '../../util/byte-source.js';
import type { ArtifactRecord, DirEntryInfo } from '../types.js';
import { filetimeToIso } from '../../util/filetime.js';
import { LIMITS } from '../../util/limits.js';
import { INFO2_HEADER, INFO2_RECORD } from './layout.js';
import { codepageLabel, decodeAnsi, decodeUtf16Path } from './text.js';
import { dataFileStatus, windowsExtension } from './common.js';

export interface Info2Parse {
  version: number;
  recordSize: number;
  records: ArtifactRecord[];
  warnings: string[];
  corrupted: boolean;
  /** Non-empty records read (kept or only counted). */
  total: number;
}

const KNOWN_VERSIONS = new Set([0, 2, 4, 5]);
const UNC_DRIVE = 26;

export interface Info2Options {
  codepage?: string;
  siblings?: readonly DirEntryInfo[];
}

/** Returns null when the header is not an INFO2 header. */
export function parseInfo2(src: ByteSource, options: Info2Options = {}): Info2Parse | null {
  const header = src.read(0, INFO2_HEADER.LENGTH);
  if (header.length < INFO2_HEADER.LENGTH) return null;
  const version = header.readUInt32LE(INFO2_HEADER.VERSION);
  const recordSize = header.readUInt32LE(INFO2_HEADER.RECORD_SIZE);
  const sizeOk = recordSize === INFO2_RECORD.ANSI_RECORD_SIZE || recordSize === INFO2_RECORD.UNICODE_RECORD_SIZE;
  if (!sizeOk) return null;
  const warnings: string[] = [];
  if (!KNOWN_VERSIONS.has(version)) warnings.push(`unknown INFO2 version ${version}; read with record size ${recordSize}`);
  const cp = codepageLabel(options.codepage);
  if (!cp.known) warnings.push(`unknown code page '${options.codepage}', ANSI paths decoded as windows-1252`);

  const body = src.size - INFO2_HEADER.LENGTH;
  let slots = Math.floor(body / recordSize);
  let corrupted = false;
  const tail = body % recordSize;
  if (tail !== 0) {
    warnings.push(`last record truncated (${tail} of ${recordSize} bytes), discarded`);
    corrupted = true;
  }
  if (slots > LIMITS.maxInfo2Records) {
    warnings.push(`${slots} record slots exceed the limit of ${LIMITS.maxInfo2Records}; the rest is not read`);
    corrupted = true;
    slots = LIMITS.maxInfo2Records;
  }
  // Streamed in chunks of whole records; only LIMITS.maxInfo2RecordsKept records are kept and
  // per-record warnings are capped, so memory does not grow with the file (a million records
  // used to become a million objects and warnings).
  const records: ArtifactRecord[] = [];
  const recordWarnings = new BoundedWarnings(warnings);
  const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / recordSize));
  let empty = 0;
  let notKept = 0;
  for (let first = 0; first < slots; first += perChunk) {
    const n = Math.min(perChunk, slots - first);
    const chunk = src.read(INFO2_HEADER.LENGTH + first * recordSize, n * recordSize);
    const whole = Math.floor(chunk.length / recordSize);
    if (isAllZero(chunk)) {
      empty += whole; // one native comparison for a whole hole of a sparse file
      if (whole < n) break;
      continue;
    }
    for (let i = 0; i < whole; i++) {
      const raw = chunk.subarray(i * recordSize, (i + 1) * recordSize);
      // An all-zero slot is slack (a sparse or padded file), not a deleted item.
      if (isAllZero(raw)) empty++;
      else if (records.length < LIMITS.maxInfo2RecordsKept) records.push(readRecord(raw, recordSize, cp.label, options.siblings, recordWarnings));
      else notKept++;
    }
    if (whole < n) break;
  }
  recordWarnings.finish();
  if (empty > 0) warnings.push(`${empty} empty (all-zero) record slot(s) skipped`);
  if (notKept > 0) {
    warnings.push(`${records.length + notKept} records; the first ${LIMITS.maxInfo2RecordsKept} kept, ${notKept} counted only`);
    corrupted = true;
  }
  return { version, recordSize, records, warnings, corrupted, total: records.length + notKept };
}

/** Bytes read per positioned read (whole records). */
const CHUNK_BYTES = 1024 * 1024;
/** Per-record warnings kept before the rest are only counted. */
const MAX_RECORD_WARNINGS = 100;

/** Warnings about single records, capped: a hostile file can make one per record. */
class BoundedWarnings {
  private count = 0;
  constructor(private readonly out: string[]) {}
  push(message: string): void {
    if (++this.count <= MAX_RECORD_WARNINGS) this.out.push(message);
  }
  finish(): void {
    if (this.count > MAX_RECORD_WARNINGS) this.out.push(`${this.count - MAX_RECORD_WARNINGS} more record warning(s) counted only`);
  }
}

const ZEROS = Buffer.alloc(CHUNK_BYTES);

/** Native comparison (b.length <= CHUNK_BYTES): a sparse file is mostly zeros, a byte loop would dominate. */
function isAllZero(b: Buffer): boolean {
  return b.equals(ZEROS.subarray(0, b.length));
}

function driveLetter(drive: number): string | null {
  if (drive < 26) return String.fromCharCode(0x41 + drive);
  return drive === UNC_DRIVE ? '\\' : null;
}

function readRecord(
  raw: Buffer,
  recordSize: number,
  label: string,
  siblings: readonly DirEntryInfo[] | undefined,
  warnings: { push(message: string): void },
): ArtifactRecord {
  const ansiBytes = raw.subarray(INFO2_RECORD.ANSI_PATH, INFO2_RECORD.ANSI_PATH + INFO2_RECORD.ANSI_PATH_BYTES);
  const index = raw.readUInt32LE(INFO2_RECORD.INDEX);
  const drive = raw.readUInt32LE(INFO2_RECORD.DRIVE);
  const ticks = raw.readBigUInt64LE(INFO2_RECORD.DELETED_AT);
  const letter = driveLetter(drive);
  if (letter === null) warnings.push(`record ${index}: invalid drive number ${drive}`);
  // Windows blanks the first ANSI byte (the drive letter) once the item is restored or purged.
  const gone = ansiBytes[0] === 0;
  const ansiPath = gone ? `${letter ?? '?'}${decodeAnsi(ansiBytes.subarray(1), label)}` : decodeAnsi(ansiBytes, label);
  let unicodePath: string | null = null;
  let invalidUnicode = false;
  if (recordSize === INFO2_RECORD.UNICODE_RECORD_SIZE) {
    const u = decodeUtf16Path(raw.subarray(INFO2_RECORD.UNICODE_PATH, INFO2_RECORD.UNICODE_PATH + INFO2_RECORD.UNICODE_PATH_BYTES));
    unicodePath = u.text;
    invalidUnicode = u.invalid;
    if (u.invalid) warnings.push(`record ${index}: Unicode path holds lone surrogates, shown as <\\uXXXX> escapes`);
  }
  const originalPath = unicodePath || ansiPath;
  const deletedAt = filetimeToIso(ticks);
  if (deletedAt === null) warnings.push(`record ${index}: deletion time 0x${ticks.toString(16)} is not a valid FILETIME`);
  const dataFile = letter !== null && letter !== '\\' ? `D${letter.toLowerCase()}${index}${windowsExtension(originalPath)}` : null;
  return {
    type: 'recycle-bin-entry',
    format: 'INFO2',
    originalPath,
    ansiPath,
    size: raw.readUInt32LE(INFO2_RECORD.SIZE),
    deletedAt,
    deletedAtFiletime: ticks.toString(),
    index,
    drive,
    gone,
    dataFile,
    dataFileStatus: dataFileStatus(siblings, dataFile),
    pathInvalidUnicode: invalidUnicode,
  };
}
