/**
 * Hashes of the files behind findings, for the case file and chain of custody (--hash).
 * Each file is reopened by its entry through the root's EvidenceFs (a mounted directory: by its
 * exact name bytes, read-only with O_NOATIME / O_NOFOLLOW, and only when it is still the very file
 * that was inspected, same device and inode; an image: by its entry id, so non-UTF-8 names hash
 * too), streamed in fixed chunks, never more than one chunk in memory; files over the size cap
 * are recorded as skipped.
 */
import { createHash, hash, type Hash } from 'node:crypto';
import { levelRank, type Finding, type Level } from '../model/finding.js';
import type { HashAlgorithm, HashRecord } from '../model/report.js';
import type { EvidenceFs, FsEntry } from '../evidence/fs.js';
import type { ByteSource } from '../util/byte-source.js';
import { compareCodeUnits, compareText, sortExactly } from '../util/compare.js';

/** The file system and entry a finding's file was inspected from, or null (not a file of a root). */
export type FileLocator = (root: string, relPath: string) => { fs: EvidenceFs; entry: FsEntry } | null;

export type HashMode = 'findings' | 'all' | 'none';
export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ['sha256', 'sha1', 'md5'];
/** Default cap: bigger files are listed as skipped (hashing a 100 GB container is a separate job). */
export const DEFAULT_HASH_MAX_SIZE = 4 * 1024 ** 3;
const CHUNK_BYTES = 1024 * 1024;
/**
 * One read buffer for every hashed file: hashing is synchronous and `update` copies, so it can be reused.
 * A fresh 1 MiB buffer per file made the garbage collector the cost of hashing many small findings.
 */
const HASH_BUFFER = Buffer.allocUnsafe(CHUNK_BYTES);
/** With --hash findings, findings at or above this level are hashed. */
export const HASH_MIN_LEVEL: Level = 'medium';

export interface HashOptions {
  mode: HashMode;
  algorithms: HashAlgorithm[];
  maxSize: number;
}

export function parseAlgorithms(list: string[]): HashAlgorithm[] {
  const out: HashAlgorithm[] = [];
  for (const raw of list.flatMap((s) => s.split(','))) {
    const a = raw.trim().toLowerCase().replace('-', '') as HashAlgorithm;
    if (!HASH_ALGORITHMS.includes(a)) throw new Error(`unknown hash algorithm '${raw}' (choose from ${HASH_ALGORITHMS.join(', ')})`);
    if (!out.includes(a)) out.push(a);
  }
  return out.length ? out : ['sha256'];
}

/** Parses a size such as 4G, 512M, 1000 into bytes; null when malformed. */
export function parseSize(text: string | number): number | null {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text);
  if (!m) return null;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.floor(Number(m[1]) * mult);
}

/** One chunk at `pos`: into the shared buffer when the source can fill it (a file), else a fresh read. */
function readChunk(src: ByteSource, pos: number): Buffer {
  if (src.readInto) return HASH_BUFFER.subarray(0, src.readInto(HASH_BUFFER, pos));
  return src.read(pos, CHUNK_BYTES);
}

/**
 * Streams a source through every requested digest, one chunk at a time (a file read to its end, even if it grew).
 * A read that returns less than a full chunk once the size seen at open is reached is the end (a regular file
 * returns short only there): most findings are smaller than a chunk, and the read that would return 0 after it
 * was a second system call per file. Such a file is hashed in one call per algorithm (crypto.hash, no Hash object).
 */
export function hashSource(src: ByteSource, algorithms: HashAlgorithm[], maxSize: number): Omit<HashRecord, 'root' | 'path'> {
  if (src.size > maxSize) return { size: src.size, status: 'skipped-size', hashes: {}, message: `larger than the --hash-max-size cap of ${maxSize} bytes` };
  try {
    const first = readChunk(src, 0);
    if (first.length < CHUNK_BYTES && first.length >= src.size) {
      const hashes: Partial<Record<HashAlgorithm, string>> = {};
      for (const a of algorithms) hashes[a] = hash(a, first, 'hex');
      return sizedRecord(src, first.length, hashes);
    }
    const digests: Array<[HashAlgorithm, Hash]> = algorithms.map((a) => [a, createHash(a)]);
    let pos = 0;
    for (let b = first; b.length > 0; b = readChunk(src, pos)) {
      for (const [, d] of digests) d.update(b);
      pos += b.length;
      if (b.length < CHUNK_BYTES && pos >= src.size) break;
    }
    return sizedRecord(src, pos, Object.fromEntries(digests.map(([a, d]) => [a, d.digest('hex')])));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { size: src.size, status: 'error', hashes: {}, message: e.code ? `${e.code}: ${e.message}` : e.message };
  }
}

/** A hashed record of `read` bytes, with a message when that is not the size seen at open. */
function sizedRecord(src: ByteSource, read: number, hashes: HashRecord['hashes']): Omit<HashRecord, 'root' | 'path'> {
  if (read === src.size) return { size: read, status: 'hashed', hashes };
  const message = src.readInto ? `file size changed while hashing (${src.size} -> ${read} bytes)` : `only ${read} of ${src.size} bytes could be read`;
  return { size: read, status: 'hashed', hashes, message };
}

/** Reopens a finding's file by its entry and hashes it. */
function hashEntry(fs: EvidenceFs, entry: FsEntry, opts: HashOptions): Omit<HashRecord, 'root' | 'path'> {
  let src;
  try {
    src = fs.open(entry);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { size: null, status: 'error', hashes: {}, message: `${e.code ?? 'ERROR'}: ${e.message}` };
  }
  try {
    return hashSource(src, opts.algorithms, opts.maxSize);
  } finally {
    src.close();
  }
}

function wanted(f: Finding, mode: HashMode): boolean {
  if (mode === 'none' || f.kind === 'directory') return false;
  return mode === 'all' || levelRank(f.level) >= levelRank(HASH_MIN_LEVEL);
}

/**
 * Hashes each distinct file behind the selected findings once, sets `finding.hashes`, and
 * returns the custody records sorted by root and path.
 */
export function hashFindings(findings: Finding[], locate: FileLocator, opts: HashOptions): HashRecord[] {
  const records = new Map<string, HashRecord>();
  for (const f of findings) {
    if (!wanted(f, opts.mode)) continue;
    const key = `${f.root}\u0000${f.path}`;
    let rec = records.get(key);
    if (!rec) {
      const where = locate(f.root, f.path);
      if (!where) continue; // evidence without an inspected file in a root (the live registry)
      rec = { root: f.root, path: f.path, ...hashEntry(where.fs, where.entry, opts) };
      records.set(key, rec);
    }
    // The record's own digests, shared (no writer changes them): a copy per finding was 29,000 objects on the findings-heavy tree.
    if (rec.status === 'hashed') f.hashes = rec.hashes;
  }
  // Collation order, computed on code units and checked (util/compare.ts).
  return sortExactly([...records.values()], (a, b) => compareCodeUnits(a.root, b.root) || compareCodeUnits(a.path, b.path), (a, b) => compareText(a.root, b.root) || compareText(a.path, b.path));
}
