/**
 * Hashes of the files behind findings, for the case file and chain of custody (--hash).
 * Streamed in fixed chunks through the read-only evidence reader (O_NOATIME, O_NOFOLLOW),
 * never more than one chunk in memory; files over the size cap are recorded as skipped.
 * Each file is reopened by its exact name bytes (display paths escape them injectively) and
 * must be the very file that was inspected (same device and inode), else it is not hashed.
 */
import { createHash, type Hash } from 'node:crypto';
import { readSync } from 'node:fs';
import { levelRank, type Finding, type Level } from '../model/finding.js';
import type { HashAlgorithm, HashRecord } from '../model/report.js';
import { openEvidenceFile, type AtimeAudit } from '../evidence/reader.js';
import { reachablePath } from '../evidence/paths.js';
import type { FsPath } from '../walk/walker.js';

/** Which file an inspected path was: device and inode from the open that read it. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/** The root directory and recorded identity of a finding's file, or null (not a file of a root). */
export type FileLocator = (root: string, rel: string) => { rootAbs: string; identity: FileIdentity } | null;
import type { OpenedSource } from '../evidence/fs.js';
import type { ByteSource } from '../util/byte-source.js';

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

/** Streams a source (a file inside a disk image) through every requested digest, one chunk at a time. */
export function hashSource(src: ByteSource, algorithms: HashAlgorithm[], maxSize: number): Omit<HashRecord, 'root' | 'path'> {
  if (src.size > maxSize) return { size: src.size, status: 'skipped-size', hashes: {}, message: `larger than the --hash-max-size cap of ${maxSize} bytes` };
  try {
    const digests: Array<[HashAlgorithm, Hash]> = algorithms.map((a) => [a, createHash(a)]);
    let pos = 0;
    while (pos < src.size) {
      const b = src.read(pos, CHUNK_BYTES);
      if (b.length === 0) break;
      for (const [, d] of digests) d.update(b);
      pos += b.length;
    }
    const hashes = Object.fromEntries(digests.map(([a, d]) => [a, d.digest('hex')]));
    return pos === src.size ? { size: pos, status: 'hashed', hashes } : { size: pos, status: 'hashed', hashes, message: `only ${pos} of ${src.size} bytes could be read` };
  } catch (err) {
    return { size: src.size, status: 'error', hashes: {}, message: (err as Error).message };
  }
}

/** Streams one evidence file through every requested digest. */
export function hashFile(abs: FsPath, rel: string, algorithms: HashAlgorithm[], maxSize: number, audit: AtimeAudit, expected?: FileIdentity): Omit<HashRecord, 'root' | 'path'> {
  let opened;
  try {
    opened = openEvidenceFile(abs, rel, audit);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { size: null, status: 'error', hashes: {}, message: `${e.code ?? 'ERROR'}: ${e.message}` };
  }
  try {
    if (expected && (opened.dev !== expected.dev || opened.ino !== expected.ino))
      return { size: null, status: 'error', hashes: {}, message: 'EIDENTITY: the file at this path is not the one inspected (replaced since); not hashed' };
    if (opened.size > maxSize) return { size: opened.size, status: 'skipped-size', hashes: {}, message: `larger than the --hash-max-size cap of ${maxSize} bytes` };
    const digests: Array<[HashAlgorithm, Hash]> = algorithms.map((a) => [a, createHash(a)]);
    const buf = HASH_BUFFER;
    let pos = 0;
    for (;;) {
      const n = readSync(opened.fd, buf, 0, CHUNK_BYTES, pos);
      if (n === 0) break;
      for (const [, d] of digests) d.update(buf.subarray(0, n));
      pos += n;
    }
    const hashes = Object.fromEntries(digests.map(([a, d]) => [a, d.digest('hex')]));
    return pos === opened.size ? { size: pos, status: 'hashed', hashes } : { size: pos, status: 'hashed', hashes, message: `file size changed while hashing (${opened.size} -> ${pos} bytes)` };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { size: opened.size, status: 'error', hashes: {}, message: `${e.code ?? 'ERROR'}: ${e.message}` };
  } finally {
    opened.close();
  }
}

/** Reopens `rel` under the root by its exact bytes (through directory handles past PATH_MAX) and hashes it. */
function hashAt(rootAbs: string, rel: string, identity: FileIdentity, opts: HashOptions, audit: AtimeAudit): Omit<HashRecord, 'root' | 'path'> {
  let reach;
  try {
    reach = reachablePath(rootAbs, rel);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { size: null, status: 'error', hashes: {}, message: `${e.code ?? 'ERROR'}: ${e.message}` };
  }
  try {
    return hashFile(reach.path, rel, opts.algorithms, opts.maxSize, audit, identity);
  } finally {
    reach.release();
  }
}

function wanted(f: Finding, mode: HashMode): boolean {
  if (mode === 'none' || f.kind === 'directory') return false;
  return mode === 'all' || levelRank(f.level) >= levelRank(HASH_MIN_LEVEL);
}

/**
 * Hashes each distinct file behind the selected findings once, sets `finding.hashes`, and
 * returns the custody records sorted by root and path. `rootAbs` maps a finding's root (as
 * given) to its absolute directory.
 */
export function hashFindings(
  findings: Finding[],
  locate: FileLocator,
  opts: HashOptions,
  audit: AtimeAudit,
  /** Roots inside disk images: the file behind a finding, reopened by its entry (not by name). */
  openInImage?: (root: string, rel: string) => OpenedSource | null,
): HashRecord[] {
  const records = new Map<string, HashRecord>();
  for (const f of findings) {
    if (!wanted(f, opts.mode)) continue;
    const key = `${f.root}\u0000${f.path}`;
    let rec = records.get(key);
    if (!rec) {
      const where = locate(f.root, f.path);
      if (!where) {
        const src = openInImage?.(f.root, f.path);
        if (!src) continue; // evidence without an inspected file in a root (the live registry)
        try {
          rec = { root: f.root, path: f.path, ...hashSource(src, opts.algorithms, opts.maxSize) };
        } finally {
          src.close();
        }
        records.set(key, rec);
        if (rec.status === 'hashed') f.hashes = { ...rec.hashes };
        continue;
      }
      rec = { root: f.root, path: f.path, ...hashAt(where.rootAbs, f.path, where.identity, opts, audit) };
      records.set(key, rec);
    }
    if (rec.status === 'hashed') f.hashes = { ...rec.hashes };
  }
  return [...records.values()].sort((a, b) => a.root.localeCompare(b.root) || a.path.localeCompare(b.path));
}
