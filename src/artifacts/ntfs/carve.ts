/**
 * Archives carved from a volume's free clusters (`scan --carve`; docs/ntfs.md "Carving"): what is
 * left when a staged archive was deleted and its MFT record reused or wiped, so that no record, no
 * journal entry and no index slack names it any more. Every cluster $Bitmap marks free is read
 * once; a 7-Zip, RAR or ZIP header at the start of a cluster (where a file's content begins) is
 * read by the archive parser that claims it, from that cluster on through the same free run, and
 * judged by the archive detector the walk uses (encryption, user documents, secrets...).
 *
 * Where the archive ends: a 7-Zip start header says it (offset and size of its end header); a ZIP
 * ends with the end-of-central-directory record found further in the same free run whose offsets
 * lead back to this header; else the carve stops at the next header or the end of the free run.
 * The bytes are taken as contiguous, as NTFS writes a new file into free space when it can: an
 * archive whose end was overwritten or lies elsewhere reads as damaged, with what could be listed.
 * ZIP-based packages (Office documents, Java and Android packages) are not archives of collected
 * files and give nothing, unless encrypted. Pure: a free space in, candidates and warnings out.
 */
import { crc32 } from 'node:zlib';
import type { Candidate } from '../../rules/types.js';
import type { DeletedStart, FreeSpace } from '../../evidence/image/fs/ntfs.js';
import { hashSteps, type HashSettings } from '../../evidence/hash-source.js';
import { LIMITS } from '../../util/limits.js';
import { fingerprint } from '../../fingerprint/index.js';
import { parsers as ARCHIVE_PARSERS } from '../archive/parsers.js';
import { archiveDetector } from '../archive/detect.js';
import { printable } from '../archive/indicators.js';
import type { ArchiveSummary } from '../archive/summary.js';

export interface CarveOptions {
  /** Root-relative folder the volume's root stands for ('' on an image). */
  volumeRel: string;
  /** Deleted file records by the cluster their content begins at: a carved archive there is still named by one. */
  deletedStarts?: ReadonlyMap<number, DeletedStart>;
  /** MFT entries whose deleted content the trace stage reports already (details.recovered): not carved again. */
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
  /** Free clusters read, and their bytes. */
  freeClusters: number;
  bytesRead: number;
  /** Cluster starts with an archive signature. */
  headers: number;
  /** Of those: read as an archive and reported; ZIP-based packages left out; not readable as an archive. */
  carved: number;
  packages: number;
  unreadable: number;
}

/** Bounds of one volume's carving (docs/ntfs.md "Carving"). */
export const CARVE_LIMITS = {
  /** Headers read per volume; past it, a warning says how many more were seen. */
  headers: 10_000,
  /** Bytes one carved archive may span when its end is not known (the parsers read its tail or scan it). */
  unknownEndBytes: 4 * 1024 ** 3,
  /** Bytes of carved archives hashed per volume. */
  hashBytes: 8 * 1024 ** 3,
} as const;

/** Read per step through a free run; a multiple of every cluster size up to 2 MiB is taken. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Bytes past a chunk read with it, so an end record across the chunk's end is whole. */
const OVERLAP = 64;
/** Chunks a fetching-ahead image is told of in advance. */
const AHEAD_CHUNKS = 4;

type CarvedFormat = '7z' | 'rar' | 'zip';

/** Signatures looked for at a cluster's start (file magic of the formats staging uses). */
const SIGNATURES: ReadonlyArray<{ format: CarvedFormat; magic: Buffer }> = [
  { format: '7z', magic: Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) },
  { format: 'rar', magic: Buffer.from('Rar!\x1a\x07', 'latin1') },
  { format: 'zip', magic: Buffer.from([0x50, 0x4b, 0x03, 0x04]) },
];
const ZIP_END = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const ZIP_END_SIZE = 22;
const SEVEN_ZIP_START_HEADER = 32;

/** A header found at a cluster start, with where its archive ends (bytes into the run) when that is known. */
interface Header {
  format: CarvedFormat;
  /** Byte offset into the free run (a cluster boundary). */
  at: number;
  end: number | null;
  /** How the end was found: 'start header' (7z), 'end record' (ZIP), or null. */
  endFrom: 'start header' | 'end record' | null;
}

/** Carves one volume's free space; the candidates are `carved` findings under `$Unalloc/` (The Sleuth Kit's and Autopsy's name for unallocated space). */
export async function carveArchives(space: FreeSpace, opts: CarveOptions): Promise<CarveResult> {
  const stats: CarveStats = { freeClusters: 0, bytesRead: 0, headers: 0, carved: 0, packages: 0, unreadable: 0 };
  const warnings: string[] = [];
  const candidates: Candidate[] = [];
  const cs = space.clusterSize;
  const chunk = Math.max(cs, Math.floor(CHUNK_BYTES / cs) * cs);
  let hashed = 0;
  let past = 0; // headers seen beyond CARVE_LIMITS.headers
  // The total for the progress line: one more pass over $Bitmap (a 500 GiB volume's is 16 MB).
  let total = 0;
  if (opts.onProgress) for (const run of space.runs()) total += run.length * cs;
  for (const run of space.runs()) {
    stats.freeClusters += run.length;
    const runBytes = run.length * cs;
    const src = space.open(run.lcn, runBytes);
    const headers: Header[] = [];
    const zipAt = new Map<number, Header>();
    try {
      for (let pos = 0; pos < runBytes; pos += chunk) {
        src.willRead?.(pos + chunk, chunk * AHEAD_CHUNKS);
        const buf = src.read(pos, Math.min(chunk + OVERLAP, runBytes - pos));
        const core = Math.min(chunk, buf.length);
        stats.bytesRead += core;
        for (let off = 0; off < core; off += cs) {
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
          if (format === 'zip') zipAt.set(h.at, h);
          headers.push(h);
        }
        // ZIP end records anywhere in the chunk: each leads back to its archive's first local header.
        if (zipAt.size > 0) {
          for (let i = buf.indexOf(ZIP_END); i >= 0 && i < core; i = buf.indexOf(ZIP_END, i + 1)) {
            if (i + ZIP_END_SIZE > buf.length) break;
            const start = pos + i - buf.readUInt32LE(i + 16) - buf.readUInt32LE(i + 12);
            const h = zipAt.get(start);
            // The outermost archive's end record is its last one (a stored ZIP inside has its own, leading elsewhere).
            if (h) Object.assign(h, { end: pos + i + ZIP_END_SIZE + buf.readUInt16LE(i + 20), endFrom: 'end record' });
          }
        }
        opts.onProgress?.(stats.bytesRead, total);
        if (pos % (chunk * 16) === 0) await opts.yieldNow?.();
      }
      let covered = 0; // the end of the last archive carved from this run: headers inside it are its members
      for (let k = 0; k < headers.length; k++) {
        const h = headers[k]!;
        if (h.at < covered) continue;
        const lcn = run.lcn + h.at / cs;
        const record = opts.deletedStarts?.get(lcn) ?? null;
        if (record && opts.reported?.has(record.entry)) continue;
        const nextAt = headers[k + 1]?.at ?? runBytes;
        const end = h.end !== null && h.end <= runBytes ? h.end : Math.min(nextAt, h.at + CARVE_LIMITS.unknownEndBytes);
        const known = h.end !== null && h.end <= runBytes;
        // A structurally checked end (7z start header CRC, ZIP end record): headers before it are the archive's own members.
        if (known) covered = h.end!;
        const got = await readCarved(space, { lcn, bytes: end - h.at, header: h, known, runEnd: h.end !== null && h.end > runBytes, record }, opts, stats, warnings);
        if (!got) continue;
        if (known && opts.hash) {
          const bytes = end - h.at;
          if (bytes > opts.hash.maxSize) got.carved.notHashed = `larger than the --hash size cap (${opts.hash.maxSize} bytes)`;
          else if (hashed + bytes > CARVE_LIMITS.hashBytes) got.carved.notHashed = `past ${CARVE_LIMITS.hashBytes} bytes of carved archives hashed per volume`;
          else {
            hashed += bytes;
            await hashCarved(space.open(lcn, bytes), opts, got.carved);
          }
        }
        candidates.push(got.candidate);
      }
    } catch (err) {
      warnings.push(`free clusters ${run.lcn}-${run.lcn + run.length - 1}: not read whole: ${(err as Error).message}`);
    } finally {
      src.close();
    }
    await opts.yieldNow?.();
  }
  if (past > 0) warnings.push(`carving: ${past} more archive headers in free clusters than the ${CARVE_LIMITS.headers} read`);
  return { candidates, warnings, stats };
}

function signatureAt(buf: Buffer, off: number): CarvedFormat | null {
  const b = buf[off];
  if (b !== 0x37 && b !== 0x52 && b !== 0x50) return null;
  for (const s of SIGNATURES) if (buf.compare(s.magic, 0, s.magic.length, off, off + s.magic.length) === 0) return s.format;
  return null;
}

/** Bytes a 7-Zip archive spans, from its start header (CRC-checked); null when the header does not hold. */
function sevenZipEnd(buf: Buffer, off: number): number | null {
  if (off + SEVEN_ZIP_START_HEADER > buf.length) return null;
  if (crc32(buf.subarray(off + 12, off + 32)) !== buf.readUInt32LE(off + 8)) return null;
  const next = Number(buf.readBigUInt64LE(off + 12)) + Number(buf.readBigUInt64LE(off + 20));
  return Number.isSafeInteger(next) && next >= 0 ? SEVEN_ZIP_START_HEADER + next : null;
}

interface Carve {
  lcn: number;
  bytes: number;
  header: Header;
  /** The archive's end lies in the same free run (the carve is the whole archive, if contiguous). */
  known: boolean;
  /** The archive's own header says it ends past the free run (its end since given to other files, or fragmented). */
  runEnd: boolean;
  /** The deleted file record whose content begins here, when one still does. */
  record: DeletedStart | null;
}

/** A carved archive read and judged; null when it is not one after all, or a package. */
async function readCarved(space: FreeSpace, c: Carve, opts: CarveOptions, stats: CarveStats, warnings: string[]): Promise<{ candidate: Candidate; carved: Record<string, unknown> } | null> {
  const name = `cluster-${c.lcn}`;
  const relPath = `${opts.volumeRel ? `${opts.volumeRel}/` : ''}$Unalloc/${name}`;
  const src = space.open(c.lcn, c.bytes);
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
    const found = archiveDetector(result, { ...ctx, os: 'windows', hotspot: null, hotspotWeight: 0, times })[0];
    if (!found) {
      stats.packages++;
      return null;
    }
    stats.carved++;
    const names: string[] = [];
    for (const r of result.records) if (r.type === 'archive-entry' && names.length < CARVED_NAMES) names.push(printable(r.name));
    const end = c.known ? `its end (${c.header.endFrom}) in the same free run` : c.runEnd ? 'its header says it ends past the free run: the rest was given to other files or lies elsewhere' : 'its end not known: carved to the next header or the end of the free run';
    const carved: Record<string, unknown> = {
      cluster: c.lcn,
      offset: c.lcn * space.clusterSize,
      bytes: c.bytes,
      end,
      ...(c.record ? { deletedRecord: { entry: c.record.entry, sequence: c.record.sequence, path: c.record.path } } : {}),
      ...(names.length > 0 ? { names } : {}),
      ...(result.corrupted ? { damaged: true } : {}),
      ...(result.warnings.length > 0 ? { warnings: result.warnings.slice(0, 5) } : {}),
    };
    const evidence = String((found.details as { evidence?: string } | undefined)?.evidence ?? summary.format);
    const where = `at cluster ${c.lcn} (byte ${c.lcn * space.clusterSize} of the volume), ${c.bytes} bytes`;
    found.kind = 'carved';
    const named = c.record ? `no file names it; deleted MFT record ${c.record.entry}${c.record.path ? ` (${printable(c.record.path, 200)})` : ''} still does` : 'no file or MFT record names it';
    found.hits.unshift({ rule: 'ntfs-archive-carved', message: `${evidence} in unallocated clusters ${where}; ${named}${result.corrupted ? ' (damaged: overwritten in part, or not contiguous)' : ''}` });
    found.details = {
      ...found.details,
      source: '$Bitmap',
      carved,
      life: `an archive whose file${c.record ? '' : ' and MFT record'} ${c.record ? 'is' : 'are'} gone, its content still in free clusters ${where}`,
      gone: [c.record ? 'the file' : 'the file and its MFT record'],
      remains: [`its content in unallocated clusters (carved from cluster ${c.lcn}, as blkcat reads them)`],
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

/** Entry names of a carved archive kept in `details.carved.names`. */
const CARVED_NAMES = 20;

async function hashCarved(src: ReturnType<FreeSpace['open']>, opts: CarveOptions, carved: Record<string, unknown>): Promise<void> {
  try {
    const steps = hashSteps(src, opts.hash!.algorithms, opts.hash!.maxSize);
    let step = steps.next();
    for (let n = 1; !step.done; n++, step = steps.next()) if (n % 64 === 0) await opts.yieldNow?.();
    const outcome = step.value;
    if (outcome.status !== 'hashed') carved.notHashed = `not read whole: ${outcome.message ?? outcome.status}`;
    else carved.hashes = outcome.hashes;
  } finally {
    src.close();
  }
}
