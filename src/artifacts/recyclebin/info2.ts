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
  let count = Math.floor(body / recordSize);
  let corrupted = false;
  const tail = body % recordSize;
  if (tail !== 0) {
    warnings.push(`last record truncated (${tail} of ${recordSize} bytes), discarded`);
    corrupted = true;
  }
  if (count > LIMITS.maxInfo2Records) {
    warnings.push(`${count} records exceed the limit of ${LIMITS.maxInfo2Records}; the rest is skipped`);
    count = LIMITS.maxInfo2Records;
  }
  const records: ArtifactRecord[] = [];
  for (let i = 0; i < count; i++) {
    const raw = src.read(INFO2_HEADER.LENGTH + i * recordSize, recordSize);
    if (raw.length < recordSize) break;
    records.push(readRecord(raw, recordSize, cp.label, options.siblings, warnings));
  }
  return { version, recordSize, records, warnings, corrupted };
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
  warnings: string[],
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
