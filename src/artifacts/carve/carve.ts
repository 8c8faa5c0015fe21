/**
 * Archives carved from a volume's free space (`scan --carve`; docs/images.md "Carving"): what is left
 * when a staged archive was deleted and nothing names it any more (an NTFS record reused or wiped,
 * an ext inode whose extents were cleared by the deletion). Every unit (NTFS cluster, ext block) the
 * allocation map marks free is read once; an archive header at the start of a unit, where a file's
 * content begins, is read by the archive parser that claims it, from that unit on through the same
 * free run, and judged by the archive detector the walk uses (encryption, user documents, secrets...).
 *
 * Where the archive ends: a 7-Zip start header says it (offset and size of its end header), as a
 * cabinet's header does (its total size: what `makecab` and `diantz`, Windows' own archivers, write);
 * a ZIP ends with the end-of-central-directory record found further in the same free run whose offsets
 * lead back to this header (through the ZIP64 end record and its locator when the archive needs them:
 * over 4 GiB or 65,535 entries, or written so by `zip -fz`); else (RAR, tar, compressed streams) the carve stops at the next header or
 * the end of the free run. The bytes are taken as contiguous, as file systems write a new file into
 * free space when they can: an archive whose end was overwritten or lies elsewhere reads as damaged,
 * with what could be listed. ZIP-based packages (Office documents, Java and Android packages) and
 * single compressed files (a deleted rotated log) are not archives of collected files and give
 * nothing, unless encrypted. Pure: a free space in, candidates and warnings out.
 */
import { crc32 } from 'node:zlib';
import type { Candidate } from '../../rules/types.js';
import type { DeletedStart, FreeSpace } from '../../evidence/fs.js';
import { VolumeHashBudget, type HashSettings } from '../../evidence/hash-source.js';
import { LIMITS } from '../../util/limits.js';
import { fingerprint } from '../../fingerprint/index.js';
import { parsers as ARCHIVE_PARSERS } from '../archive/parsers.js';
import { archiveDetector } from '../archive/detect.js';
import { cabinetBytes } from '../cab/layout.js';
import { contentNames } from '../archive/build.js';
import { printable } from '../archive/indicators.js';
import type { ArchiveSummary } from '../archive/summary.js';

export interface CarveOptions {
  /** Root-relative folder the volume's root stands for ('' on an image). */
  volumeRel: string;
  /** Deleted file records (NTFS MFT entries) whose content the trace stage reports already (details.recovered): not carved again. */
  reported?: ReadonlySet<number>;
  /** --hash's algorithms and size cap, for carved archives whose end is known (absent with --hash none). */
  hash?: HashSettings;
  /** Told after each step: bytes of free space read, of the total (a long carve of a large disk shows it is alive). */
  onProgress?(read: number, total: number): void;
  yieldNow?(): Promise<void>;
}

export interface CarveResult {
  candidates: Candidate[];
  warnings: string[];
  stats: CarveStats;
}

export interface CarveStats {
  /** Free units read, and their bytes. */
  freeUnits: number;
  bytesRead: number;
  /** Unit starts with an archive signature. */
  headers: number;
  /** Of those: read as an archive and reported; left out (packages, single compressed files); not readable as an archive. */
  carved: number;
  leftOut: number;
  unreadable: number;
}

/** Bounds of one volume's carving (docs/images.md "Carving"). */
export const CARVE_LIMITS = {
  /** Headers read per volume; past it, a warning says how many more were seen. */
  headers: 10_000,
  /** Bytes one carved archive may span when its end is not known (the parsers read its tail or scan it). */
  unknownEndBytes: 4 * 1024 ** 3,
  /** Bytes of carved archives hashed per volume. */
  hashBytes: 8 * 1024 ** 3,
  /** Deleted records looked up by where their content begins (as many as the NTFS trace stage remembers). */
  deletedRecords: 200_000,
} as const;

/** Read per step through a free run; a multiple of every unit size up to 2 MiB is taken. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Bytes past a chunk read with it, so a header or an end record across the chunk's end is whole. */
const OVERLAP = 512;
/** Chunks a fetching-ahead image is told of in advance. */
const AHEAD_CHUNKS = 4;

type CarvedFormat = '7z' | 'rar' | 'zip' | 'cab' | 'gzip' | 'xz' | 'bzip2' | 'zstd' | 'tar';

/** Signatures looked for at a unit's start: the archives and compressors staging uses. */
const SIGNATURES: ReadonlyArray<{ format: CarvedFormat; magic: Buffer }> = [
  { format: '7z', magic: Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) },
  { format: 'rar', magic: Buffer.from('Rar!\x1a\x07', 'latin1') },
  { format: 'zip', magic: Buffer.from([0x50, 0x4b, 0x03, 0x04]) },
  // a cabinet: "MSCF" and four reserved zero bytes
  { format: 'cab', magic: Buffer.from('MSCF\0\0\0\0', 'latin1') },
  // gzip with deflate (the only method), xz, bzip2 with its first block's magic (pi), zstd frames
  { format: 'gzip', magic: Buffer.from([0x1f, 0x8b, 0x08]) },
  { format: 'xz', magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) },
  { format: 'bzip2', magic: Buffer.from('BZh', 'latin1') },
  { format: 'zstd', magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]) },
];
/** A POSIX (ustar) tar's first header: the magic at 257 of a 512-byte header, then a NUL or a space. */
const TAR_MAGIC = Buffer.from('ustar', 'latin1');
const TAR_MAGIC_AT = 257;
const FIRST_BYTES = new Set(SIGNATURES.map((s) => s.magic[0]!));
const BZIP2_BLOCK = Buffer.from([0x31, 0x41, 0x59, 0x26, 0x53, 0x59]);
const ZIP_END = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const ZIP_END_SIZE = 22;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_END = 0x06064b50;
/** A ZIP64 end record's fixed part (its extensible data, rarely written, follows). */
const ZIP64_END_SIZE = 56;
const SEVEN_ZIP_START_HEADER = 32;

/** A header found at a unit start, with where its archive ends (bytes into the run) when that is known. */
interface Header {
  format: CarvedFormat;
  /** Byte offset into the free run (a unit boundary). */
  at: number;
  end: number | null;
  /** How the end was found: 'start header' (7z), 'cabinet header' (CAB), 'end record' (ZIP), or null. */
  endFrom: 'start header' | 'cabinet header' | 'end record' | null;
}

/** Carves one volume's free space; the candidates are `carved` findings under `$Unalloc/` (The Sleuth Kit's and Autopsy's name for unallocated space). */
export async function carveArchives(space: FreeSpace, opts: CarveOptions): Promise<CarveResult> {
  const stats: CarveStats = { freeUnits: 0, bytesRead: 0, headers: 0, carved: 0, leftOut: 0, unreadable: 0 };
  const warnings: string[] = [];
  const candidates: Candidate[] = [];
  const us = space.unitSize;
  const chunk = Math.max(us, Math.floor(CHUNK_BYTES / us) * us);
  // Looked up when the first header is read: a pass over the deleted records that a volume without headers does not pay.
  let deletedStarts: Map<number, DeletedStart> | null | undefined;
  const hashes = opts.hash ? new VolumeHashBudget(opts.hash, CARVE_LIMITS.hashBytes, 'carved archives') : null;
  let past = 0; // headers seen beyond CARVE_LIMITS.headers
  // The total for the progress line: one more pass over the allocation map (a 500 GiB NTFS volume's $Bitmap is 16 MB).
  let total = 0;
  if (opts.onProgress) for (const run of space.runs()) total += run.length * us;
  for (const run of space.runs()) {
    stats.freeUnits += run.length;
    const runBytes = run.length * us;
    const src = space.open(run.first, runBytes);
    const headers: Header[] = [];
    const zipAt = new Map<number, Header>();
    try {
      for (let pos = 0; pos < runBytes; pos += chunk) {
        src.willRead?.(pos + chunk, chunk * AHEAD_CHUNKS);
        const buf = src.read(pos, Math.min(chunk + OVERLAP, runBytes - pos));
        const core = Math.min(chunk, buf.length);
        stats.bytesRead += core;
        for (let off = 0; off < core; off += us) {
          const format = signatureAt(buf, off);
          if (!format) continue;
          stats.headers++;
          if (stats.headers > CARVE_LIMITS.headers) {
            past++;
            continue;
          }
          const h: Header = { format, at: pos + off, end: null, endFrom: null };
          if (format === '7z') {
            const end = sevenZipEnd(buf, off);
            if (end !== null) Object.assign(h, { end: h.at + end, endFrom: 'start header' });
          }
          if (format === 'cab') {
            const end = cabinetBytes(buf, off);
            if (end !== null) Object.assign(h, { end: h.at + end, endFrom: 'cabinet header' });
          }
          if (format === 'zip') zipAt.set(h.at, h);
          headers.push(h);
        }
        // ZIP end records anywhere in the chunk: each leads back to its archive's first local header.
        if (zipAt.size > 0) {
          for (let i = buf.indexOf(ZIP_END); i >= 0 && i < core; i = buf.indexOf(ZIP_END, i + 1)) {
            if (i + ZIP_END_SIZE > buf.length) break;
            const start = zipStart(buf, i, pos);
            const h = start === null ? undefined : zipAt.get(start);
            // The outermost archive's end record is its last one (a stored ZIP inside has its own, leading elsewhere).
            if (h) Object.assign(h, { end: pos + i + ZIP_END_SIZE + buf.readUInt16LE(i + 20), endFrom: 'end record' });
          }
        }
        opts.onProgress?.(stats.bytesRead, total);
        if (pos % (chunk * 16) === 0) await opts.yieldNow?.();
      }
      let covered = 0; // the end of the last archive whose end is known: headers before it are its members
      for (let k = 0; k < headers.length; k++) {
        const h = headers[k]!;
        if (h.at < covered) continue;
        const first = run.first + h.at / us;
        if (deletedStarts === undefined) deletedStarts = space.deletedStarts?.(CARVE_LIMITS.deletedRecords) ?? null;
        const record = deletedStarts?.get(first) ?? null;
        if (record && opts.reported?.has(record.entry)) continue;
        const nextAt = headers[k + 1]?.at ?? runBytes;
        const known = h.end !== null && h.end <= runBytes;
        const end = known ? h.end! : Math.min(nextAt, h.at + CARVE_LIMITS.unknownEndBytes);
        // A structurally checked end (7z start header CRC, cabinet header, ZIP end record): headers before it are the archive's own members.
        if (known) covered = end;
        const got = await readCarved(space, { first, bytes: end - h.at, header: h, known, runEnd: h.end !== null && h.end > runBytes, record }, opts, stats, warnings);
        if (!got) continue;
        if (known && hashes) {
          const whole = space.open(first, end - h.at);
          try {
            Object.assign(got.carved, await hashes.hash(whole, opts.yieldNow));
          } finally {
            whole.close();
          }
        }
        candidates.push(got.candidate);
      }
    } catch (err) {
      warnings.push(`free ${space.unitName}s ${run.first}-${run.first + run.length - 1}: not read whole: ${(err as Error).message}`);
    } finally {
      src.close();
    }
    await opts.yieldNow?.();
  }
  if (past > 0) warnings.push(`carving: ${past} more archive headers in free space than the ${CARVE_LIMITS.headers} read`);
  return { candidates, warnings, stats };
}

function signatureAt(buf: Buffer, off: number): CarvedFormat | null {
  const b = buf[off]!;
  if (FIRST_BYTES.has(b)) {
    for (const s of SIGNATURES) {
      if (buf.compare(s.magic, 0, s.magic.length, off, off + s.magic.length) !== 0) continue;
      // bzip2: a level digit, then the first block's magic (three letters alone are common in text)
      if (s.format === 'bzip2' && !(buf[off + 3]! >= 0x31 && buf[off + 3]! <= 0x39 && buf.compare(BZIP2_BLOCK, 0, 6, off + 4, off + 10) === 0)) continue;
      return s.format;
    }
  }
  const after = off + TAR_MAGIC_AT + TAR_MAGIC.length;
  return after < buf.length && buf.compare(TAR_MAGIC, 0, TAR_MAGIC.length, off + TAR_MAGIC_AT, after) === 0 && (buf[after] === 0 || buf[after] === 0x20) ? 'tar' : null;
}

/**
 * Where the ZIP whose end record is at `i` of the chunk begins (bytes into the run): its central
 * directory's size and offset back from the end record; where they are 0xffffffff (ZIP64), from the
 * ZIP64 end record the locator before it names. Null when they do not lead anywhere.
 */
function zipStart(buf: Buffer, i: number, pos: number): number | null {
  const size = buf.readUInt32LE(i + 12);
  const offset = buf.readUInt32LE(i + 16);
  if (size !== 0xffffffff && offset !== 0xffffffff) return pos + i - offset - size;
  const locator = i - ZIP64_LOCATOR_SIZE;
  if (locator < 0 || buf.readUInt32LE(locator) !== ZIP64_LOCATOR) return null;
  // The ZIP64 end record right before the locator, its size field saying so (no extensible data: what every writer does).
  const record = locator - ZIP64_END_SIZE;
  if (record < 0 || buf.readUInt32LE(record) !== ZIP64_END || buf.readBigUInt64LE(record + 4) !== BigInt(ZIP64_END_SIZE - 12)) return null;
  // The locator's offset of the ZIP64 end record is from the archive's start.
  const from = Number(buf.readBigUInt64LE(locator + 8));
  return Number.isSafeInteger(from) && from <= pos + record ? pos + record - from : null;
}

/** Bytes a 7-Zip archive spans, from its start header (CRC-checked); null when the header does not hold. */
function sevenZipEnd(buf: Buffer, off: number): number | null {
  if (off + SEVEN_ZIP_START_HEADER > buf.length) return null;
  if (crc32(buf.subarray(off + 12, off + 32)) !== buf.readUInt32LE(off + 8)) return null;
  const next = Number(buf.readBigUInt64LE(off + 12)) + Number(buf.readBigUInt64LE(off + 20));
  return Number.isSafeInteger(next) && next >= 0 ? SEVEN_ZIP_START_HEADER + next : null;
}

interface Carve {
  /** The unit the archive begins at. */
  first: number;
  bytes: number;
  header: Header;
  /** The archive's end lies in the same free run (the carve is the whole archive, if contiguous). */
  known: boolean;
  /** The archive's own header says it ends past the free run (its end since given to other files, or fragmented). */
  runEnd: boolean;
  /** The deleted file record whose content begins here, when one still does. */
  record: DeletedStart | null;
}

/** A carved archive read and judged; null when it is not one after all, or not one of collected files. */
async function readCarved(space: FreeSpace, c: Carve, opts: CarveOptions, stats: CarveStats, warnings: string[]): Promise<{ candidate: Candidate; carved: Record<string, unknown> } | null> {
  const unit = space.unitName;
  const name = `${unit}-${c.first}`;
  const relPath = `${opts.volumeRel ? `${opts.volumeRel}/` : ''}$Unalloc/${name}`;
  const src = space.open(c.first, c.bytes);
  try {
    const head = src.read(0, LIMITS.headBytes);
    const fp = await fingerprint(src, head, name);
    const ctx = { relPath, name, head, size: src.size, format: fp.format };
    const parser = ARCHIVE_PARSERS.find((p) => p.matches(ctx));
    const result = parser ? await parser.parse(src, ctx) : null;
    const summary = result?.facts as ArchiveSummary | undefined;
    if (!result || !summary) {
      stats.unreadable++;
      return null;
    }
    const times = { modified: null, accessed: null, changed: null, born: null };
    const found = archiveDetector(result, { ...ctx, os: 'unknown', hotspot: null, hotspotWeight: 0, times })[0];
    if (!found) {
      stats.leftOut++;
      return null;
    }
    stats.carved++;
    const names = contentNames(result.records, CARVED_NAMES);
    const end = c.known ? `its end (${c.header.endFrom}) in the same free run` : c.runEnd ? 'its header says it ends past the free run: the rest was given to other files or lies elsewhere' : 'its end not known: carved to the next header or the end of the free run';
    const offset = space.byteOffset(c.first);
    const carved: Record<string, unknown> = {
      unit,
      first: c.first,
      offset,
      bytes: c.bytes,
      end,
      ...(c.record ? { deletedRecord: { entry: c.record.entry, sequence: c.record.sequence, path: c.record.path } } : {}),
      ...(names.length > 0 ? { names } : {}),
      ...(result.corrupted ? { damaged: true } : {}),
      ...(result.warnings.length > 0 ? { warnings: result.warnings.slice(0, 5) } : {}),
    };
    const evidence = String((found.details as { evidence?: string } | undefined)?.evidence ?? summary.format);
    const where = `at ${unit} ${c.first} (byte ${offset} of the volume), ${c.bytes} bytes`;
    // Where the file system keeps deleted records with their runs (NTFS), a carve none of them names is named by nothing.
    const named = c.record ? `no file names it; deleted MFT record ${c.record.entry}${c.record.path ? ` (${printable(c.record.path, 200)})` : ''} still does` : space.deletedStarts ? 'no file or MFT record names it' : 'no file names it';
    found.kind = 'carved';
    found.hits.unshift({ rule: CARVED_RULE, message: `${evidence} in free space ${where}; ${named}${result.corrupted ? ' (damaged: overwritten in part, or not contiguous)' : ''}` });
    found.details = {
      ...found.details,
      carved,
      life: `a deleted archive (${evidence}), its content still in free space ${where}; ${named}`,
      gone: ['the file'],
      remains: [`its content in unallocated ${unit}s (carved from ${unit} ${c.first}, as The Sleuth Kit's blkcat reads them)`],
    };
    return { candidate: found, carved };
  } catch (err) {
    warnings.push(`${relPath}: not read as an archive: ${(err as Error).message}`);
    stats.unreadable++;
    return null;
  } finally {
    src.close();
  }
}

/** The rule every carve carries (src/rules/data/archives.json). */
const CARVED_RULE = 'archive-carved-from-free-space';
/** Entry names of a carved archive kept in `details.carved.names`. */
const CARVED_NAMES = 20;
