/**
 * The members of an archive as bytes, decompressed in memory (never to disk): a ZIP's members
 * (stored, deflate, Deflate64, bzip2, LZMA, zstd, xz, PPMd), a 7z's (LZMA, LZMA2, PPMd, Deflate, Deflate64, BZip2, zstd, Copy blocks), a RAR's (stored, RAR 2.9's and RAR 5's methods),
 * a cabinet's (stored, MSZIP, LZX), a tar's, a compressed stream's content, or the tar inside it. Read by the YARA rules (rules/yara/yara-worker.ts,
 * docs/yara.md "Archive members", one level: a member that is itself an archive is given as it is)
 * and by the listing of archives inside archives (nested.ts). Pure over a ByteSource: only the bytes
 * a member needs are read (its packed data, a 7z block's packed streams); every count, size and name
 * comes from the evidence, so each is bounded.
 */
import { crc32 } from 'node:zlib';
import { pushAll } from '../../util/arrays.js';
import { bufferSource, type ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import { decompressWhole, inflateWhole, type Decompressed } from '../compressed/whole.js';
import { inflate64 } from '../compressed/inflate64.js';
import { contentName, readGzipHeader, sniffStream, type StreamFormat } from '../compressed/layout.js';
import { decodeLzma } from '../sevenzip/lzma.js';
import { decodeFolder as decodeSevenZipFolder } from '../sevenzip/folder.js';
import { decodePpmd8 } from '../zip/ppmd8.js';
import type { Folder } from '../sevenzip/header.js';
import { SIGNATURE_HEADER_SIZE } from '../sevenzip/layout.js';
import { isSevenZipSignature, parseSevenZip } from '../sevenzip/parse.js';
import { peOverlayOffset } from '../sevenzip/sfx.js';
import { looksLikePe } from '../../util/pe.js';
import { looksLikeTar } from '../tar/layout.js';
import { walkTar } from '../tar/walk.js';
import { findEndRecord, walkCentral } from '../zip/central.js';
import { toEntryView } from '../zip/entry.js';
import { packageTypeOf } from '../zip/package.js';
import { FLAG_DATA_DESCRIPTOR, LOCAL_FIXED, readLocalFixed, SIG_LOCAL, type RawZipEntry } from '../zip/layout.js';
import { scanLocalHeaders } from '../zip/local-scan.js';
import { parseRar, rarVersion } from '../rar/parse.js';
import type { RarEntry } from '../rar/common.js';
import { Rar5Stream } from '../rar/unpack5.js';
import { Rar29Stream } from '../rar/unpack29.js';
import type { LzStream } from '../rar/output.js';
import { CONTINUED, readCabLayout } from '../cab/layout.js';
import { decodeCabFolder, type FolderBytes as CabFolderBytes } from '../cab/folder.js';

export interface MemberBounds {
  /** Members given at most (the rest are counted as `beyond`). */
  maxMembers: number;
  /** A member larger than this is not given (as --yara-max-size for files). */
  maxMemberBytes: number;
  /** Bytes decompressed for one archive in all (the rest of the members are skipped: `budget`). */
  maxTotalBytes: number;
  /** Open ZIP-based packages too (Office, OpenDocument, Java, Android, NuGet...: zip/package.ts); else they are given as files only. */
  packages: boolean;
}

/** Why a member's bytes are not given. */
export type SkipReason = 'encrypted' | 'method' | 'too-large' | 'damaged' | 'budget';

export type MemberBytes = { ok: true; data: Buffer; damaged?: string } | { ok: false; why: SkipReason; detail: string };

export interface ArchiveMember {
  /** Position among the archive's members (directories not counted): a worker resumes from one. */
  index: number;
  /** The member's path in the archive, as the archive names it (bounded). */
  path: string;
  /** Decompresses the member (lazily: a worker resuming skips the ones before without the cost). */
  load(): MemberBytes;
}

export interface MemberListing {
  /** 'zip', 'tar', 'gzip', 'tar.gzip', ... */
  format: string;
  members: ArchiveMember[];
  /** Members past `maxMembers`, not listed. */
  beyond: number;
  /** Damage met while listing, so that some members may be missing (a cut central directory, a stream that did not decode to its end). */
  warnings: string[];
  /** A ZIP-based package's type (zip/package.ts): its members are listed only with `packages`. */
  package?: string;
}

/** ZIP methods this project decompresses. */
const ZIP_METHODS: Readonly<Record<number, 'stored' | 'deflate' | 'deflate64' | 'lzma' | 'ppmd' | StreamFormat>> = { 0: 'stored', 8: 'deflate', 9: 'deflate64', 12: 'bzip2', 14: 'lzma', 93: 'zstd', 95: 'xz', 98: 'ppmd' };

/** The members of `src` (a file named `name`), or null when it is not an archive this opens. */
export function archiveMembers(src: ByteSource, name: string, bounds: MemberBounds): MemberListing | null {
  const head = src.read(0, 512);
  if (head.length >= 4 && head.readUInt32LE(0) === SIG_LOCAL) return zipMembers(src, name, bounds);
  // A self-extractor: the archive after the PE image (7-Zip's and WinRAR's stubs).
  const afterStub = looksLikePe(head.subarray(0, 64)) ? archiveAfterStub(src) : null;
  if (isSevenZipSignature(head.subarray(0, 6)) || (afterStub && isSevenZipSignature(afterStub))) return sevenZipMembers(src, name, bounds);
  const stream = sniffStream(head.subarray(0, 16), name);
  if (stream) return streamMembers(src, name, stream, bounds);
  if (looksLikeTar(head)) return tarMembers(src, 'tar', bounds, false);
  if (rarVersion(head) !== null || (afterStub && rarVersion(afterStub) !== null)) return rarMembers(src, name, bounds);
  if (head.length >= 4 && head.toString('latin1', 0, 4) === 'MSCF') return cabMembers(src, bounds);
  // A ZIP behind a self-extractor's stub or other prepended data: its end record (in the tail) says where.
  if (src.size >= 22 && findEndRecord(src).end) return zipMembers(src, name, bounds);
  return null;
}

/**
 * `length` bytes at `position` (fewer at the end), in reads of at most LIMITS.maxReadBytes: a member
 * may be larger than one read (--yara-max-size goes to 1 GiB); the caller has bounded `length`.
 */
function readSpan(src: ByteSource, position: number, length: number): Buffer {
  if (length <= LIMITS.maxReadBytes) return src.read(position, length);
  const parts: Buffer[] = [];
  for (let at = position, left = length; left > 0; ) {
    const part = src.read(at, Math.min(left, LIMITS.maxReadBytes));
    if (part.length === 0) break;
    parts.push(part);
    at += part.length;
    left -= part.length;
  }
  return Buffer.concat(parts);
}

/**
 * Packed bytes read past what a member (or an archive's members) may decompress to: packing can add
 * a little (stored deflate blocks, headers), never this much.
 */
const PACKED_SLACK = 1024 * 1024;

/**
 * A member's bytes checked against the CRC-32 its header gives: a mismatch gives the bytes all the
 * same (7-Zip and unzip write them; bsdtar writes zeros), said damaged.
 */
function crcChecked(data: Buffer, expected: number): MemberBytes {
  const crc = crc32(data) >>> 0;
  if (crc === expected >>> 0) return { ok: true, data };
  return { ok: true, data, damaged: `CRC-32 ${crc.toString(16).padStart(8, '0')} where the header says ${(expected >>> 0).toString(16).padStart(8, '0')}` };
}

/** Bytes decompressed so far for one archive (shared by its members' loads). */
interface Budget {
  used: number;
}

function skip(why: SkipReason, detail: string): MemberBytes {
  return { ok: false, why, detail };
}

/** The bound for one member's output: its own and what is left of the archive's. */
function room(bounds: MemberBounds, budget: Budget): number {
  return Math.min(bounds.maxMemberBytes, bounds.maxTotalBytes - budget.used);
}

function taken(budget: Budget, out: Decompressed, bounds: MemberBounds, declared: number | null): MemberBytes {
  if (out.cut) {
    const overall = bounds.maxTotalBytes - budget.used < bounds.maxMemberBytes;
    return overall ? skip('budget', `the archive's members decompress to more than ${bounds.maxTotalBytes} bytes`) : skip('too-large', `larger than ${bounds.maxMemberBytes} bytes`);
  }
  budget.used += out.data.length;
  if (out.error) return { ok: true, data: out.data, damaged: out.error };
  if (declared !== null && out.data.length !== declared) return { ok: true, data: out.data, damaged: `${out.data.length} bytes where the header says ${declared}` };
  return { ok: true, data: out.data };
}

function zipMembers(src: ByteSource, name: string, bounds: MemberBounds): MemberListing {
  const warnings: string[] = [];
  const search = findEndRecord(src);
  let entries: RawZipEntry[];
  if (search.end) {
    const walk = walkCentral(src, search.end);
    entries = walk.entries;
    // Said only when the listing is cut (a shifted directory behind a self-extractor is not damage).
    if (walk.truncated) pushAll(warnings, walk.warnings.slice(0, 5));
  } else {
    // No end record (a cut or carved archive): the local headers, as 7-Zip and unzip -F read it.
    const scan = scanLocalHeaders(src);
    entries = scan.entries;
    warnings.push('no end of central directory: members read from their local headers');
  }
  const views = entries.map((raw) => ({ raw, view: toEntryView(raw) }));
  const packageType = packageTypeOf(views.map((v) => v.view.name), name);
  if (packageType && !bounds.packages) return { format: 'zip', members: [], beyond: 0, warnings: [], package: packageType };
  const budget: Budget = { used: 0 };
  const members: ArchiveMember[] = [];
  let beyond = 0;
  for (const { raw, view } of views) {
    if (view.isDirectory) continue;
    if (members.length >= bounds.maxMembers) {
      beyond++;
      continue;
    }
    members.push({ index: members.length, path: view.name, load: () => zipMemberBytes(src, raw, view.encrypted, bounds, budget) });
  }
  return { format: 'zip', members, beyond, warnings, ...(packageType ? { package: packageType } : {}) };
}

function zipMemberBytes(src: ByteSource, e: RawZipEntry, encrypted: boolean, bounds: MemberBounds, budget: Budget): MemberBytes {
  if (encrypted) return skip('encrypted', 'encrypted');
  const method = ZIP_METHODS[e.method];
  if (method === undefined) return skip('method', `compression method ${e.method} is not decompressed`);
  if (e.source === 'local' && e.flags & FLAG_DATA_DESCRIPTOR && e.compressedSize === 0) return skip('damaged', 'its sizes are in a data descriptor and there is no central directory');
  if (e.uncompressedSize > bounds.maxMemberBytes) return skip('too-large', `${e.uncompressedSize} bytes, larger than ${bounds.maxMemberBytes}`);
  const local = readLocalFixed(src.read(e.localOffset, LOCAL_FIXED), e.localOffset);
  if (!local) return skip('damaged', `no local header at offset ${e.localOffset}`);
  const start = e.localOffset + LOCAL_FIXED + local.nameLen + local.extraLen;
  // A central entry's sizes stand (a local header written with a data descriptor has zeros).
  const end = start + e.compressedSize;
  if (start > src.size) return skip('damaged', 'its data starts past the end of the file');
  const packed = Math.min(end, src.size) - start;
  const cutShort = end > src.size ? `the file ends ${end - src.size} bytes into its data` : null;
  const max = room(bounds, budget);
  // Packed data is never much larger than what it unpacks to: more than the member's bound is not read.
  if (method !== 'stored' && packed > bounds.maxMemberBytes + PACKED_SLACK) return skip('too-large', `${packed} bytes packed, larger than ${bounds.maxMemberBytes}`);
  let out: Decompressed;
  switch (method) {
    case 'stored':
      out = packed > max ? { data: Buffer.alloc(0), cut: true, error: null } : { data: readSpan(src, start, packed), cut: false, error: null };
      break;
    case 'deflate':
      out = inflateWhole(readSpan(src, start, packed), max);
      break;
    case 'deflate64':
      out = inflate64(readSpan(src, start, packed), max);
      break;
    case 'lzma':
      out = zipLzma(readSpan(src, start, packed), e.uncompressedSize, max);
      break;
    case 'ppmd': {
      if (e.uncompressedSize > max) {
        out = { data: Buffer.alloc(0), cut: true, error: null };
        break;
      }
      const r = decodePpmd8(readSpan(src, start, packed), e.uncompressedSize, LIMITS.maxPpmdModelBytes);
      if (r.refused) return skip('method', r.refused);
      out = { data: r.data, cut: false, error: r.error };
      break;
    }
    default:
      // bzip2, zstd, xz: the same whole-stream decoders as the compressed files'.
      out = decompressWhole(method, readSpan(src, start, packed), max) ?? { data: Buffer.alloc(0), cut: false, error: `${method} not decompressed` };
  }
  const result = taken(budget, out, bounds, e.uncompressedSize);
  if (!result.ok || result.damaged) return result;
  if (cutShort) return { ...result, damaged: cutShort };
  if (e.source === 'local' && e.flags & FLAG_DATA_DESCRIPTOR) return result; // its CRC is in the descriptor
  return crcChecked(result.data, e.crc);
}

/** ZIP method 14: a 2-byte version, a 2-byte properties size (5), the properties, then raw LZMA. */
function zipLzma(data: Buffer, declared: number, max: number): Decompressed {
  if (data.length < 9) return { data: Buffer.alloc(0), cut: false, error: 'LZMA header cut' };
  const propsSize = data.readUInt16LE(2);
  if (propsSize !== 5) return { data: Buffer.alloc(0), cut: false, error: `LZMA properties of ${propsSize} bytes` };
  if (declared > max) return { data: Buffer.alloc(0), cut: true, error: null };
  const r = decodeLzma(data.subarray(9), data.subarray(4, 9), declared);
  return { data: r.data, cut: false, error: r.data.length === declared ? null : r.error };
}

/** A tar's regular files, read from `tar` (a tar file, or a stream's decompressed output) when asked. */
function tarMembers(tar: ByteSource, format: string, bounds: MemberBounds, streamCut: boolean, warnings: string[] = []): MemberListing {
  // Entries are bounded by the listing's own limit (LIMITS.maxArchiveEntries), names by LIMITS.maxListedNameBytes.
  const walk = walkTar((pos, len) => tar.read(pos, len), tar.size);
  if (walk.damaged) pushAll(warnings, walk.warnings.slice(0, 3));
  const members: ArchiveMember[] = [];
  let beyond = 0;
  walk.entries.forEach((entry, i) => {
    const { offset, type } = walk.data[i]!;
    // Regular files only: links, devices and directories carry no bytes of their own.
    if (entry.isDirectory || !(type === '0' || type === '\0' || type === '7')) return;
    if (members.length >= bounds.maxMembers) {
      beyond++;
      return;
    }
    const size = entry.size ?? 0;
    members.push({
      index: members.length,
      path: entry.name,
      load: () => {
        if (size > bounds.maxMemberBytes) return skip('too-large', `${size} bytes, larger than ${bounds.maxMemberBytes}`);
        if (offset + size <= tar.size) return { ok: true, data: readSpan(tar, offset, size) };
        if (streamCut) return skip('budget', `the stream decompresses to more than ${bounds.maxTotalBytes} bytes`);
        // A cut tar (or a stream that ends early): what is there, as bsdtar extracts it.
        const from = Math.min(offset, tar.size);
        return { ok: true, data: readSpan(tar, from, tar.size - from), damaged: `the tar ends ${offset + size - tar.size} bytes before its end` };
      },
    });
  });
  return { format, members, beyond, warnings };
}

/** The first bytes after a PE's image (a self-extractor's archive: a 7z or RAR signature is at most 8 bytes), or nothing. */
function archiveAfterStub(src: ByteSource): Buffer {
  const overlay = peOverlayOffset(src);
  return overlay === null ? Buffer.alloc(0) : src.read(overlay, 8);
}

/** A Unix symbolic link's mode bits (RAR keeps the mode for a Unix host: RAR 4 host 3, RAR 5 host 1). */
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/**
 * A RAR's members: the stored ones (method "store", `rar a -m0`: what WinRAR also writes for a file
 * it cannot compress) are read as they lie; compressed ones are decoded (RAR 2.9's methods, 3.x and
 * 4.x: rar/unpack29.ts; RAR 5 and 7's: rar/unpack5.ts), a solid archive's from the start of its run
 * of solid files, once; each is checked against its CRC-32. RAR 1.5 to 2.6's methods are not
 * decompressed here (`method`), encrypted ones are said; of a member split across volumes, the
 * first volume gives its start (`damaged`, saying so), a later one nothing. Links are not members:
 * they carry no bytes of their own.
 */
function rarMembers(src: ByteSource, name: string, bounds: MemberBounds): MemberListing | null {
  const parsed = parseRar(src, name);
  if (!parsed) return null;
  const base = typeof parsed.summary.fields.sfxOffset === 'number' ? parsed.summary.fields.sfxOffset : 0;
  const unixHost = parsed.summary.fields.rarVersion === 5 ? 1 : 3;
  const budget: Budget = { used: 0 };
  const solid = new SolidRun(src, base, parsed.entries, bounds, budget);
  const members: ArchiveMember[] = [];
  let beyond = 0;
  parsed.entries.forEach((e, at) => {
    if (e.isDirectory || (e.hostOs === unixHost && e.attributes !== null && (e.attributes & S_IFMT) === S_IFLNK)) return;
    if (members.length >= bounds.maxMembers) {
      beyond++;
      return;
    }
    members.push({
      index: members.length,
      path: e.name,
      load: () => {
        if (e.encrypted) return skip('encrypted', 'encrypted');
        if (e.splitBefore) return skip('damaged', SPLIT_BEFORE);
        if (e.method === 'store') return rarStored(src, base + e.dataOffset, e, bounds, budget);
        if (!rarDecoded(e)) return skip('method', `RAR compression "${e.method ?? '?'}" (version ${e.unpackVersion ?? '?'}) is not decompressed here`);
        if ((e.size ?? 0) > bounds.maxMemberBytes) return skip('too-large', `${e.size} bytes, larger than ${bounds.maxMemberBytes}`);
        return solid.load(at);
      },
    });
  });
  return { format: 'rar', members, beyond, warnings: parsed.corrupted ? parsed.warnings.slice(0, 5) : [] };
}

const SPLIT_BEFORE = 'split across volumes: it starts in an earlier volume, which is not this file';

/** A member that goes on in the next volume: what this volume holds is its start, said so. */
function firstPart(data: Buffer, e: RarEntry): MemberBytes {
  return { ok: true, data, damaged: `split across volumes: its first ${data.length} of ${e.size ?? '?'} bytes are in this volume` };
}

/** A stored RAR member, as it lies, checked against its CRC-32 (the start of one split across volumes). */
function rarStored(src: ByteSource, at: number, e: RarEntry, bounds: MemberBounds, budget: Budget): MemberBytes {
  const size = e.compressedSize ?? 0;
  if (size > bounds.maxMemberBytes) return skip('too-large', `${size} bytes, larger than ${bounds.maxMemberBytes}`);
  if (size > room(bounds, budget)) return skip('budget', `the archive's members decompress to more than ${bounds.maxTotalBytes} bytes`);
  const data = readSpan(src, at, Math.max(0, Math.min(size, src.size - at)));
  budget.used += data.length;
  if (data.length < size) return { ok: true, data, damaged: `the file ends ${size - data.length} bytes into its data` };
  if (e.splitAfter) return firstPart(data, e);
  return e.crc === null ? { ok: true, data } : crcChecked(data, e.crc);
}

/** RAR 5 and 7's methods, and RAR 2.9's (3.x and 4.x; 36 is 2.9's with a larger hash); not RAR 1.5 to 2.6's. */
function rarDecoded(e: RarEntry): boolean {
  return e.unpackVersion === 50 || e.unpackVersion === 70 || e.unpackVersion === 29 || e.unpackVersion === 36;
}

/** A RAR stream's decoder for the entry's version, or null when it is not decoded here. */
function rarDecoderFor(e: RarEntry, max: number): LzStream | null {
  if (!rarDecoded(e)) return null;
  return e.unpackVersion === 29 || e.unpackVersion === 36 ? new Rar29Stream(max, LIMITS.maxPpmdModelBytes) : new Rar5Stream(max, e.unpackVersion === 70);
}

/**
 * RAR streams: a file that is not solid starts its own; a solid file continues the stream of the
 * files before it, back to the last one that is not solid, so asking for it decodes those first
 * (each once: their results are kept for their own loads). Asking for an earlier file again starts
 * the run over.
 */
class SolidRun {
  private stream: ReturnType<typeof rarDecoderFor> = null;
  /** The run the stream is in (its first entry), the entry it decodes next, and what it gave each entry so far. */
  private runStart = -1;
  private next = 0;
  private readonly results = new Map<number, MemberBytes>();
  /** Why the stream stopped (a damaged or cut file leaves it where later solid files cannot follow). */
  private broken: string | null = null;

  constructor(
    private readonly src: ByteSource,
    private readonly base: number,
    private readonly entries: readonly RarEntry[],
    private readonly bounds: MemberBounds,
    private readonly budget: Budget,
  ) {}

  load(at: number): MemberBytes {
    const known = this.results.get(at);
    if (known) return known;
    const own = this.entries[at]!;
    if (own.compressedSize === 0) return (own.size ?? 0) === 0 ? { ok: true, data: Buffer.alloc(0) } : skip('damaged', `no packed data for its ${own.size} bytes`);
    let first = at;
    while (first > 0 && this.entries[first]!.solid) first--;
    if (this.runStart !== first || this.next > at) this.restart(first);
    for (; this.next <= at && !this.broken; this.next++) {
      const e = this.entries[this.next]!;
      if (e.isDirectory || e.compressedSize === 0) continue;
      const result = this.decode(e);
      this.results.set(this.next, result);
      if (!result.ok) this.broken = `${e.name.slice(0, 64)}: ${result.detail}`;
      else if (result.damaged) this.broken = `${e.name.slice(0, 64)}: ${result.damaged}`;
    }
    return this.results.get(at) ?? skip('damaged', `its solid stream stopped at an earlier file (${this.broken ?? 'no data'})`);
  }

  private restart(first: number): void {
    this.results.clear();
    this.runStart = first;
    this.next = first;
    this.broken = null;
    this.stream = rarDecoderFor(this.entries[first]!, this.bounds.maxTotalBytes - this.budget.used);
  }

  private decode(e: RarEntry): MemberBytes {
    const at = this.base + e.dataOffset;
    // A stored file does not pass through the stream (unrar copies it as it lies).
    if (e.method === 'store') return rarStored(this.src, at, e, this.bounds, this.budget);
    if (e.encrypted) return skip('encrypted', 'encrypted');
    if (e.splitBefore) return skip('damaged', SPLIT_BEFORE);
    if (!this.stream) return skip('method', `RAR compression version ${e.unpackVersion ?? '?'} is not decompressed here`);
    const packedSize = e.compressedSize ?? 0;
    if (packedSize > this.bounds.maxTotalBytes + PACKED_SLACK) return skip('too-large', `${packedSize} bytes packed, larger than ${this.bounds.maxTotalBytes}`);
    const packed = readSpan(this.src, at, Math.max(0, Math.min(packedSize, this.src.size - at)));
    const out = this.stream.decodeFile(packed, e.size);
    // The start of a file split across volumes decodes as far as this volume's part goes.
    if (e.splitAfter) {
      const start = taken(this.budget, { data: out.data, cut: out.cut, error: null }, this.bounds, null);
      return start.ok && start.data.length > 0 ? firstPart(start.data, e) : start.ok ? skip('damaged', `split across volumes: nothing of it decoded from this volume (${out.error ?? 'no data'})`) : start;
    }
    const result = taken(this.budget, out, this.bounds, e.size);
    if (!result.ok || result.damaged) return result;
    if (packed.length < packedSize) return { ...result, damaged: `the file ends ${packedSize - packed.length} bytes into its data` };
    return e.crc === null ? result : crcChecked(result.data, e.crc);
  }
}

/**
 * A 7z's members: each folder (solid block) decoded once, when its first member is asked for, and
 * its files sliced from it (decodeFolder says which blocks are decoded). A 7z whose file list is
 * encrypted has no member to give (its own finding says so).
 */
function sevenZipMembers(src: ByteSource, name: string, bounds: MemberBounds): MemberListing | null {
  const parsed = parseSevenZip(src, name);
  if (!parsed) return null;
  const warnings = parsed.corrupted || parsed.summary.truncated ? parsed.warnings.slice(0, 5) : [];
  if (!parsed.layout) return { format: '7z', members: [], beyond: 0, warnings: parsed.summary.headersEncrypted ? [] : warnings };
  const { start, streams } = parsed.layout;
  // Each folder's first packed byte: the archive's start, its 32-byte signature header, packPos, then the pack streams in order.
  const packs: Array<Array<{ at: number; size: number }>> = [];
  let at = start + SIGNATURE_HEADER_SIZE + streams.packPos;
  let packIndex = 0;
  for (const f of streams.folders) {
    const own: Array<{ at: number; size: number }> = [];
    for (let k = 0; k < f.packedStreams.length; k++) {
      const size = streams.packSizes[packIndex++] ?? 0;
      own.push({ at, size });
      at += size;
    }
    packs.push(own);
  }
  const budget: Budget = { used: 0 };
  let decoded: { folder: number; bytes: FolderBytes } | null = null;
  const folderBytes = (fi: number): FolderBytes => {
    if (decoded?.folder !== fi) decoded = { folder: fi, bytes: folderOutput(src, streams.folders[fi]!, packs[fi]!, bounds, budget) };
    return decoded.bytes;
  };
  const members: ArchiveMember[] = [];
  let beyond = 0;
  // A file's place in its folder: the sizes of the files before it in the same folder; its CRC-32 by its stream's place.
  let folder = -1;
  let offset = 0;
  let stream = 0;
  for (const entry of parsed.entries) {
    if (entry.block !== null && entry.block !== folder) {
      folder = entry.block;
      offset = 0;
    }
    const from = offset;
    const size = entry.size ?? 0;
    const crc = entry.block !== null ? (streams.subStreamCrcs[stream++] ?? null) : null;
    if (entry.block !== null) offset += size;
    if (entry.isDirectory || entry.anti) continue;
    if (members.length >= bounds.maxMembers) {
      beyond++;
      continue;
    }
    const block = entry.block;
    members.push({
      index: members.length,
      path: entry.name,
      load: () => {
        if (block === null) return { ok: true, data: Buffer.alloc(0) };
        if (entry.size === null) return skip('damaged', 'its size is not in the header');
        if (size > bounds.maxMemberBytes) return skip('too-large', `${size} bytes, larger than ${bounds.maxMemberBytes}`);
        const whole = folderBytes(block);
        if (!whole.ok) return whole;
        if (from + size > whole.data.length) {
          if (whole.start) return skip('budget', `past the first ${whole.data.length} bytes of its solid block, all that fits in the ${bounds.maxTotalBytes} decompressed per archive`);
          return skip('damaged', 'its block decoded short');
        }
        const data = whole.data.subarray(from, from + size);
        if (whole.damaged) return { ok: true, data, damaged: whole.damaged };
        return crc === null ? { ok: true, data } : crcChecked(data, crc);
      },
    });
  }
  return { format: '7z', members, beyond, warnings };
}

/** A 7z folder's output: whole, or (`start`) the start of a block larger than what is left of the budget. */
type FolderBytes = { ok: true; data: Buffer; damaged?: string; start: boolean } | { ok: false; why: SkipReason; detail: string };

/**
 * One 7z folder's output (sevenzip/folder.ts), counted against the archive's budget and checked
 * against its CRC. A block larger than what is left (7-Zip's solid blocks reach a gigabyte: most of
 * a large staged 7z is one) gives its start instead, as far as the budget goes: its packed stream is
 * read only as far as that start can need, and the files wholly in it are given.
 */
function folderOutput(src: ByteSource, f: Folder, packs: ReadonlyArray<{ at: number; size: number }>, bounds: MemberBounds, budget: Budget): FolderBytes {
  const left = bounds.maxTotalBytes - budget.used;
  // The folder's packed streams only, one after another (they are in the file in that order).
  const first = packs[0]?.at ?? 0;
  const spanLength = packs.length ? packs[packs.length - 1]!.at + packs[packs.length - 1]!.size - first : 0;
  // Packing adds little even to random data (LZMA about 1.5 %): a start of `left` bytes needs no more than this.
  const enough = left + PACKED_SLACK + Math.ceil(left / 16);
  const span = readSpan(src, first, Math.min(spanLength, enough));
  const out = decodeSevenZipFolder(span, f, packs.map((p) => ({ at: p.at - first, size: p.size })), left, true);
  if (!out.ok) return skip(out.why, out.why === 'budget' ? `${out.detail} (${bounds.maxTotalBytes} per archive)` : out.detail) as FolderBytes;
  budget.used += out.data.length;
  if (out.damaged) return { ok: true, data: out.data, damaged: `its block: ${out.damaged}`, start: !out.whole };
  if (out.whole && f.unpackCrc !== null && crc32(out.data) >>> 0 !== f.unpackCrc >>> 0) return { ok: true, data: out.data, damaged: "its block's CRC-32 does not match", start: false };
  return { ok: true, data: out.data, start: !out.whole };
}

/**
 * A cabinet's members (cab/folder.ts): each folder decoded once, when a file of it is asked for, up
 * to what is left of the archive's budget, and its files sliced from it; a file only partly in this
 * cabinet (continued from or into another one of its set) is not given.
 */
function cabMembers(src: ByteSource, bounds: MemberBounds): MemberListing | null {
  const layout = readCabLayout(src);
  if (!layout) return null;
  const budget: Budget = { used: 0 };
  let decoded: { folder: number; bytes: CabFolderBytes } | null = null;
  const folderBytes = (fi: number): CabFolderBytes => {
    if (decoded?.folder !== fi) {
      const bytes = decodeCabFolder(src, layout, fi, bounds.maxTotalBytes - budget.used);
      if (bytes.ok) budget.used += bytes.data.length;
      decoded = { folder: fi, bytes };
    }
    return decoded.bytes;
  };
  const members: ArchiveMember[] = [];
  let beyond = 0;
  for (const f of layout.files) {
    if (members.length >= bounds.maxMembers) {
      beyond++;
      continue;
    }
    members.push({
      index: members.length,
      path: f.name,
      load: () => {
        const continued = CONTINUED[f.folder];
        if (continued) return skip('damaged', `${continued}: only part of it is in this cabinet`);
        if (f.size > bounds.maxMemberBytes) return skip('too-large', `${f.size} bytes, larger than ${bounds.maxMemberBytes}`);
        const whole = folderBytes(f.folder);
        if (!whole.ok) return whole;
        if (f.folderOffset + f.size > whole.data.length) {
          return whole.cut ? skip('budget', `the archive's members decompress to more than ${bounds.maxTotalBytes} bytes`) : skip('damaged', `its folder decoded short${whole.damaged ? ` (${whole.damaged})` : ''}`);
        }
        const data = whole.data.subarray(f.folderOffset, f.folderOffset + f.size);
        return whole.damaged ? { ok: true, data, damaged: whole.damaged } : { ok: true, data };
      },
    });
  }
  return { format: 'cab', members, beyond, warnings: layout.warnings.slice(0, 5) };
}

/** A compressed stream: the tar inside it, or its content as one member. */
function streamMembers(src: ByteSource, name: string, format: StreamFormat, bounds: MemberBounds): MemberListing | null {
  // A stream packs its content at least a little: more packed bytes than the bound are not read.
  const packed = Math.min(src.size, bounds.maxTotalBytes + PACKED_SLACK);
  const out = decompressWhole(format, readSpan(src, 0, packed), bounds.maxTotalBytes);
  if (!out) return null;
  const warnings = out.error ? [`${format}: ${out.error}`] : [];
  if (looksLikeTar(out.data.subarray(0, 512))) return tarMembers(bufferSource(out.data), `tar.${format}`, bounds, out.cut, warnings);
  const inner = streamMemberName(src.read(0, 4096), name, format);
  const member: ArchiveMember = {
    index: 0,
    path: inner,
    load: () => {
      if (out.cut) return skip('too-large', `decompresses to more than ${bounds.maxTotalBytes} bytes`);
      if (out.data.length > bounds.maxMemberBytes) return skip('too-large', `${out.data.length} bytes, larger than ${bounds.maxMemberBytes}`);
      return out.error ? { ok: true, data: out.data, damaged: out.error } : { ok: true, data: out.data };
    },
  };
  return { format, members: bounds.maxMembers > 0 ? [member] : [], beyond: bounds.maxMembers > 0 ? 0 : 1, warnings };
}

/** The content's name: gzip's stored original name, else the file's name without its compression suffix. */
function streamMemberName(head: Buffer, name: string, format: StreamFormat): string {
  if (format === 'gzip') {
    const stored = readGzipHeader(head)?.originalName;
    if (stored) return stored.slice(0, LIMITS.maxNameBytes);
  }
  return contentName(name) ?? `${name}.out`;
}
