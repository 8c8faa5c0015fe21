/**
 * EvidenceFs over a mounted directory (or a live file system), holding every safeguard the
 * directory scan relies on: lstat only (a symlink is listed as a link, never followed; its target
 * is read for display), special files listed as 'other' and never opened, directories on another
 * device listed but not entered (unless crossMounts), files opened read-only with O_NOATIME /
 * O_NOFOLLOW / O_NONBLOCK, checked by fstat to be a regular file and to be the very file that was
 * listed (device and inode), names that are not UTF-8 kept as exact bytes (Buffer paths), paths
 * longer than PATH_MAX reached through directory handles (paths.ts), and errors returned with the
 * listing instead of thrown.
 */
import { fstatSync, lstatSync, readdirSync, readlinkSync, realpathSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { lookupPath, warn, type EvidenceFs, type FsEntry, type FsEntryType, type FsListing, type FsTime, type OpenedSource } from './fs.js';
import { openEvidenceFile, type AtimeAudit, type OpenedFile } from './reader.js';
import { ANCHOR_AFTER_BYTES, ANCHOR_AFTER_LEVELS, byteLength, HANDLES_AVAILABLE, joinFsPath, openAnchor, reachablePath, releaseAnchor, type Anchor, type FsPath } from './paths.js';
import { decodeName } from '../util/text.js';
import { checkComponents, type PathProblem } from './components.js';

/**
 * Entries listed per directory. The walk holds a folder whole (its files are paired and its burst
 * measured together), so this only stops a folder that could not be held anyway.
 */
export const MAX_DIRECTORY_LISTING = 5_000_000;
/** Entries held in the lookup indexes of recently looked-up directories (a few tens of MB at most). */
const MAX_INDEXED_ENTRIES = 200_000;
/** A mounted directory exposes no named streams: one frozen empty list for every entry instead of one each. */
const NO_STREAMS: FsEntry['streams'] = Object.freeze([]);
/** Directory handles kept open for deep paths; older ones are closed and their paths rebuilt when needed. */
const MAX_OPEN_ANCHORS = 64;

/** An opened file and its index in DirectoryFs.opened (-1 once closed). */
interface OpenSlot {
  file: OpenedFile;
  at: number;
}

/** Where an entry is on the host: its path (through a handle when deep) and the levels below that handle. */
interface HostLocation {
  path: FsPath;
  anchor: Anchor | null;
  levels: number;
}

/**
 * A HostLocation as kept per entry: the directory's host path and the entry's name, joined only
 * when the entry is used. A joined path per entry stayed alive as long as the listing did (a folder
 * of 100,000 files held 100,000 host paths); entries whose host name is their display name share
 * one KeptLocation per listing.
 */
interface KeptLocation {
  /** The DirectoryFs that listed the entry: another one rebuilds the location from the display path. */
  owner: DirectoryFs;
  dir: FsPath;
  /** The host name in `dir`; undefined: the entry's own name; null: the location is `dir` itself (the root). */
  name?: FsPath | null;
  anchor: Anchor | null;
  levels: number;
}

/**
 * The KeptLocation of an entry, kept on the entry under a symbol (JSON, Object.keys and the
 * structured clone of postMessage do not see it): a WeakMap entry per listed file cost its
 * ephemeron write barrier and GC work, about 1.3 % of a scan's CPU (docs/performance.md).
 */
const HOST_LOCATION = Symbol('host location');
type LocatedEntry = FsEntry & { [HOST_LOCATION]?: KeptLocation };

/** Times from lstat's milliseconds (number stats: bigint lstat costs more than the sub-microsecond digits are worth here). */
function msTime(ms: number): FsTime {
  const sec = Math.floor(ms / 1000);
  const rem = ms - sec * 1000; // exact: both terms are close doubles
  const whole = Math.floor(rem);
  // Whole milliseconds kept exactly (fsTimeMs gives back those of the Stats), the rest to the nanosecond double precision allows.
  return { sec, nsec: whole * 1_000_000 + Math.min(999_999, Math.round((rem - whole) * 1e6)) };
}

function typeOf(st: Stats | Dirent<Buffer>): FsEntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

function specialKind(d: Stats | Dirent<Buffer>): string | undefined {
  if (d.isFIFO()) return 'FIFO';
  if (d.isSocket()) return 'socket';
  if (d.isCharacterDevice()) return 'character device';
  if (d.isBlockDevice()) return 'block device';
  return undefined;
}

function errInfo(err: unknown): { code: string; message: string } {
  const e = err as NodeJS.ErrnoException;
  return { code: e.code ?? 'ERROR', message: e.message?.replace(/^[A-Z]+: /, '') ?? String(err) };
}

export class DirectoryFs implements EvidenceFs {
  readonly kind = 'directory';
  readonly warnings: string[] = [];
  readonly abs: string;
  /** The root's device: directories elsewhere are mount points. */
  readonly dev: number;
  /** Open directory handles, oldest first. */
  private readonly anchors = new Set<Anchor>();
  /**
   * Files open now, each knowing its place here (closed: -1). A Set emptied after every file
   * shrank its table in the runtime on every close.
   */
  private readonly opened: OpenSlot[] = [];

  constructor(
    root: string,
    readonly label: string = path.basename(root),
    private readonly audit: AtimeAudit = { preserved: 0, mayChange: 0 },
    /** Enter directories on other devices (mount points); without it they are listed but not entered. */
    private readonly crossMounts = false,
  ) {
    this.abs = realpathSync(path.resolve(root));
    const st = lstatSync(this.abs);
    if (!st.isDirectory()) throw new Error(`${root}: not a directory`);
    this.dev = st.dev;
  }

  /** An entry from its lstat (or, for links and special files, from the directory's type alone). */
  private entry(name: string, relPath: string, where: KeptLocation, st: Stats | null, d?: Dirent<Buffer>): FsEntry {
    const type = typeOf(st ?? d!);
    const e: LocatedEntry = {
      name,
      path: relPath,
      id: st ? `${st.dev}:${st.ino}` : `path:${relPath}`, // a link or special file is never opened: its path names it
      type,
      size: type === 'file' && st ? st.size : 0,
      times: st ? { mtime: msTime(st.mtimeMs), atime: msTime(st.atimeMs), ctime: msTime(st.ctimeMs), crtime: st.birthtimeMs > 0 ? msTime(st.birthtimeMs) : undefined } : {},
      mode: st?.mode,
      uid: st?.uid,
      gid: st?.gid,
      links: st?.nlink,
      hidden: name.startsWith('.'),
      system: false,
      readOnly: st ? (st.mode & 0o222) === 0 : false,
      deleted: false,
      streams: NO_STREAMS,
      [HOST_LOCATION]: where,
    };
    // Set after the literal, in this order (as the spreads they replace): a spread made every entry's object slowly.
    if (type === 'other') e.special = specialKind(st ?? d!);
    if (st && st.dev !== this.dev) e.otherDevice = true;
    return e;
  }

  /** The host location of an entry handed out earlier, or one rebuilt from its display path (the caller releases it). */
  private locate(e: FsEntry): HostLocation & { temporary: boolean; rebuilt: boolean; release(): void } {
    const known = (e as LocatedEntry)[HOST_LOCATION];
    if (known && known.owner === this && (known.anchor === null || known.anchor.refs > 0)) {
      const hostPath = known.name === null ? known.dir : joinFsPath(known.dir, known.name ?? e.name);
      return { path: hostPath, anchor: known.anchor, levels: known.levels, temporary: false, rebuilt: false, release: () => undefined };
    }
    if (e.path.split('/').includes('..')) throw new Error(`${e.path}: outside the root`);
    const reach = reachablePath(this.abs, e.path);
    return { path: reach.path, anchor: null, levels: 0, temporary: reach.throughHandle, rebuilt: true, release: reach.release };
  }

  /** Keeps a new directory handle, closing the oldest beyond MAX_OPEN_ANCHORS (entries under it rebuild their path). */
  private keepAnchor(a: Anchor): void {
    this.anchors.add(a);
    if (this.anchors.size > MAX_OPEN_ANCHORS) {
      const oldest = this.anchors.values().next().value!;
      this.anchors.delete(oldest);
      releaseAnchor(oldest);
    }
  }

  root(): FsEntry {
    return this.entry('', '/', { owner: this, dir: this.abs, name: null, anchor: null, levels: 0 }, lstatSync(this.abs));
  }

  list(dir: FsEntry): FsListing {
    if (dir.type !== 'directory') return { entries: [], truncated: false };
    if (dir.otherDevice && !this.crossMounts) {
      const error = { code: 'EXDEV', message: 'another file system mounted here; not entered (use --cross-mounts)' };
      warn(this.warnings, `${dir.path}: ${error.message}`);
      return { entries: [], truncated: false, error };
    }
    let loc;
    try {
      loc = this.locate(dir);
    } catch (err) {
      return this.failed(dir, err);
    }
    let { path: base, anchor, levels } = loc;
    let dirents: Dirent<Buffer>[];
    try {
      // Past PATH_MAX the kernel refuses the path: continue from a handle on this directory (always
      // when the path was rebuilt through temporary handles, which close before the entries are used).
      // A path rebuilt from the display path is listed through a handle whose identity is checked
      // first: the directory there must still be the one listed (same device and inode).
      if (loc.rebuilt || loc.temporary || (HANDLES_AVAILABLE && (byteLength(base) > ANCHOR_AFTER_BYTES || levels > ANCHOR_AFTER_LEVELS))) {
        anchor = openAnchor(base);
        this.keepAnchor(anchor);
        if (loc.rebuilt) {
          const st = fstatSync(anchor.fd);
          if (`${st.dev}:${st.ino}` !== dir.id) throw Object.assign(new Error('the directory at this path is not the one listed (replaced since); not read'), { code: 'EIDENTITY' });
        }
        if (HANDLES_AVAILABLE) {
          base = anchor.prefix;
          levels = 0;
        } else anchor = null; // checked; listed by its path
      }
      dirents = readdirSync(base, { encoding: 'buffer', withFileTypes: true });
    } catch (err) {
      return this.failed(dir, err);
    } finally {
      loc.release();
    }
    const truncated = dirents.length > MAX_DIRECTORY_LISTING;
    if (truncated) dirents = dirents.slice(0, MAX_DIRECTORY_LISTING);
    // Sorted by raw bytes so output order never depends on the file system's directory order.
    dirents.sort((a, b) => Buffer.compare(a.name, b.name));
    const entries: FsEntry[] = [];
    const unreadable: NonNullable<FsListing['unreadable']> = [];
    const parent = dir.path === '/' ? '' : dir.path;
    const shared: KeptLocation = { owner: this, dir: base, anchor, levels: levels + 1 };
    for (const d of dirents) {
      const name = decodeName(d.name);
      const relPath = `${parent}/${name}`;
      // The child's path: text while every name is plain UTF-8, else exact bytes.
      const hostName = typeof base === 'string' && name === d.name.toString('utf8') ? name : d.name;
      const abs = joinFsPath(base, hostName);
      const where = hostName === name ? shared : { ...shared, name: hostName };
      let e: FsEntry;
      if (d.isSymbolicLink() || specialKind(d)) {
        e = this.entry(name, relPath, where, null, d); // never stat'ed through, never opened
        if (e.type === 'symlink') {
          try {
            e.linkTarget = decodeName(readlinkSync(abs, { encoding: 'buffer' }).subarray(0, 1024)); // for display, never followed
          } catch {
            /* vanished, or unreadable */
          }
        }
      } else {
        try {
          e = this.entry(name, relPath, where, lstatSync(abs));
        } catch (err) {
          unreadable.push({ name, ...errInfo(err) });
          continue;
        }
      }
      entries.push(e);
    }
    return unreadable.length > 0 ? { entries, truncated, unreadable } : { entries, truncated };
  }

  private failed(dir: FsEntry, err: unknown): FsListing {
    const error = errInfo(err);
    warn(this.warnings, `${dir.path}: ${error.code}`);
    return { entries: [], truncated: false, error };
  }

  lookup(p: string, caseInsensitive = false): FsEntry | null {
    return lookupPath(this, p, caseInsensitive, (dir, name, ci) => {
      const index = this.indexOf(dir);
      return index.exact.get(name) ?? (ci ? index.folded.get(name.toLowerCase()) : undefined) ?? null;
    });
  }

  /**
   * Name indexes of the directories lookups went through, the most recent kept up to
   * MAX_INDEXED_ENTRIES entries in all: following 2,000 names into one folder of 100,000 files lists
   * it once, not 2,000 times. A lookup sees a folder as it was when first indexed, as the walk does.
   */
  private readonly indexes = new Map<string, { exact: Map<string, FsEntry>; folded: Map<string, FsEntry>; size: number }>();
  private indexedEntries = 0;

  private indexOf(dir: FsEntry): { exact: Map<string, FsEntry>; folded: Map<string, FsEntry>; size: number } {
    const key = `${dir.id}\u0000${dir.path}`;
    const known = this.indexes.get(key);
    if (known) {
      this.indexes.delete(key); // most recently used last
      this.indexes.set(key, known);
      return known;
    }
    const exact = new Map<string, FsEntry>();
    const folded = new Map<string, FsEntry>();
    const entries = this.list(dir).entries;
    for (const e of entries) {
      if (e.deleted) continue;
      if (!exact.has(e.name)) exact.set(e.name, e);
      const lower = e.name.toLowerCase();
      if (!folded.has(lower)) folded.set(lower, e);
    }
    const index = { exact, folded, size: entries.length };
    this.indexes.set(key, index);
    this.indexedEntries += index.size;
    for (const [oldKey, old] of this.indexes) {
      if (this.indexedEntries <= MAX_INDEXED_ENTRIES || old === index) break;
      this.indexes.delete(oldKey);
      this.indexedEntries -= old.size;
    }
    return index;
  }

  /**
   * Checks again, on the host, every component of `relPath` from the root: a real directory (the
   * last one `last`), never a link, on the root's device unless crossMounts. For a path found
   * earlier that is entered much later (a walk start): null when it may still be entered.
   */
  recheck(relPath: string, last: 'file' | 'directory'): PathProblem | null {
    return checkComponents(this.abs, relPath, { rootDev: this.dev, crossMounts: this.crossMounts, last });
  }

  /** Opens a listed file; it must still be the file that was listed (same device and inode), else EIDENTITY. */
  open(entry: FsEntry, stream?: string): OpenedSource {
    if (stream) throw new Error('a mounted directory exposes no named streams');
    if (entry.type !== 'file') throw Object.assign(new Error(`${entry.path}: not a regular file; not read`), { code: 'ESPECIAL' });
    const loc = this.locate(entry);
    let f: OpenedFile;
    try {
      f = openEvidenceFile(loc.path, entry.path.slice(1), this.audit);
    } finally {
      loc.release();
    }
    if (`${f.dev}:${f.ino}` !== entry.id) {
      f.close();
      throw Object.assign(new Error('the file at this path is not the one listed (replaced since); not read'), { code: 'EIDENTITY' });
    }
    const slot: OpenSlot = { file: f, at: this.opened.length };
    this.opened.push(slot);
    return Object.assign(f.source, { close: () => this.release(slot) });
  }

  /** Closes one opened file once, moving the last open one into its place. */
  private release(slot: OpenSlot): void {
    if (slot.at < 0) return;
    const last = this.opened.pop()!;
    if (last !== slot) {
      this.opened[slot.at] = last;
      last.at = slot.at;
    }
    slot.at = -1;
    slot.file.close();
  }

  close(): void {
    for (const slot of this.opened) {
      slot.at = -1;
      try {
        slot.file.close();
      } catch {
        /* already closed */
      }
    }
    this.opened.length = 0;
    for (const a of this.anchors) releaseAnchor(a);
    this.anchors.clear();
  }
}
