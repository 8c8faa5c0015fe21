/**
 * Hashes of the files behind findings, for the case file and chain of custody (--hash). A file the
 * read-ahead worker hashed during the walk (evidence/read-ahead.ts) gives its outcome; any other
 * file is reopened by its entry through the root's EvidenceFs (a mounted directory: by its
 * exact name bytes, read-only with O_NOATIME / O_NOFOLLOW, and only when it is still the very file
 * that was inspected, same device and inode; an image: by its entry id, so non-UTF-8 names hash
 * too), streamed in fixed chunks, never more than one chunk in memory; files over the size cap
 * are recorded as skipped.
 */
import { levelRank, type Finding, type Level } from '../model/finding.js';
import type { HashAlgorithm, HashRecord } from '../model/report.js';
import type { EvidenceFs, FsEntry } from '../evidence/fs.js';
import { hashSteps, type HashOutcome } from '../evidence/hash-source.js';
import { EventLoopTurns, TURN_EVERY_MS } from '../util/event-loop.js';
import { compareCodeUnits, compareText, sortExactly } from '../util/compare.js';

/** The file system and entry a finding's file was inspected from, or null (not a file of a root). */
export type FileLocator = (root: string, relPath: string) => { fs: EvidenceFs; entry: FsEntry } | null;

export type HashMode = 'findings' | 'all' | 'none';
export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ['sha256', 'sha1', 'md5'];
/** Default cap: bigger files are listed as skipped (hashing a 100 GB container is a separate job). */
export const DEFAULT_HASH_MAX_SIZE = 4 * 1024 ** 3;
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

/** Reopens a finding's file by its entry and hashes it, turning the event loop when one is due. */
async function hashEntry(fs: EvidenceFs, entry: FsEntry, opts: HashOptions, turns: EventLoopTurns): Promise<HashOutcome> {
  let src;
  try {
    src = fs.open(entry);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { size: null, status: 'error', hashes: {}, message: `${e.code ?? 'ERROR'}: ${e.message}` };
  }
  try {
    const steps = hashSteps(src, opts.algorithms, opts.maxSize);
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done) return step.value;
      await turns.whenDue();
    }
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
export async function hashFindings(findings: Finding[], locate: FileLocator, opts: HashOptions): Promise<HashRecord[]> {
  const records = new Map<string, HashRecord>();
  // Turns of the event loop between files and between the 1 MiB chunks of a large one: Ctrl-C stops a scan that hashes a file of gigabytes.
  const turns = new EventLoopTurns(TURN_EVERY_MS);
  for (const f of findings) {
    if (!wanted(f, opts.mode)) continue;
    const key = `${f.root}\u0000${f.path}`;
    let rec = records.get(key);
    if (!rec) {
      const where = locate(f.root, f.path);
      if (!where) continue; // evidence without an inspected file in a root (the live registry)
      // Hashed during the walk by the read-ahead worker, or reopened now.
      rec = { root: f.root, path: f.path, ...(where.fs.takeHashedAhead?.(where.entry) ?? (await hashEntry(where.fs, where.entry, opts, turns))) };
      records.set(key, rec);
      await turns.whenDue();
    }
    // The record's own digests, shared (no writer changes them): a copy per finding was 29,000 objects on the findings-heavy tree.
    if (rec.status === 'hashed') f.hashes = rec.hashes;
  }
  // Collation order, computed on code units and checked (util/compare.ts).
  return sortExactly([...records.values()], (a, b) => compareCodeUnits(a.root, b.root) || compareCodeUnits(a.path, b.path), (a, b) => compareText(a.root, b.root) || compareText(a.path, b.path));
}
