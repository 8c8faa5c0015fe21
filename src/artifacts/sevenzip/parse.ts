/**
 * 7z: signature header, then the (possibly LZMA-packed or AES-encrypted) header, to a listing
 * and an ArchiveSummary. Reads only the 32-byte signature header, the end header and the
 * packed header stream; never the file data.
 */
import { emptySummary } from '../archive/build.js';
import { crc32 } from 'node:zlib';
import type { ByteSource } from '../../util/byte-source.js';
import type { ArchiveEntry, ArchiveSummary, ArchiveVolume } from '../archive/summary.js';
import { volumeFromName } from '../archive/volume.js';
import { folderUnpackSize, readHeader, readStreamsInfo } from './header.js';
import type { Folder, Header, StreamsInfo } from './header.js';
import { CODER_AES, CODER_LZMA, CODER_LZMA2, CODER_NAMES, ID, SIG, SIGNATURE, SIGNATURE_HEADER_SIZE } from './layout.js';
import { decodeLzma, decodeLzma2 } from './lzma.js';
import { entriesDescribedBy, HeaderError, HeaderReader } from './reader.js';
import { looksLikePe } from '../../util/pe.js';
import { offsetSource, peOverlayOffset } from './sfx.js';

/** Largest (packed or unpacked) header we read or decode; real headers are KiB to a few MiB. */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;
/** kEncodedHeader may wrap another kEncodedHeader; 7-Zip writes one level. */
const MAX_HEADER_NESTING = 4;

export interface SevenZipEntry extends ArchiveEntry {
  type: 'archive-entry';
  /** Index of the folder (solid block) holding the data, or null for empty files and dirs. */
  block: number | null;
  attributes: number | null;
  anti?: true;
  [field: string]: unknown;
}

export interface SevenZipParse {
  entries: SevenZipEntry[];
  summary: ArchiveSummary;
  warnings: string[];
  corrupted: boolean;
  /** Where the data lies: the archive's start in the file (a self-extractor's stub before it) and its streams (archive/members.ts reads members by them). */
  layout?: { start: number; streams: StreamsInfo };
}

interface State {
  src: ByteSource;
  warnings: string[];
  corrupted: boolean;
  truncated: boolean;
  headersEncrypted: boolean;
  fields: Record<string, unknown>;
}

export function isSevenZipSignature(head: Buffer): boolean {
  return head.length >= SIGNATURE.length && head.subarray(0, SIGNATURE.length).equals(SIGNATURE);
}

function sevenZipVolume(name: string): ArchiveVolume | null {
  const v = volumeFromName(name);
  return v && v.format === '7z' ? v.volume : null;
}

export function folderIsEncrypted(f: Folder): boolean {
  return f.coders.some((c) => c.id === CODER_AES);
}

/** Coder names in 7-Zip's display order (last coder first), e.g. "LZMA:16 7zAES" -> ["LZMA", "7zAES"]. */
export function folderMethod(f: Folder): string {
  return [...f.coders]
    .reverse()
    .map((c) => CODER_NAMES[c.id] ?? `0x${c.id}`)
    .join(' ');
}

function baseSummary(volume: ArchiveVolume | null): ArchiveSummary {
  return { ...emptySummary('7z'), volume };
}

/** Locates and reads the next header; null (with a warning) when it cannot be read. */
function readNextHeader(st: State, sig: Buffer, volume: ArchiveVolume | null): Buffer | null {
  const offset = Number(sig.readBigUInt64LE(SIG.nextHeaderOffset));
  const size = Number(sig.readBigUInt64LE(SIG.nextHeaderSize));
  const start = SIGNATURE_HEADER_SIZE + offset;
  st.fields.nextHeaderOffset = offset;
  st.fields.nextHeaderSize = size;
  st.fields.physicalSize = start + size;
  if (size > MAX_HEADER_BYTES) {
    st.warnings.push(`7z header size ${size} exceeds the ${MAX_HEADER_BYTES}-byte limit; not read`);
    st.truncated = true;
    return null;
  }
  if (start + size > st.src.size) {
    st.truncated = true;
    if (volume?.multiVolume) {
      st.warnings.push('7z header lies in a later volume of the set; only the first volume is read');
      st.fields.headerInLaterVolume = true;
    } else {
      st.warnings.push(`7z header at ${start}+${size} lies beyond the end of the file (${st.src.size} bytes): truncated`);
      st.corrupted = true;
    }
    return null;
  }
  const buf = st.src.read(start, size);
  const expected = sig.readUInt32LE(SIG.nextHeaderCrc);
  if (crc32(buf) !== expected) {
    st.warnings.push(`7z header CRC mismatch (stored ${hex(expected)}, computed ${hex(crc32(buf))})`);
    st.corrupted = true;
  }
  return buf;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/**
 * Unpacks an encoded header (kEncodedHeader + StreamsInfo). Returns the inner header bytes, or
 * null when it is encrypted (headersEncrypted set) or cannot be decoded (warning).
 */
function decodeEncodedHeader(st: State, streams: StreamsInfo): { data: Buffer; diskBytes: number } | null {
  const folder = streams.folders[0];
  if (!folder || streams.packSizes.length === 0) {
    st.warnings.push('7z encoded header without a folder or pack stream');
    st.corrupted = true;
    return null;
  }
  st.fields.headerCoders = folderMethod(folder);
  if (folderIsEncrypted(folder)) {
    st.headersEncrypted = true;
    return null;
  }
  const coder = folder.coders[0]!;
  if (folder.coders.length !== 1 || ![CODER_LZMA, CODER_LZMA2, '00'].includes(coder.id)) {
    st.warnings.push(`7z header packed with ${folderMethod(folder)}, which is not decoded here`);
    st.truncated = true;
    return null;
  }
  const packStart = SIGNATURE_HEADER_SIZE + streams.packPos;
  const packSize = streams.packSizes[0]!;
  const unpackSize = folderUnpackSize(folder);
  if (packSize > MAX_HEADER_BYTES || unpackSize > MAX_HEADER_BYTES) {
    st.warnings.push(`7z packed header of ${packSize} -> ${unpackSize} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit`);
    st.truncated = true;
    return null;
  }
  if (packStart + packSize > st.src.size) {
    st.warnings.push(`7z packed header at ${packStart}+${packSize} lies beyond the end of the file`);
    st.corrupted = true;
    st.truncated = true;
    return null;
  }
  const packed = st.src.read(packStart, packSize);
  const result =
    coder.id === CODER_LZMA
      ? decodeLzma(packed, coder.props, unpackSize)
      : coder.id === CODER_LZMA2
        ? decodeLzma2(packed, unpackSize)
        : { data: packed.subarray(0, unpackSize), error: null, consumed: Math.min(packed.length, unpackSize) };
  if (result.error) {
    st.warnings.push(`7z packed header: ${result.error}`);
    st.corrupted = true;
  }
  if (folder.unpackCrc !== null && crc32(result.data) !== folder.unpackCrc) {
    st.warnings.push('7z unpacked header CRC mismatch');
    st.corrupted = true;
  }
  return { data: result.data, diskBytes: result.consumed };
}

/** Walks kEncodedHeader layers down to a plain kHeader; null header when none could be read. */
function readHeaderChain(st: State, first: Buffer): Header | null {
  let buf: Buffer | null = first;
  // Bytes of the file that describe the header: the plain header itself, or the packed bytes the
  // decoder consumed (not the declared pack size, which trailing junk can pad).
  let diskBytes = first.length;
  for (let depth = 0; depth < MAX_HEADER_NESTING && buf; depth++) {
    const r = new HeaderReader(buf, entriesDescribedBy(diskBytes));
    const header: Header = { mainStreams: null, files: [], declaredFiles: 0 };
    try {
      const id = r.byte();
      if (id === ID.header) {
        readHeader(r, header, st.warnings);
        return header;
      }
      if (id !== ID.encodedHeader) throw new HeaderError(`unknown header type 0x${id.toString(16)}`);
      st.fields.headerEncoded = true;
      const decoded = decodeEncodedHeader(st, readStreamsInfo(r));
      buf = decoded?.data ?? null;
      if (decoded) diskBytes = decoded.diskBytes;
    } catch (e) {
      if (!(e instanceof HeaderError)) throw e;
      st.warnings.push(`7z header damaged at byte ${r.pos}: ${e.message}`);
      st.corrupted = true;
      st.truncated = true;
      return header.files.length > 0 || header.mainStreams ? header : null;
    }
  }
  if (buf) {
    st.warnings.push(`7z encoded headers nested deeper than ${MAX_HEADER_NESTING} levels`);
    st.corrupted = true;
  }
  return null;
}

/** Joins files to folders (solid blocks) and sub-stream sizes, as 7-Zip does. */
function buildEntries(st: State, header: Header): SevenZipEntry[] {
  const streams = header.mainStreams ?? { packPos: 0, packSizes: [], folders: [], numUnpackStreams: [], subStreamSizes: [], subStreamCrcs: [] };
  const packStartOfFolder: number[] = [];
  let packIndex = 0;
  for (const f of streams.folders) {
    packStartOfFolder.push(packIndex);
    packIndex += f.packedStreams.length;
  }
  const folderPackSize = (fi: number): number | null => {
    let sum = 0;
    const f = streams.folders[fi]!;
    for (let k = 0; k < f.packedStreams.length; k++) {
      const size = streams.packSizes[packStartOfFolder[fi]! + k];
      if (size === undefined) return null;
      sum += size;
    }
    return sum;
  };
  const entries: SevenZipEntry[] = [];
  let fi = 0;
  let inFolder = 0;
  let streamIndex = 0;
  let overrun = false;
  for (const file of header.files) {
    const entry: SevenZipEntry = {
      type: 'archive-entry',
      name: file.name,
      size: 0,
      compressedSize: 0,
      modified: file.modified,
      encrypted: false,
      isDirectory: file.isDirectory,
      method: null,
      block: null,
      attributes: file.attributes,
    };
    if (file.isAnti) entry.anti = true;
    if (file.hasStream) {
      while (fi < streams.folders.length && streams.numUnpackStreams[fi] === 0) fi++;
      const folder = streams.folders[fi];
      if (!folder) {
        overrun = true;
        entry.size = null;
        entry.compressedSize = null;
      } else {
        entry.size = streams.subStreamSizes[streamIndex] ?? null;
        // Packed size exists per folder only; 7-Zip shows it on the folder's first file.
        entry.compressedSize = inFolder === 0 ? folderPackSize(fi) : null;
        entry.encrypted = folderIsEncrypted(folder);
        entry.method = folderMethod(folder);
        entry.block = fi;
        if (++inFolder >= streams.numUnpackStreams[fi]!) {
          fi++;
          inFolder = 0;
        }
      }
      streamIndex++;
    }
    entries.push(entry);
  }
  if (overrun) {
    st.warnings.push('7z header lists more files with data than it has streams');
    st.corrupted = true;
  }
  st.fields.blocks = streams.folders.length;
  st.fields.solid = streams.numUnpackStreams.some((k) => k > 1);
  st.fields.packedSize = streams.packSizes.reduce((a, b) => a + b, 0);
  return entries;
}

function finishSummary(st: State, summary: ArchiveSummary, entries: SevenZipEntry[] | null, header: Header | null): void {
  summary.headersEncrypted = st.headersEncrypted;
  summary.truncated = st.truncated;
  summary.fields = st.fields;
  if (st.headersEncrypted) summary.encryption = ['7z-aes'];
  if (!entries) return;
  const encrypted = entries.filter((e) => e.encrypted).length;
  summary.entryCount = entries.length;
  summary.encryptedEntryCount = encrypted;
  if (encrypted > 0) summary.encryption = ['7z-aes'];
  summary.totalSize = entries.reduce((a, e) => a + (e.size ?? 0), 0);
  summary.totalCompressedSize = (st.fields.packedSize as number | undefined) ?? null;
  if (header && header.declaredFiles > entries.length) summary.truncated = true;
}

/**
 * Parses a 7z file, volume or self-extracting 7z (PE stub + 7z in the overlay). Null when it is
 * none of these (no signature, no .7z.NNN name, no 7z after a PE image).
 */
export function parseSevenZip(src: ByteSource, name: string): SevenZipParse | null {
  const head = src.read(0, SIGNATURE.length);
  if (isSevenZipSignature(head) || !looksLikePe(head)) return parseAt(src, name);
  const overlay = peOverlayOffset(src);
  if (overlay === null) return null;
  const inner = offsetSource(src, overlay);
  if (!isSevenZipSignature(inner.read(0, SIGNATURE.length))) return null;
  const result = parseAt(inner, name)!;
  result.summary.selfExtracting = true;
  result.summary.fields.sfxOffset = overlay;
  if (result.layout) result.layout.start = overlay;
  return result;
}

function parseAt(src: ByteSource, name: string): SevenZipParse | null {
  const volume = sevenZipVolume(name);
  const sig = src.read(0, SIGNATURE_HEADER_SIZE);
  const summary = baseSummary(volume);
  const st: State = { src, warnings: [], corrupted: false, truncated: false, headersEncrypted: false, fields: {} };
  if (!isSevenZipSignature(sig)) {
    if (!volume || volume.index === 0) return null;
    // Later volumes are raw continuation bytes: only the name says what they are.
    st.fields.continuationVolume = true;
    finishSummary(st, summary, null, null);
    return { entries: [], summary, warnings: st.warnings, corrupted: false };
  }
  if (sig.length < SIGNATURE_HEADER_SIZE) {
    st.warnings.push(`7z signature header truncated (${sig.length} of 32 bytes)`);
    summary.truncated = true;
    return { entries: [], summary, warnings: st.warnings, corrupted: true };
  }
  st.fields.version = `${sig[SIG.versionMajor]}.${sig[SIG.versionMinor]}`;
  const startFields = sig.subarray(SIG.nextHeaderOffset, SIGNATURE_HEADER_SIZE);
  const storedCrc = sig.readUInt32LE(SIG.startHeaderCrc);
  // 7-Zip writes an all-zero start header for an empty archive (or one still being written).
  if (storedCrc === 0 && startFields.every((b) => b === 0)) {
    st.fields.emptyArchive = true;
    finishSummary(st, summary, [], null);
    return { entries: [], summary, warnings: st.warnings, corrupted: false };
  }
  if (crc32(startFields) !== storedCrc) {
    st.warnings.push(`7z start header CRC mismatch (stored ${hex(storedCrc)}, computed ${hex(crc32(startFields))})`);
    st.corrupted = true;
  }
  const headerBuf = readNextHeader(st, sig, volume);
  const header = headerBuf && headerBuf.length > 0 ? readHeaderChain(st, headerBuf) : null;
  const entries = header ? buildEntries(st, header) : headerBuf && headerBuf.length === 0 ? [] : null;
  finishSummary(st, summary, entries, header);
  return { entries: entries ?? [], summary, warnings: st.warnings, corrupted: st.corrupted, ...(header?.mainStreams ? { layout: { start: 0, streams: header.mainStreams } } : {}) };
}
