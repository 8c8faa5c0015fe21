/**
 * `$I` index files of the Vista+ Recycle Bin ($Recycle.Bin/<SID>/$Ixxxxxx[.ext]).
 * Pure: bytes in, one record + warnings out.
 */
import type { ByteSource } from '../../util/byte-source.js';
import type { ArtifactRecord, DirEntryInfo } from '../types.js';
import { filetimeToIso } from '../../util/filetime.js';
import { DOLLAR_I, MAX_V2_PATH_CHARS } from './layout.js';
import { decodeUtf16Path } from './text.js';
import { dataFileStatus, safeNumber } from './common.js';

export interface DollarIParse {
  record: ArtifactRecord;
  warnings: string[];
  corrupted: boolean;
}

/** The `$R` name paired with a `$I` name: same suffix, second character R. */
/** '$IABC.rar' -> '$RABC.rar' (case kept); null for a renamed copy whose name is not '$I...'. */
export function pairedDataName(indexName: string): string | null {
  if (!/^\$i/i.test(indexName)) return null;
  return `${indexName.slice(0, 1)}${indexName[1] === 'i' ? 'r' : 'R'}${indexName.slice(2)}`;
}

/** Reads the version field; null when the bytes are not a $I file. */
function readVersion(head: Buffer): 1 | 2 | null {
  if (head.length < DOLLAR_I.V1_PATH) return null;
  const version = head.readBigUInt64LE(DOLLAR_I.VERSION);
  return version === 1n ? 1 : version === 2n ? 2 : null;
}

export function parseDollarI(src: ByteSource, name: string, siblings?: readonly DirEntryInfo[]): DollarIParse | null {
  const maxBytes = DOLLAR_I.V2_PATH + MAX_V2_PATH_CHARS * 2;
  const buf = src.read(0, Math.min(src.size, maxBytes + 2));
  const version = readVersion(buf);
  if (version === null) return null;
  const warnings: string[] = [];
  const decoded = version === 1 ? readV1(buf, warnings) : readV2(buf, warnings);
  if (src.size > maxBytes + 2) warnings.push(`file is ${src.size} bytes, far beyond any $I layout; read the first ${buf.length}`);
  const path = decodeUtf16Path(decoded.pathBytes);
  if (path.invalid) warnings.push('original path holds invalid UTF-16 (lone surrogates), shown as <\\uXXXX> escapes');
  const deletedAt = decoded.ticks === null ? null : filetimeToIso(decoded.ticks);
  if (decoded.ticks !== null && deletedAt === null) warnings.push(`deletion time 0x${decoded.ticks.toString(16)} is not a valid FILETIME`);
  const dataFile = pairedDataName(name);
  const record: ArtifactRecord = {
    type: 'recycle-bin-entry',
    format: version === 1 ? '$I v1' : '$I v2',
    originalPath: path.text,
    size: decoded.size,
    deletedAt,
    deletedAtFiletime: decoded.ticks === null ? null : decoded.ticks.toString(),
    index: null,
    indexFile: name,
    dataFile,
    dataFileStatus: dataFileStatus(siblings, dataFile),
    pathInvalidUnicode: path.invalid,
  };
  return { record, warnings, corrupted: decoded.corrupted || path.invalid };
}

interface RawFields {
  size: number | null;
  ticks: bigint | null;
  pathBytes: Buffer;
  corrupted: boolean;
}

function readV1(buf: Buffer, warnings: string[]): RawFields {
  if (buf.length === DOLLAR_I.V1_SHORT_FILE_SIZE) {
    // Known Vista quirk: the size field is 7 bytes wide and meaningless; later fields sit one byte earlier.
    warnings.push('543-byte $I v1 (Vista short-size-field quirk): size unknown, later fields read one byte earlier');
    return {
      size: null,
      ticks: buf.readBigUInt64LE(DOLLAR_I.DELETED_AT - 1),
      pathBytes: buf.subarray(DOLLAR_I.V1_PATH - 1, DOLLAR_I.V1_PATH - 1 + DOLLAR_I.V1_PATH_BYTES),
      corrupted: false,
    };
  }
  let corrupted = false;
  if (buf.length !== DOLLAR_I.V1_FILE_SIZE) {
    warnings.push(`$I v1 should be ${DOLLAR_I.V1_FILE_SIZE} bytes, is ${buf.length}`);
    corrupted = buf.length < DOLLAR_I.V1_FILE_SIZE;
  }
  return {
    size: readSize(buf, warnings),
    ticks: buf.readBigUInt64LE(DOLLAR_I.DELETED_AT),
    pathBytes: buf.subarray(DOLLAR_I.V1_PATH, DOLLAR_I.V1_PATH + DOLLAR_I.V1_PATH_BYTES),
    corrupted,
  };
}

function readV2(buf: Buffer, warnings: string[]): RawFields {
  const fields: RawFields = {
    size: readSize(buf, warnings),
    ticks: buf.readBigUInt64LE(DOLLAR_I.DELETED_AT),
    pathBytes: Buffer.alloc(0),
    corrupted: false,
  };
  if (buf.length < DOLLAR_I.V2_PATH) {
    warnings.push(`$I v2 truncated at ${buf.length} bytes: no path length field`);
    return { ...fields, corrupted: true };
  }
  const declared = buf.readUInt32LE(DOLLAR_I.V2_PATH_CHARS);
  const chars = Math.min(declared, MAX_V2_PATH_CHARS);
  if (declared > MAX_V2_PATH_CHARS) warnings.push(`path length ${declared} exceeds ${MAX_V2_PATH_CHARS} characters; capped`);
  const expected = DOLLAR_I.V2_PATH + chars * 2;
  if (buf.length < expected) {
    warnings.push(`$I v2 truncated: path needs ${expected} bytes, file has ${buf.length}; partial path kept`);
    fields.corrupted = true;
  } else if (buf.length > expected) {
    warnings.push(`$I v2 has ${buf.length - expected} bytes after the declared path`);
  }
  fields.corrupted ||= declared > MAX_V2_PATH_CHARS;
  fields.pathBytes = buf.subarray(DOLLAR_I.V2_PATH, Math.min(buf.length, expected));
  return fields;
}

function readSize(buf: Buffer, warnings: string[]): number | null {
  const raw = buf.readBigUInt64LE(DOLLAR_I.SIZE);
  const size = safeNumber(raw);
  if (size === null) warnings.push(`size field 0x${raw.toString(16)} is out of range`);
  return size;
}
