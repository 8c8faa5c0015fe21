/**
 * The 7z header grammar (StreamsInfo, Folder, FilesInfo), parsed from a bounded buffer.
 * Structure follows 7-Zip's DOC/7zFormat.txt and CPP/7zip/Archive/7z/7zIn.cpp.
 */
import { LIMITS } from '../../util/limits.js';
import { filetimeToIso } from '../../util/filetime.js';
import { ID } from './layout.js';
import { HeaderError, HeaderReader } from './reader.js';

/** Coders per folder and streams per coder: 7-Zip itself allows 64 and 64. */
const MAX_CODERS = 64;
const MAX_CODER_STREAMS = 64;
/** Archive-property records skipped before giving up (they are never used by 7-Zip). */
const MAX_ARCHIVE_PROPERTIES = 64;
/** File-property records per FilesInfo (a header has at most ~15 kinds; leaves room for kDummy). */
const MAX_FILE_PROPERTIES = 256;

export interface Coder {
  id: string;
  numInStreams: number;
  numOutStreams: number;
  props: Buffer;
}

export interface Folder {
  coders: Coder[];
  bindPairs: { inIndex: number; outIndex: number }[];
  packedStreams: number[];
  /** One unpack size per coder out stream. */
  unpackSizes: number[];
  unpackCrc: number | null;
}

export interface StreamsInfo {
  packPos: number;
  packSizes: number[];
  folders: Folder[];
  /** Sub-streams (files) per folder and their sizes. */
  numUnpackStreams: number[];
  subStreamSizes: number[];
  /** Each sub-stream's CRC-32 (the folder's for a folder of one), null where the header gives none. */
  subStreamCrcs: Array<number | null>;
}

export interface FileInfo {
  name: string;
  hasStream: boolean;
  isDirectory: boolean;
  isAnti: boolean;
  modified: string | null;
  attributes: number | null;
}

export interface Header {
  mainStreams: StreamsInfo | null;
  files: FileInfo[];
  /** NumFiles as declared (may exceed files.length when the listing hit the limit). */
  declaredFiles: number;
}

function emptyStreams(): StreamsInfo {
  return { packPos: 0, packSizes: [], folders: [], numUnpackStreams: [], subStreamSizes: [], subStreamCrcs: [] };
}

/** The folder's final output: the out stream no bind pair consumes. */
export function folderUnpackSize(f: Folder): number {
  for (let i = 0; i < f.unpackSizes.length; i++) {
    if (!f.bindPairs.some((bp) => bp.outIndex === i)) return f.unpackSizes[i]!;
  }
  return f.unpackSizes[0] ?? 0;
}

function readDigests(r: HeaderReader, n: number): (number | null)[] {
  const defined = r.definedVector(n);
  return defined.map((d) => (d ? r.uint32() : null));
}

function readPackInfo(r: HeaderReader, s: StreamsInfo): void {
  s.packPos = r.number();
  const n = r.count('pack stream', LIMITS.maxArchiveEntries, 0);
  for (;;) {
    const id = r.byte();
    if (id === ID.end) break;
    if (id === ID.size) {
      if (n > r.remaining) throw new HeaderError(`pack stream count ${n} exceeds the header size`);
      for (let i = 0; i < n; i++) s.packSizes.push(r.number());
    } else if (id === ID.crc) readDigests(r, n);
    else r.bytes(r.size('pack info property'));
  }
  if (s.packSizes.length !== n) s.packSizes = new Array<number>(n).fill(0);
}

function readCoder(r: HeaderReader): Coder {
  const flags = r.byte();
  if (flags & 0x80) throw new HeaderError('alternative coder methods are not supported');
  const id = r.bytes(flags & 0x0f).toString('hex');
  let numInStreams = 1;
  let numOutStreams = 1;
  if (flags & 0x10) {
    numInStreams = r.count('coder in stream', MAX_CODER_STREAMS, 0);
    numOutStreams = r.count('coder out stream', MAX_CODER_STREAMS, 0);
  }
  const props = flags & 0x20 ? r.bytes(r.size('coder properties')) : Buffer.alloc(0);
  return { id, numInStreams, numOutStreams, props };
}

function readFolder(r: HeaderReader): Folder {
  const numCoders = r.count('coder', MAX_CODERS);
  if (numCoders === 0) throw new HeaderError('folder without coders');
  const coders: Coder[] = [];
  for (let i = 0; i < numCoders; i++) coders.push(readCoder(r));
  const totalOut = coders.reduce((a, c) => a + c.numOutStreams, 0);
  const totalIn = coders.reduce((a, c) => a + c.numInStreams, 0);
  const bindPairs: Folder['bindPairs'] = [];
  for (let i = 0; i < totalOut - 1; i++) bindPairs.push({ inIndex: r.number(), outIndex: r.number() });
  const numPacked = totalIn - bindPairs.length;
  if (numPacked < 1) throw new HeaderError('folder without packed streams');
  const packedStreams: number[] = [];
  if (numPacked === 1) {
    for (let i = 0; i < totalIn; i++) if (!bindPairs.some((bp) => bp.inIndex === i)) packedStreams.push(i);
  } else for (let i = 0; i < numPacked; i++) packedStreams.push(r.number());
  return { coders, bindPairs, packedStreams, unpackSizes: [], unpackCrc: null };
}

function readUnpackInfo(r: HeaderReader, s: StreamsInfo): void {
  r.expect(ID.folder, 'unpack info');
  const n = r.count('folder', LIMITS.maxArchiveEntries);
  if (r.byte() !== 0) throw new HeaderError('external folder data is not supported');
  for (let i = 0; i < n; i++) s.folders.push(readFolder(r));
  r.expect(ID.codersUnpackSize, 'unpack info');
  for (const f of s.folders) {
    const outs = f.coders.reduce((a, c) => a + c.numOutStreams, 0);
    for (let i = 0; i < outs; i++) f.unpackSizes.push(r.number());
  }
  for (;;) {
    const id = r.byte();
    if (id === ID.end) return;
    if (id === ID.crc) readDigests(r, n).forEach((crc, i) => (s.folders[i]!.unpackCrc = crc));
    else r.bytes(r.size('unpack info property'));
  }
}

function readSubStreamsInfo(r: HeaderReader, s: StreamsInfo): void {
  s.numUnpackStreams = s.folders.map(() => 1);
  let id = r.byte();
  if (id === ID.numUnpackStream) {
    s.numUnpackStreams = s.folders.map(() => r.count('sub-stream', LIMITS.maxArchiveEntries, 0));
    id = r.byte();
  }
  const total = s.numUnpackStreams.reduce((a, b) => a + b, 0);
  if (total > LIMITS.maxArchiveEntries) throw new HeaderError(`sub-stream total ${total} exceeds the limit`);
  if (total > r.maxItems) throw new HeaderError(`sub-stream total ${total} exceeds the ${r.maxItems} its on-disk header bytes can describe`);
  const hasSizes = id === ID.size;
  s.folders.forEach((f, i) => {
    const k = s.numUnpackStreams[i]!;
    if (k === 0) return;
    let sum = 0;
    for (let j = 0; j < k - 1 && hasSizes; j++) {
      const size = r.number();
      s.subStreamSizes.push(size);
      sum += size;
    }
    s.subStreamSizes.push(Math.max(0, folderUnpackSize(f) - sum));
  });
  if (hasSizes) id = r.byte();
  // Digests cover only the streams whose CRC the folder does not already give.
  const unknownCrcs = s.folders.reduce((a, f, i) => {
    const k = s.numUnpackStreams[i]!;
    return a + (k === 1 && f.unpackCrc !== null ? 0 : k);
  }, 0);
  let digests: Array<number | null> = [];
  while (id !== ID.end) {
    if (id === ID.crc) digests = readDigests(r, unknownCrcs);
    else r.bytes(r.size('sub-streams property'));
    id = r.byte();
  }
  let next = 0;
  s.folders.forEach((f, i) => {
    const k = s.numUnpackStreams[i]!;
    if (k === 1 && f.unpackCrc !== null) s.subStreamCrcs.push(f.unpackCrc);
    else for (let j = 0; j < k; j++) s.subStreamCrcs.push(digests[next++] ?? null);
  });
}

export function readStreamsInfo(r: HeaderReader): StreamsInfo {
  const s = emptyStreams();
  let sawSubStreams = false;
  for (;;) {
    const id = r.byte();
    if (id === ID.end) break;
    if (id === ID.packInfo) readPackInfo(r, s);
    else if (id === ID.unpackInfo) readUnpackInfo(r, s);
    else if (id === ID.subStreamsInfo) {
      readSubStreamsInfo(r, s);
      sawSubStreams = true;
    } else throw new HeaderError(`unexpected property 0x${id.toString(16)} in streams info`);
  }
  if (!sawSubStreams) {
    s.numUnpackStreams = s.folders.map(() => 1);
    s.subStreamSizes = s.folders.map(folderUnpackSize);
    s.subStreamCrcs = s.folders.map((f) => f.unpackCrc);
  }
  return s;
}

/** UTF-16LE NUL-terminated names packed in one property. */
function readNames(data: Buffer, n: number): string[] {
  const names: string[] = [];
  let start = 0;
  for (let i = 0; i + 1 < data.length && names.length < n; i += 2) {
    if (data[i] === 0 && data[i + 1] === 0) {
      const raw = data.subarray(start, Math.min(i, start + LIMITS.maxNameBytes));
      names.push(raw.toString('utf16le'));
      start = i + 2;
    }
  }
  return names;
}

function readTimes(r: HeaderReader, n: number): (string | null)[] {
  const defined = r.definedVector(n);
  if (r.byte() !== 0) throw new HeaderError('external time data is not supported');
  return defined.map((d) => (d ? filetimeToIso(r.bytes(8).readBigUInt64LE(0)) : null));
}

function readAttributes(r: HeaderReader, n: number): (number | null)[] {
  const defined = r.definedVector(n);
  if (r.byte() !== 0) throw new HeaderError('external attribute data is not supported');
  return defined.map((d) => (d ? r.uint32() : null));
}

interface FileProps {
  emptyStream: boolean[];
  emptyFile: boolean[];
  anti: boolean[];
  names: string[];
  mtimes: (string | null)[];
  attributes: (number | null)[];
}

function readFileProperty(id: number, data: HeaderReader, n: number, p: FileProps): void {
  const numEmpty = () => p.emptyStream.filter(Boolean).length;
  switch (id) {
    case ID.emptyStream:
      p.emptyStream = data.bitVector(n);
      break;
    case ID.emptyFile:
      p.emptyFile = data.bitVector(numEmpty());
      break;
    case ID.anti:
      p.anti = data.bitVector(numEmpty());
      break;
    case ID.name:
      if (data.byte() !== 0) throw new HeaderError('external name data is not supported');
      p.names = readNames(data.bytes(data.remaining), n);
      break;
    case ID.mtime:
      p.mtimes = readTimes(data, n);
      break;
    case ID.winAttributes:
      p.attributes = readAttributes(data, n);
      break;
    default:
      break; // ctime, atime, startPos, dummy, comment: not needed for the listing
  }
}

/**
 * FilesInfo: NumFiles, then size-prefixed property records. Each record is parsed inside its
 * own slice, so a bad record cannot move the cursor past its declared size.
 */
function readFilesInfo(r: HeaderReader, warnings: string[]): { files: FileInfo[]; declared: number } {
  const declared = r.number();
  // Every real file costs the header at least a bit of a property vector and usually a name, so a
  // count beyond twice the remaining header bytes is a lie that would only amplify a tiny file.
  // Room is not enough when the header was packed: LZMA turns a few bytes into megabytes of
  // zero padding, so the on-disk bytes bound the count too (r.maxItems, entriesDescribedBy).
  const plausible = Math.max(0, r.remaining * 2);
  const n = Math.min(declared, LIMITS.maxArchiveEntries, plausible, r.maxItems);
  if (declared > n) {
    const why = n === plausible ? ' (more than the header has room for)' : n === r.maxItems ? ' (more than its on-disk header bytes describe)' : '';
    warnings.push(`7z declares ${declared} files; listing the first ${n}${why}`);
  }
  const p: FileProps = { emptyStream: [], emptyFile: [], anti: [], names: [], mtimes: [], attributes: [] };
  for (let k = 0; k < MAX_FILE_PROPERTIES; k++) {
    const id = r.byte();
    if (id === ID.end) break;
    const data = new HeaderReader(r.bytes(r.size('file property')));
    try {
      readFileProperty(id, data, n, p);
    } catch (e) {
      if (!(e instanceof HeaderError)) throw e;
      warnings.push(`7z file property 0x${id.toString(16)}: ${e.message}`);
    }
  }
  if (p.names.length < n) warnings.push(`7z header names ${p.names.length} of ${n} files`);
  const files: FileInfo[] = [];
  let emptyIndex = 0;
  for (let i = 0; i < n; i++) {
    const empty = p.emptyStream[i] === true;
    const emptyFile = empty ? p.emptyFile[emptyIndex] === true : false;
    const anti = empty ? p.anti[emptyIndex] === true : false;
    if (empty) emptyIndex++;
    files.push({
      name: p.names[i] ?? '',
      hasStream: !empty,
      isDirectory: empty && !emptyFile,
      isAnti: anti,
      modified: p.mtimes[i] ?? null,
      attributes: p.attributes[i] ?? null,
    });
  }
  return { files, declared };
}

/** Parses a plain header (the byte after kHeader). Partial results are kept in `out` on error. */
export function readHeader(r: HeaderReader, out: Header, warnings: string[]): void {
  let id = r.byte();
  if (id === ID.archiveProperties) {
    for (let k = 0; k < MAX_ARCHIVE_PROPERTIES; k++) {
      if (r.byte() === 0) break;
      r.bytes(r.size('archive property'));
    }
    id = r.byte();
  }
  if (id === ID.additionalStreamsInfo) {
    readStreamsInfo(r);
    id = r.byte();
  }
  if (id === ID.mainStreamsInfo) {
    out.mainStreams = readStreamsInfo(r);
    id = r.byte();
  }
  if (id === ID.filesInfo) {
    const { files, declared } = readFilesInfo(r, warnings);
    out.files = files;
    out.declaredFiles = declared;
    id = r.byte();
  }
  if (id !== ID.end) throw new HeaderError(`unexpected property 0x${id.toString(16)} at the end of the header`);
}
