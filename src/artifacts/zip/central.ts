/**
 * Our own end-record search and central-directory walk: the fallback when yauzl refuses a file
 * (strong encryption, multi-disk, bad comment length, lying sizes) and the source of the
 * structural cross-checks yauzl does not make (several end records, SFX offset shift).
 */
import type { ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import { WindowReader } from '../archive/window.js';
import {
  EOCD_SIZE,
  MAX_COMMENT,
  SIG_CENTRAL,
  SIG_ZIP64_LOCATOR,
  ZIP64_EOCD_SIZE,
  ZIP64_LOCATOR_SIZE,
  CENTRAL_FIXED,
  applyZip64End,
  applyZip64Extra,
  parseExtras,
  readCentralFixed,
  readEndRecord,
  safeU64,
  type EndRecord,
  type RawZipEntry,
} from './layout.js';

export interface EndSearch {
  /** The end record a reader would use: the last one whose comment length fits the file end. */
  end: EndRecord | null;
  /** Every end-record signature seen in the tail (more than one hints at a fake record in a comment). */
  candidates: number;
  /** Positions of the other well-formed end records, nearest to the end first. */
  others: EndRecord[];
  fileSize: number;
  /** An earlier end record whose comment runs to the file end and contains `end`: `end` is fake. */
  shadowed: EndRecord | null;
}

const EOCD_SIGNATURE = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

export function findEndRecord(src: ByteSource): EndSearch {
  const tailLen = Math.min(src.size, EOCD_SIZE + MAX_COMMENT + ZIP64_LOCATOR_SIZE);
  const tailStart = src.size - tailLen;
  const tail = src.read(tailStart, tailLen);
  const found: EndRecord[] = [];
  let candidates = 0;
  // Buffer.lastIndexOf (native) rather than a byte loop: every self-extractor probe runs this.
  const lastStart = tail.length - EOCD_SIZE;
  for (let i = lastStart >= 0 ? tail.lastIndexOf(EOCD_SIGNATURE, lastStart) : -1; i >= 0; i = i > 0 ? tail.lastIndexOf(EOCD_SIGNATURE, i - 1) : -1) {
    candidates++;
    const rec = readEndRecord(tail, i, tailStart + i);
    if (!rec) continue;
    found.push(withZip64(src, tail, i, rec));
  }
  // yauzl's rule: the comment must run exactly to the end of the file.
  const exacts = found.filter((r) => r.position + EOCD_SIZE + r.commentLength === src.size);
  const end = exacts[0] ?? found[0] ?? null;
  const shadowed = exacts.length > 1 ? exacts[exacts.length - 1]! : null;
  return { end, candidates, others: found.filter((r) => r !== end), fileSize: src.size, shadowed };
}

function withZip64(src: ByteSource, tail: Buffer, at: number, rec: EndRecord): EndRecord {
  const loc = at - ZIP64_LOCATOR_SIZE;
  if (loc < 0 || tail.readUInt32LE(loc) !== SIG_ZIP64_LOCATOR) return rec;
  // Locator: 0x04 disk of zip64 end, 0x08 offset of zip64 end record, 0x10 total disks
  const z64Offset = safeU64(tail, loc + 0x08);
  return applyZip64End(rec, src.read(z64Offset, ZIP64_EOCD_SIZE)) ?? rec;
}

export interface CentralWalk {
  entries: RawZipEntry[];
  warnings: string[];
  truncated: boolean;
  /** Bytes of prefix (SFX stub) the stored offsets do not account for. */
  shift: number;
}

/**
 * Walk the central directory the end record points to. Stops at the claimed count, at
 * LIMITS.maxArchiveEntries, at the end of the directory or at the first bad signature.
 */
export function walkCentral(src: ByteSource, end: EndRecord): CentralWalk {
  const warnings: string[] = [];
  const reader = new WindowReader(src);
  const shift = locateShift(reader, end);
  if (shift === null) {
    return { entries: [], warnings: [`central directory not found at offset ${end.cdOffset}`], truncated: true, shift: 0 };
  }
  if (shift > 0) warnings.push(`central directory found ${shift} bytes after its recorded offset (prepended data)`);
  const entries: RawZipEntry[] = [];
  let pos = end.cdOffset + shift;
  const limit = Math.min(end.count, LIMITS.maxArchiveEntries);
  let truncated = false;
  while (entries.length < limit) {
    const fixed = readCentralFixed(reader.get(pos, CENTRAL_FIXED));
    if (!fixed) {
      warnings.push(`central directory ends after ${entries.length} of ${end.count} entries claimed by the end record`);
      truncated = true;
      break;
    }
    const varLen = fixed.nameLen + fixed.extraLen + fixed.commentLen;
    const vars = reader.get(pos + CENTRAL_FIXED, varLen);
    if (vars.length < varLen) {
      warnings.push(`central directory entry ${entries.length} runs past the end of the file`);
      truncated = true;
      break;
    }
    const e = fixed.entry;
    e.nameRaw = Buffer.from(vars.subarray(0, fixed.nameLen));
    const extras = parseExtras(vars.subarray(fixed.nameLen, fixed.nameLen + fixed.extraLen));
    if (extras.damaged) warnings.push(`entry ${entries.length}: extra field runs past its declared length`);
    e.extras = extras.fields.map((f) => ({ id: f.id, data: Buffer.from(f.data) }));
    applyZip64Extra(e);
    if (shift > 0) e.localOffset += shift;
    entries.push(e);
    pos += CENTRAL_FIXED + varLen;
  }
  if (end.count > LIMITS.maxArchiveEntries && entries.length === LIMITS.maxArchiveEntries) {
    warnings.push(`listing stopped at ${LIMITS.maxArchiveEntries} of ${end.count} claimed entries`);
    truncated = true;
  }
  return { entries, warnings, truncated, shift };
}

/** 0 when the directory sits at its recorded offset; the prefix length when an SFX stub shifted it; null if absent. */
function locateShift(reader: WindowReader, end: EndRecord): number | null {
  const isCentral = (pos: number) => {
    const b = reader.get(pos, 4);
    return b.length === 4 && b.readUInt32LE(0) === SIG_CENTRAL;
  };
  if (end.count === 0) return 0;
  if (isCentral(end.cdOffset)) return 0;
  const expectedStart = end.position - end.cdSize;
  const shift = expectedStart - end.cdOffset;
  if (shift > 0 && isCentral(expectedStart)) return shift;
  return null;
}
