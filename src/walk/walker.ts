/**
 * The walker: a synchronous, depth-first walk that yields one directory listing at a time.
 * Sync calls because per-file thread-pool hand-offs, not disk I/O, dominate on 2 cores
 * (docs/performance.md). It never follows symlinks, never opens special files, stays on
 * the root's device unless told otherwise, handles non-UTF-8 names (Buffer paths) and
 * records every error instead of stopping.
 */
import { Dirent, lstatSync, readdirSync, readlinkSync, Stats } from 'node:fs';
import { decodeName } from '../util/text.js';
import { ANCHOR_AFTER_BYTES, ANCHOR_AFTER_LEVELS, byteLength, HANDLES_AVAILABLE, joinFsPath, openAnchor, releaseAnchor, retainAnchor, type Anchor } from '../evidence/paths.js';
import { LIMITS } from '../util/limits.js';
import type { DirEntryInfo } from '../model/evidence.js';

/** A path usable with node:fs: a string when every component is valid UTF-8, else a Buffer. */
export type FsPath = string | Buffer;

export interface WalkFile {
  abs: FsPath;
  /** Display path relative to the root, '/'-separated: invalid bytes as \xNN, a backslash as \\ (util/text.ts decodeName). */
  rel: string;
  name: string;
  stat: Stats;
}

export interface DirListing {
  abs: FsPath;
  rel: string;
  depth: number;
  files: WalkFile[];
  /** Every entry (files, dirs, others) for pairing and burst analysis. */
  entries: DirEntryInfo[];
}

export interface WalkIssue {
  path: string;
  /** `note`: read normally, but the analyst should know (a file with several hard links). */
  op: 'readdir' | 'lstat' | 'open' | 'read' | 'skip' | 'parse' | 'note';
  code: string;
  message: string;
}

export interface WalkStats {
  directories: number;
  files: number;
  symlinksSkipped: number;
  specialSkipped: number;
  otherDeviceSkipped: number;
}

/** The child's path: text while every name is plain UTF-8, else exact bytes. */
function join(dir: FsPath, name: Buffer, display: string): FsPath {
  return joinFsPath(dir, typeof dir === 'string' && display === name.toString('utf8') ? display : name);
}

/** ' (-> target)' for the report, bounded and escaped later by the writers; '' when unreadable. */
function linkTarget(abs: FsPath): string {
  try {
    const target = readlinkSync(abs, { encoding: 'buffer' });
    return ` (-> ${decodeName(target.subarray(0, 1024))})`;
  } catch {
    return '';
  }
}

function relJoin(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

function specialKind(d: Dirent<Buffer>): string | null {
  if (d.isFIFO()) return 'FIFO';
  if (d.isSocket()) return 'socket';
  if (d.isCharacterDevice()) return 'character device';
  if (d.isBlockDevice()) return 'block device';
  return null;
}

export interface WalkOptions {
  /** Device id of the root; directories on other devices are not entered unless crossMounts. */
  rootDev: number;
  crossMounts: boolean;
  issues: WalkIssue[];
  stats: WalkStats;
  /** Called to decide whether to descend into a directory (e.g. hotspot scope); default yes. */
  shouldDescend?(rel: string): boolean;
}

/**
 * A file with more than one hard link: another name for the same bytes may lie outside the
 * root (or elsewhere in it), so the content was not necessarily put here.
 */
export function hardLinkNote(nlink: number): string {
  return `${nlink} hard links to this file: the same content also has another name, possibly outside the evidence root`;
}

export function recordIssue(issues: WalkIssue[], issue: WalkIssue): void {
  if (issues.length < 100_000) issues.push(issue);
}

function errInfo(err: unknown): { code: string; message: string } {
  const e = err as NodeJS.ErrnoException;
  return { code: e.code ?? 'ERROR', message: e.message?.replace(/^[A-Z]+: /, '') ?? String(err) };
}

interface PendingDir {
  abs: FsPath;
  rel: string;
  depth: number;
  /** The directory handle `abs` goes through (deep trees), or null for an ordinary path. */
  anchor: Anchor | null;
  /** Levels below the handle (or the start). */
  levels: number;
}

/**
 * Walks the tree under `startAbs` (display path `startRel`), yielding each directory's listing.
 * A listing's paths stay valid until the next one is requested (deep paths go through directory
 * handles that are closed once nothing pending refers to them).
 */
export function* walkDirectories(startAbs: FsPath, startRel: string, opts: WalkOptions): Generator<DirListing> {
  const stack: PendingDir[] = [{ abs: startAbs, rel: startRel, depth: 0, anchor: null, levels: 0 }];
  try {
    while (stack.length > 0) {
      const dir = stack.pop()!;
      let anchor = dir.anchor;
      let base = dir.abs;
      let levels = dir.levels;
      try {
        // Past PATH_MAX the kernel refuses the path: continue from a handle on this directory.
        if (HANDLES_AVAILABLE && (byteLength(base) > ANCHOR_AFTER_BYTES || levels > ANCHOR_AFTER_LEVELS)) {
          const next = openAnchor(base);
          releaseAnchor(anchor);
          anchor = next;
          base = next.prefix;
          levels = 0;
        }
      } catch (err) {
        const info = errInfo(err);
        recordIssue(opts.issues, { path: dir.rel, op: 'readdir', ...info, message: `${info.message}; subtree at depth ${dir.depth} not walked` });
        releaseAnchor(anchor);
        continue;
      }
      let dirents: Dirent<Buffer>[];
      try {
        dirents = readdirSync(base, { encoding: 'buffer', withFileTypes: true });
      } catch (err) {
        const info = errInfo(err);
        recordIssue(opts.issues, { path: dir.rel, op: 'readdir', ...info, message: dir.depth > 0 ? `${info.message}; subtree at depth ${dir.depth} not walked` : info.message });
        releaseAnchor(anchor);
        continue;
      }
      opts.stats.directories++;
      const listing: DirListing = { abs: base, rel: dir.rel, depth: dir.depth, files: [], entries: [] };
      const subdirs: PendingDir[] = [];
      // Sorted by raw bytes so output order never depends on the file system's directory order.
      dirents.sort((a, b) => Buffer.compare(a.name, b.name));
      for (const d of dirents) {
        const name = decodeName(d.name);
        const abs = join(base, d.name, name);
        const rel = relJoin(dir.rel, name);
        if (d.isSymbolicLink()) {
          opts.stats.symlinksSkipped++;
          recordIssue(opts.issues, { path: rel, op: 'skip', code: 'ESYMLINK', message: `symbolic link not followed${linkTarget(abs)}` });
          listing.entries.push({ name, isDirectory: false, size: 0 });
          continue;
        }
        const special = specialKind(d);
        if (special) {
          opts.stats.specialSkipped++;
          recordIssue(opts.issues, { path: rel, op: 'skip', code: 'ESPECIAL', message: `${special} not opened` });
          listing.entries.push({ name, isDirectory: false, size: 0 });
          continue;
        }
        let st: Stats;
        try {
          st = lstatSync(abs);
        } catch (err) {
          recordIssue(opts.issues, { path: rel, op: 'lstat', ...errInfo(err) });
          continue;
        }
        if (st.isDirectory()) {
          listing.entries.push({ name, isDirectory: true, size: 0 });
          if (st.dev !== opts.rootDev && !opts.crossMounts) {
            opts.stats.otherDeviceSkipped++;
            recordIssue(opts.issues, { path: rel, op: 'skip', code: 'EXDEV', message: 'another file system mounted here; not entered (use --cross-mounts)' });
            continue;
          }
          if (dir.depth + 1 > LIMITS.maxWalkDepth) {
            recordIssue(opts.issues, { path: rel, op: 'skip', code: 'EDEPTH', message: `nesting deeper than ${LIMITS.maxWalkDepth} levels not entered (subtree at depth ${dir.depth + 1})` });
            continue;
          }
          if (rel.length > LIMITS.maxPathChars) {
            recordIssue(opts.issues, { path: rel.slice(0, 1024), op: 'skip', code: 'ENAMETOOLONG', message: `path longer than ${LIMITS.maxPathChars} characters; subtree at depth ${dir.depth + 1} not entered` });
            continue;
          }
          if (!opts.shouldDescend || opts.shouldDescend(rel)) {
            retainAnchor(anchor);
            subdirs.push({ abs, rel, depth: dir.depth + 1, anchor, levels: levels + 1 });
          }
        } else if (st.isFile()) {
          opts.stats.files++;
          listing.entries.push({ name, isDirectory: false, size: st.size });
          listing.files.push({ abs, rel, name, stat: st });
        } else {
          // Changed type between readdir and lstat (a race, or an exotic type).
          opts.stats.specialSkipped++;
          recordIssue(opts.issues, { path: rel, op: 'skip', code: 'ESPECIAL', message: 'not a regular file; not opened' });
        }
      }
      // Reverse so the walk visits subdirectories in sorted order.
      for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
      try {
        yield listing;
      } finally {
        releaseAnchor(anchor);
      }
    }
  } finally {
    // Abandoned early: close every handle still held by pending directories.
    for (const pending of stack) releaseAnchor(pending.anchor);
  }
}

/** lstat of a single file path for the artifact list; null (and an issue) when it fails. */
export function statFile(abs: FsPath, rel: string, issues: WalkIssue[]): Stats | null {
  try {
    const st = lstatSync(abs);
    return st.isFile() ? st : null;
  } catch (err) {
    recordIssue(issues, { path: rel, op: 'lstat', ...errInfo(err) });
    return null;
  }
}
