/**
 * The walker: a synchronous, depth-first walk over an EvidenceFs that yields one directory listing
 * at a time. Sync calls because per-file thread-pool hand-offs, not disk I/O, dominate on 2 cores
 * (docs/performance.md). The safeguards of reading live in the EvidenceFs (src/evidence/: lstat
 * only, no special files opened, directory handles past PATH_MAX, other devices flagged); the
 * walker decides what to enter and records every skip and error instead of stopping.
 */
import { compactListing, type CompactListing, type EvidenceFs, type FsEntry } from '../evidence/fs.js';
import { LIMITS } from '../util/limits.js';
import type { DirEntryInfo } from '../model/evidence.js';

export interface WalkFile {
  entry: FsEntry;
  /** Display path relative to the root, '/'-separated: invalid bytes as \xNN, a backslash as \\ (util/text.ts decodeName). */
  relPath: string;
  name: string;
}

/**
 * The regular files of one listed directory, in listing order, by index: a file's `WalkFile` (and
 * its `FsEntry`) is built when asked, so a folder of 100,000 files holds their names and
 * numbers, not 100,000 entries (docs/performance.md "One large directory").
 */
export class WalkFiles implements Iterable<WalkFile> {
  /** Index in the listing of each file, in order. */
  private readonly at: number[] = [];

  constructor(
    private readonly listing: CompactListing,
    private readonly relDir: string,
  ) {}

  /** @internal the walker adds the listing's `index`-th entry. */
  add(index: number): void {
    this.at.push(index);
  }

  get length(): number {
    return this.at.length;
  }

  name(i: number): string {
    return this.listing.name(this.at[i]!);
  }

  relPath(i: number): string {
    return relJoin(this.relDir, this.name(i));
  }

  /** The i-th file, built anew on each call. */
  file(i: number): WalkFile {
    if (i < 0 || i >= this.at.length) throw new RangeError(`file ${i} of ${this.at.length}`);
    const index = this.at[i]!;
    const name = this.listing.name(index);
    return { entry: this.listing.entry(index), relPath: relJoin(this.relDir, name), name };
  }

  /** Files `from` to `to` (exclusive), built. */
  slice(from: number, to: number = this.at.length): WalkFile[] {
    const out: WalkFile[] = [];
    for (let i = Math.max(0, from); i < Math.min(to, this.at.length); i++) out.push(this.file(i));
    return out;
  }

  *[Symbol.iterator](): Iterator<WalkFile> {
    for (let i = 0; i < this.at.length; i++) yield this.file(i);
  }
}

export interface DirListing {
  /** The directory listed. */
  dir: FsEntry;
  relDir: string;
  depth: number;
  /** Its regular files, built one at a time when iterated. */
  files: WalkFiles;
  /** Every live entry (files, dirs, others) for pairing and burst analysis. */
  entries: DirEntryInfo[];
  /** Some entries could not be listed (over the limit, or lstat failed): `files` may not be every file the directory holds. */
  partial: boolean;
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

export interface WalkOptions {
  /** Enter directories on other devices (mount points inside a mounted root). */
  crossMounts: boolean;
  issues: WalkIssue[];
  stats: WalkStats;
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

function relJoin(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

interface PendingDir {
  dir: FsEntry;
  relDir: string;
  depth: number;
}

/**
 * Walks the tree under `start` (display path `startRel`), yielding each directory's listing in
 * sorted order. Deleted entries (image file systems) are not walked, and no directory is entered twice.
 */
export function* walkDirectories(fs: EvidenceFs, start: FsEntry, startRel: string, opts: WalkOptions): Generator<DirListing> {
  const stack: PendingDir[] = [{ dir: start, relDir: startRel, depth: 0 }];
  // A damaged image (or a bind mount) can hold a directory inside itself: each directory is entered once.
  const entered = new Set<string>([start.id]);
  while (stack.length > 0) {
    const { dir, relDir, depth } = stack.pop()!;
    // Regular files without lstat: each is opened once, right after this listing, and its open's fstat gives the numbers.
    const listed = compactListing(fs, dir, { deferFileStats: true });
    if (listed.error) {
      const { code, message } = listed.error;
      recordIssue(opts.issues, { path: relDir, op: 'readdir', code, message: depth > 0 ? `${message}; subtree at depth ${depth} not walked` : message });
      continue;
    }
    opts.stats.directories++;
    for (const u of listed.unreadable ?? []) recordIssue(opts.issues, { path: relJoin(relDir, u.name), op: 'lstat', code: u.code, message: u.message });
    if (listed.truncated) recordIssue(opts.issues, { path: relDir, op: 'readdir', code: 'ELIMIT', message: `more than ${listed.listedCount} entries; the rest not walked` });
    const listing: DirListing = { dir, relDir, depth, files: new WalkFiles(listed, relDir), entries: [], partial: listed.truncated || (listed.unreadable?.length ?? 0) > 0 };
    const subdirs: PendingDir[] = [];
    for (let i = 0; i < listed.count; i++) {
      const name = listed.name(i);
      const type = listed.type(i);
      if (type === 'file') {
        // A regular file: its entry is built when the scan inspects it.
        opts.stats.files++;
        listing.entries.push({ name, isDirectory: false });
        listing.files.add(i);
        continue;
      }
      const e = listed.entry(i);
      const relPath = relJoin(relDir, name);
      if (e.type === 'symlink') {
        opts.stats.symlinksSkipped++;
        recordIssue(opts.issues, { path: relPath, op: 'skip', code: 'ESYMLINK', message: `symbolic link not followed${e.linkTarget !== undefined ? ` (-> ${e.linkTarget})` : ''}` });
        listing.entries.push({ name, isDirectory: false });
      } else if (e.type === 'other') {
        opts.stats.specialSkipped++;
        recordIssue(opts.issues, { path: relPath, op: 'skip', code: 'ESPECIAL', message: e.special ? `${e.special} not opened` : 'not a regular file; not opened' });
        listing.entries.push({ name, isDirectory: false });
      } else if (e.type === 'directory') {
        listing.entries.push({ name, isDirectory: true });
        if (e.otherDevice && !opts.crossMounts) {
          opts.stats.otherDeviceSkipped++;
          recordIssue(opts.issues, { path: relPath, op: 'skip', code: 'EXDEV', message: 'another file system mounted here; not entered (use --cross-mounts)' });
          continue;
        }
        if (depth + 1 > LIMITS.maxWalkDepth) {
          recordIssue(opts.issues, { path: relPath, op: 'skip', code: 'EDEPTH', message: `nesting deeper than ${LIMITS.maxWalkDepth} levels not entered (subtree at depth ${depth + 1})` });
          continue;
        }
        if (relPath.length > LIMITS.maxPathChars) {
          recordIssue(opts.issues, { path: relPath.slice(0, 1024), op: 'skip', code: 'ENAMETOOLONG', message: `path longer than ${LIMITS.maxPathChars} characters; subtree at depth ${depth + 1} not entered` });
          continue;
        }
        if (entered.has(e.id)) {
          recordIssue(opts.issues, { path: relPath, op: 'skip', code: 'ELOOP', message: `directory ${e.id} already walked (a loop); not entered again` });
          continue;
        }
        entered.add(e.id);
        subdirs.push({ dir: e, relDir: relPath, depth: depth + 1 });
      }
    }
    // Reverse so the walk visits subdirectories in sorted order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
    try {
      yield listing;
    } finally {
      listed.release?.();
    }
  }
}
