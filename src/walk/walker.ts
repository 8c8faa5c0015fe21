/**
 * The walker: a synchronous, depth-first walk that yields one directory listing at a time.
 * Sync calls because per-file thread-pool hand-offs, not disk I/O, dominate on 2 cores
 * (docs/performance.md). It never follows symlinks, never opens special files, stays on
 * the root's device unless told otherwise, handles non-UTF-8 names (Buffer paths) and
 * records every error instead of stopping.
 */
import { Dirent, lstatSync, readdirSync, readlinkSync, Stats } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { decodeName } from '../util/text.js';
import { LIMITS } from '../util/limits.js';
import type { DirEntryInfo } from '../model/evidence.js';

/** A path usable with node:fs: a string when every component is valid UTF-8, else a Buffer. */
export type FsPath = string | Buffer;

export interface WalkFile {
  abs: FsPath;
  /** Display path relative to the root, '/'-separated, invalid bytes as \xNN. */
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
  op: 'readdir' | 'lstat' | 'open' | 'read' | 'skip' | 'parse';
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

function join(dir: FsPath, name: Buffer, nameIsUtf8: boolean): FsPath {
  if (typeof dir === 'string' && nameIsUtf8) return dir.endsWith('/') ? dir + name.toString('utf8') : `${dir}/${name.toString('utf8')}`;
  const dirBuf = typeof dir === 'string' ? Buffer.from(dir, 'utf8') : dir;
  return Buffer.concat([dirBuf, dirBuf[dirBuf.length - 1] === 0x2f ? Buffer.alloc(0) : Buffer.from('/'), name]);
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

export function recordIssue(issues: WalkIssue[], issue: WalkIssue): void {
  if (issues.length < 100_000) issues.push(issue);
}

function errInfo(err: unknown): { code: string; message: string } {
  const e = err as NodeJS.ErrnoException;
  return { code: e.code ?? 'ERROR', message: e.message?.replace(/^[A-Z]+: /, '') ?? String(err) };
}

/** Walks the tree under `startAbs` (display path `startRel`), yielding each directory's listing. */
export function* walkDirectories(startAbs: FsPath, startRel: string, opts: WalkOptions): Generator<DirListing> {
  const stack: { abs: FsPath; rel: string; depth: number }[] = [{ abs: startAbs, rel: startRel, depth: 0 }];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let dirents: Dirent<Buffer>[];
    try {
      dirents = readdirSync(dir.abs, { encoding: 'buffer', withFileTypes: true });
    } catch (err) {
      recordIssue(opts.issues, { path: dir.rel, op: 'readdir', ...errInfo(err) });
      continue;
    }
    opts.stats.directories++;
    const listing: DirListing = { abs: dir.abs, rel: dir.rel, depth: dir.depth, files: [], entries: [] };
    const subdirs: { abs: FsPath; rel: string; depth: number }[] = [];
    // Sorted by raw bytes so output order never depends on the file system's directory order.
    dirents.sort((a, b) => Buffer.compare(a.name, b.name));
    for (const d of dirents) {
      const utf8 = isUtf8(d.name);
      const name = utf8 ? d.name.toString('utf8') : decodeName(d.name);
      const abs = join(dir.abs, d.name, utf8);
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
          recordIssue(opts.issues, { path: rel, op: 'skip', code: 'EDEPTH', message: `nesting deeper than ${LIMITS.maxWalkDepth} levels not entered` });
          continue;
        }
        if (!opts.shouldDescend || opts.shouldDescend(rel)) subdirs.push({ abs, rel, depth: dir.depth + 1 });
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
    yield listing;
    // Reverse so the walk visits subdirectories in sorted order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
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
