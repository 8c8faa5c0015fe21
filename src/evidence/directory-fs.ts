/**
 * EvidenceFs over a mounted directory (or a live file system), holding every safeguard the
 * directory scan relies on: lstat only (a symlink is listed as a link, never followed; its target
 * is read for display), special files listed as 'other' and never opened, directories on another
 * device listed but not entered (unless crossMounts), files opened read-only with O_NOATIME /
 * O_NOFOLLOW / O_NONBLOCK, checked by fstat to be a regular file and to be the very file that was
 * listed (device and inode), names that are not UTF-8 kept as exact bytes (Buffer paths), paths
 * longer than PATH_MAX reached through directory handles (paths.ts), and errors returned with the
 * listing instead of thrown. The walk's listings (`deferFileStats`) skip the lstat of regular
 * files: read through a handle checked to be the directory listed, their files are opened through
 * it and take their numbers from that open's fstat.
 */
import { fstatSync, lstatSync, opendirSync, readlinkSync, realpathSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { EntryBoundedCache, lookupPath, NO_FS_STREAMS, NO_FS_TIMES, warn, type CompactListing, type EvidenceFs, type FsEntry, type FsEntryType, type FsListing, type FsTime, type ListOptions, type OpenedSource } from './fs.js';
import { openEvidenceFile, readStatNumbers, STAT_FIELDS, STAT_SIZE_FIELD, writeStatNumbers, type AtimeAudit, type OpenedFile, type StatNumbers } from './reader.js';
import { ReadAhead, type ReadAheadListing } from './read-ahead.js';
import type { HashedAhead } from './hashed-ahead.js';
import type { HashOutcome, HashSettings } from './hash-source.js';
import { ANCHOR_AFTER_BYTES, ANCHOR_AFTER_LEVELS, byteLength, HANDLES_AVAILABLE, joinFsPath, openAnchor, reachablePath, releaseAnchor, type Anchor, type FsPath } from './paths.js';
import { decodeName } from '../util/text.js';
import { checkComponents, type PathProblem } from './components.js';

/**
 * Entries listed per directory. The walk holds a folder whole (its files are paired and its burst
 * measured together), so this only stops a folder that could not be held anyway.
 */
export const MAX_DIRECTORY_LISTING = 5_000_000;
/** Directory handles kept open for deep paths; older ones are closed and their paths rebuilt when needed. */
const MAX_OPEN_ANCHORS = 64;

/** A folder's names for lookups: the first position of each name in its compact listing, exact and lower-cased. */
interface LookupIndex {
  listed: CompactListing;
  exact: Map<string, number>;
  folded: Map<string, number>;
  size: number;
}

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
/**
 * On a regular file listed without lstat (a walk's listing: `deferFileStats`): its listing and its
 * place among the listing's files, whose numbers the fstat `open` makes completes (and which the
 * read-ahead may have opened). Cleared once done.
 */
const STATS_AT_OPEN = Symbol('stats at open');
interface ListedFile {
  listing: DirectoryListing;
  file: number;
}
/** The id a file was handed over to the read-ahead worker to hash under (its outcome's key: HashedAhead). */
const HASHED_AHEAD = Symbol('hashed ahead');
type LocatedEntry = FsEntry & { [HOST_LOCATION]?: KeptLocation; [STATS_AT_OPEN]?: ListedFile; [HASHED_AHEAD]?: number };

/** Times from lstat's milliseconds (number stats: bigint lstat costs more than the sub-microsecond digits are worth here). */
function msTime(ms: number): FsTime {
  const sec = Math.floor(ms / 1000);
  const rem = ms - sec * 1000; // exact: both terms are close doubles
  const whole = Math.floor(rem);
  // Whole milliseconds kept exactly (fsTimeMs gives back those of the Stats), the rest to the nanosecond double precision allows.
  return { sec, nsec: whole * 1_000_000 + Math.min(999_999, Math.round((rem - whole) * 1e6)) };
}

/** An entry's times from its stat numbers (lstat's at listing, or the fstat of its open). */
function timesOf(st: StatNumbers): FsEntry['times'] {
  return { mtime: msTime(st.mtimeMs), atime: msTime(st.atimeMs), ctime: msTime(st.ctimeMs), crtime: st.birthtimeMs > 0 ? msTime(st.birthtimeMs) : undefined };
}

/** No write bit for anyone: what FsEntry.readOnly means for a mounted directory. */
function readOnlyMode(mode: number): boolean {
  return (mode & 0o222) === 0;
}

function typeOf(st: Stats): FsEntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

function specialKind(d: Stats | Dirent): string | undefined {
  if (d.isFIFO()) return 'FIFO';
  if (d.isSocket()) return 'socket';
  if (d.isCharacterDevice()) return 'character device';
  if (d.isBlockDevice()) return 'block device';
  return undefined;
}

/**
 * What a directory says an entry is: LSTAT (a directory, or unknown: lstat decides), a link, a
 * special file (its DIRENT_SPECIAL name), or REGULAR (a regular file: lstat'ed unless the listing
 * defers its numbers to `open`).
 */
const LSTAT = 0;
const REGULAR = 6;
const DIRENT_SPECIAL: ReadonlyArray<string | undefined> = [undefined, undefined, 'FIFO', 'socket', 'character device', 'block device'];

function direntKind(d: Dirent): number {
  if (d.isFile()) return REGULAR;
  if (d.isSymbolicLink()) return 1;
  if (d.isFIFO()) return 2;
  if (d.isSocket()) return 3;
  if (d.isCharacterDevice()) return 4;
  if (d.isBlockDevice()) return 5;
  return LSTAT;
}

/**
 * An error of a system call on `hostPath`, its message naming the file by its path in the root:
 * a file is opened through a directory handle (`/proc/self/fd/N/name`), whose number says nothing
 * to the analyst and would differ between two scans of the same evidence.
 */
function shownByDisplayPath(err: unknown, hostPath: FsPath, display: string): unknown {
  const e = err as NodeJS.ErrnoException;
  const host = typeof hostPath === 'string' ? hostPath : hostPath.toString();
  if (typeof e?.message === 'string' && e.message.includes(`'${host}'`)) e.message = e.message.replace(`'${host}'`, () => `'${display}'`);
  return err;
}

function errInfo(err: unknown): { code: string; message: string } {
  const e = err as NodeJS.ErrnoException;
  return { code: e.code ?? 'ERROR', message: e.message?.replace(/^[A-Z]+: /, '') ?? String(err) };
}

/** Numbers kept per regular file of a compact listing, in this order. */
const FILE_FIELDS = STAT_FIELDS;
/** Not yet known: a file listed without lstat, its numbers come from `open`'s fstat. */
const AT_OPEN = -1;
/** A name (latin1 text of its bytes) that decodeName returns as it is and that is its own host name: ASCII without a backslash. */
function isPlainName(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c > 0x7f || c === 0x5c) return false;
  }
  return true;
}

type MakeEntry = (name: string, relPath: string, where: KeptLocation, st: StatNumbers | null, type: FsEntryType) => FsEntry;

function emptyListing(error?: { code: string; message: string }): CompactListing {
  return {
    count: 0,
    listedCount: 0,
    name: () => '',
    type: () => 'other',
    size: () => 0,
    entry: () => {
      throw new RangeError('empty listing');
    },
    truncated: false,
    error,
  };
}

/**
 * A directory's listing as names, a type per entry and, for regular files, their lstat numbers
 * (FILE_FIELDS doubles each, exact as lstat gave them); other entries are kept as built. A file's
 * FsEntry is the one `list` gave before, built when asked.
 */
class DirectoryListing implements CompactListing, ReadAheadListing {
  count = 0;
  private readonly names: string[] = [];
  /** Per entry: its slot in `numbers` (a file), or -1 (built: in `built`). */
  private readonly slots: Int32Array;
  /** Sized for every name read (an upper bound): no growing copies of a large folder's numbers. */
  private readonly numbers: Float64Array;
  private files = 0;
  /** Per regular file, its entry's index (the read-ahead sends files by their place among the files). */
  private readonly fileEntries: Int32Array;
  private readonly built = new Map<number, FsEntry>();
  /** Host names that are not the display name (exact bytes), by entry. */
  private readonly hostNames = new Map<number, Buffer>();
  unreadable?: Array<{ name: string; code: string; message: string }>;
  release?: () => void;

  constructor(
    /** The directory's path ('' for the root), each entry's path is `${parent}/${name}`. */
    readonly parent: string,
    private readonly shared: KeptLocation,
    readonly truncated: boolean,
    private readonly make: MakeEntry,
    /** Names read: no more entries than this are added. */
    capacity: number,
  ) {
    this.slots = new Int32Array(capacity);
    this.fileEntries = new Int32Array(capacity);
    this.numbers = new Float64Array(capacity * FILE_FIELDS);
  }

  get listedCount(): number {
    return this.count;
  }

  private slot(): number {
    if (this.count === this.slots.length) throw new RangeError(`more than ${this.slots.length} entries added`);
    return this.count++;
  }

  addEntry(name: string, e: FsEntry): void {
    const i = this.slot();
    this.names.push(name);
    this.slots[i] = -1;
    this.built.set(i, e);
  }

  /** A regular file and its lstat numbers, or (null) one whose numbers come from `open` (`deferFileStats`). */
  addFile(name: string, hostName: Buffer | undefined, st: StatNumbers | null): void {
    const i = this.slot();
    this.names.push(name);
    const f = this.files++;
    this.slots[i] = f;
    this.fileEntries[f] = i;
    if (hostName !== undefined) this.hostNames.set(i, hostName);
    if (st) this.setNumbers(f, st);
    else this.numbers[f * FILE_FIELDS + STAT_SIZE_FIELD] = AT_OPEN;
  }

  get fileCount(): number {
    return this.files;
  }

  hostPathOfFile(f: number): FsPath {
    const i = this.fileEntries[f]!;
    return joinFsPath(this.shared.dir, this.hostNames.get(i) ?? this.names[i]!);
  }

  setNumbers(f: number, st: StatNumbers): void {
    writeStatNumbers(this.numbers, f * FILE_FIELDS, st);
  }

  addUnreadable(name: string, info: { code: string; message: string }): void {
    (this.unreadable ??= []).push({ name, ...info });
  }

  name(i: number): string {
    return this.names[i]!;
  }

  type(i: number): FsEntryType {
    return this.slots[i]! >= 0 ? 'file' : this.built.get(i)!.type;
  }

  size(i: number): number {
    const f = this.slots[i]!;
    if (f < 0) return this.built.get(i)!.size;
    const size = this.numbers[f * FILE_FIELDS + STAT_SIZE_FIELD]!;
    if (size === AT_OPEN) throw new Error(`${this.names[i]}: listed without lstat; its size is known once it is opened`);
    return size;
  }

  entry(i: number): FsEntry {
    if (i < 0 || i >= this.count) throw new RangeError(`entry ${i} of ${this.count}`);
    const f = this.slots[i]!;
    if (f < 0) return this.built.get(i)!;
    const o = f * FILE_FIELDS;
    const name = this.names[i]!;
    const hostName = this.hostNames.get(i);
    const where = hostName === undefined ? this.shared : { ...this.shared, name: hostName };
    if (this.numbers[o + STAT_SIZE_FIELD] === AT_OPEN) {
      const e: LocatedEntry = this.make(name, `${this.parent}/${name}`, where, null, 'file');
      e[STATS_AT_OPEN] = { listing: this, file: f };
      return e;
    }
    return this.make(name, `${this.parent}/${name}`, where, readStatNumbers(this.numbers, o), 'file');
  }
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
  /** Opens the walk's next files on another thread (startReadAhead); null: every file is opened here. */
  private readAhead: ReadAhead | null = null;
  /** What the read-ahead worker's hashing of handed-over files gave, once it is closed. */
  private hashedAhead: HashedAhead | null = null;

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

  /** An entry from its lstat's numbers (or, for links and special files, from the directory's type alone). */
  private entry(name: string, relPath: string, where: KeptLocation, st: StatNumbers | null, type: FsEntryType, special?: string): FsEntry {
    const e: LocatedEntry = {
      name,
      path: relPath,
      id: st ? `${st.dev}:${st.ino}` : `path:${relPath}`, // a link or special file is never opened: its path names it
      type,
      size: type === 'file' && st ? st.size : 0,
      times: st ? timesOf(st) : {},
      mode: st?.mode,
      uid: st?.uid,
      gid: st?.gid,
      links: st?.nlink,
      hidden: name.startsWith('.'),
      system: false,
      readOnly: st ? readOnlyMode(st.mode) : false,
      deleted: false,
      streams: NO_FS_STREAMS,
      [HOST_LOCATION]: where,
    };
    // Set after the literal, in this order (as the spreads they replace): a spread made every entry's object slowly.
    if (type === 'other') e.special = special;
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
    const st = lstatSync(this.abs);
    return this.entry('', '/', { owner: this, dir: this.abs, name: null, anchor: null, levels: 0 }, st, typeOf(st), specialKind(st));
  }

  list(dir: FsEntry): FsListing {
    const listed = this.listCompact(dir);
    if (listed.error) return { entries: [], truncated: false, error: listed.error };
    const entries: FsEntry[] = [];
    for (let i = 0; i < listed.count; i++) entries.push(listed.entry(i));
    return listed.unreadable ? { entries, truncated: listed.truncated, unreadable: listed.unreadable } : { entries, truncated: listed.truncated };
  }

  /**
   * The listing of `dir` with every safeguard of `list` (which is built from it): names read as
   * latin1 text (one character per byte: exact, and no Buffer per name), sorted by those bytes,
   * each entry lstat'ed once; a regular file is kept as its name and lstat numbers and becomes an
   * `FsEntry` only when asked, every other entry is built at once.
   */
  listCompact(dir: FsEntry, opts: ListOptions = {}): CompactListing {
    if (dir.type !== 'directory') return emptyListing();
    if (dir.otherDevice && !this.crossMounts) {
      const error = { code: 'EXDEV', message: 'another file system mounted here; not entered (use --cross-mounts)' };
      warn(this.warnings, `${dir.path}: ${error.message}`);
      return emptyListing(error);
    }
    let loc;
    try {
      loc = this.locate(dir);
    } catch (err) {
      return emptyListing(this.failed(dir, err).error);
    }
    let { path: base, anchor, levels } = loc;
    // A walk's listing (deferFileStats) is read through a handle on the directory, checked to be the
    // one listed, and its files are opened through that handle: each is the regular file of that name
    // in the very directory listed, without an lstat to compare it with (needs /proc/self/fd).
    const defer = opts.deferFileStats === true && HANDLES_AVAILABLE;
    // Names as latin1 text (each byte one character, so the text is the exact bytes) and what the
    // directory says each entry is, read in batches (opendir): no array of 100,000 Dirent objects
    // held while the folder is sorted and lstat'ed.
    const names: string[] = [];
    const kinds: number[] = [];
    let truncated = false;
    try {
      // Past PATH_MAX the kernel refuses the path: continue from a handle on this directory (always
      // when the path was rebuilt through temporary handles, which close before the entries are used).
      // A path rebuilt from the display path is listed through a handle whose identity is checked
      // first: the directory there must still be the one listed (same device and inode).
      if (defer || loc.rebuilt || loc.temporary || (HANDLES_AVAILABLE && (byteLength(base) > ANCHOR_AFTER_BYTES || levels > ANCHOR_AFTER_LEVELS))) {
        anchor = openAnchor(base);
        this.keepAnchor(anchor);
        if (loc.rebuilt || defer) {
          const st = fstatSync(anchor.fd);
          if (`${st.dev}:${st.ino}` !== dir.id) throw Object.assign(new Error('the directory at this path is not the one listed (replaced since); not read'), { code: 'EIDENTITY' });
        }
        if (HANDLES_AVAILABLE) {
          base = anchor.prefix;
          levels = 0;
        } else anchor = null; // checked; listed by its path
      }
      const handle = opendirSync(base, { encoding: 'latin1' });
      try {
        for (let d = handle.readSync(); d !== null; d = handle.readSync()) {
          if (names.length === MAX_DIRECTORY_LISTING) {
            truncated = true;
            break;
          }
          names.push(d.name);
          kinds.push(direntKind(d));
        }
      } finally {
        handle.closeSync();
      }
    } catch (err) {
      return emptyListing(this.failed(dir, err).error);
    } finally {
      loc.release();
    }
    // Sorted by raw bytes (latin1 code units are the bytes) so output order never depends on the file system's directory order.
    const order = Array.from(names.keys()).sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0));
    const shared: KeptLocation = { owner: this, dir: base, anchor, levels: levels + 1 };
    const out = new DirectoryListing(dir.path === '/' ? '' : dir.path, shared, truncated, (name, relPath, where, st, type) => this.entry(name, relPath, where, st, type), names.length);
    if (defer && anchor) {
      // Its files are opened through the handle it was read through, held until the walk is done with them
      // (and until the read-ahead has closed those it opened that the walk did not take).
      const held = anchor;
      held.refs++;
      out.release = () => {
        this.readAhead?.release(out);
        releaseAnchor(held);
      };
    }
    const textBase = typeof base === 'string';
    for (const at of order) {
      const raw = names[at]!;
      const kind = kinds[at]!;
      let name: string;
      // The child's host name when it is not the display name: exact bytes (not UTF-8, a backslash, or under a path kept as bytes).
      let hostName: Buffer | undefined;
      if (isPlainName(raw)) {
        name = raw;
        if (!textBase) hostName = Buffer.from(raw, 'latin1');
      } else {
        const bytes = Buffer.from(raw, 'latin1');
        name = decodeName(bytes);
        if (!textBase || name !== bytes.toString('utf8')) hostName = bytes;
      }
      const relPath = `${out.parent}/${name}`;
      const where = hostName === undefined ? shared : { ...shared, name: hostName };
      const abs = joinFsPath(base, hostName ?? name);
      if (kind !== LSTAT && kind !== REGULAR) {
        const special = DIRENT_SPECIAL[kind];
        const e = this.entry(name, relPath, where, null, special === undefined ? 'symlink' : 'other', special); // never stat'ed through, never opened
        if (e.type === 'symlink') {
          try {
            e.linkTarget = decodeName(readlinkSync(abs, { encoding: 'buffer' }).subarray(0, 1024)); // for display, never followed
          } catch {
            /* vanished, or unreadable */
          }
        }
        out.addEntry(name, e);
        continue;
      }
      if (kind === REGULAR && defer) {
        out.addFile(name, hostName, null); // its numbers come from the fstat of its open
        continue;
      }
      let st: Stats;
      try {
        st = lstatSync(abs);
      } catch (err) {
        out.addUnreadable(name, errInfo(err));
        continue;
      }
      const type = typeOf(st);
      if (type === 'file') out.addFile(name, hostName, st);
      else out.addEntry(name, this.entry(name, relPath, where, st, type, type === 'other' ? specialKind(st) : undefined));
    }
    // The walk opens a listing's files next, in order: the read-ahead starts on them now.
    if (out.release) this.readAhead?.begin(out);
    return out;
  }

  private failed(dir: FsEntry, err: unknown): { error: { code: string; message: string } } {
    const error = errInfo(err);
    warn(this.warnings, `${dir.path}: ${error.code}`);
    return { error };
  }

  lookup(p: string, caseInsensitive = false): FsEntry | null {
    return lookupPath(this, p, caseInsensitive, (dir, name, ci) => {
      const index = this.indexOf(dir);
      const at = index.exact.get(name) ?? (ci ? index.folded.get(name.toLowerCase()) : undefined);
      return at === undefined ? null : index.listed.entry(at);
    });
  }

  /**
   * Name indexes of the directories lookups went through, the most recent kept up to
   * LIMITS.heldListingEntries entries in all: following 2,000 names into one folder of 100,000 files lists
   * it once, not 2,000 times. A lookup sees a folder as it was when first indexed, as the walk does.
   * An index maps names to positions in the folder's compact listing: the entry found is built when
   * asked (an index of FsEntry objects held 60 MB for a folder of 100,000 files).
   */
  private readonly indexes = new EntryBoundedCache<string, LookupIndex>((index) => index.size);

  private indexOf(dir: FsEntry): LookupIndex {
    const key = `${dir.id}\u0000${dir.path}`;
    const known = this.indexes.get(key);
    if (known) return known;
    const listed = this.listCompact(dir);
    const exact = new Map<string, number>();
    const folded = new Map<string, number>();
    // A listing that failed has no entries (as `list` gives none): lookups in it find nothing.
    const count = listed.error ? 0 : listed.count;
    for (let i = 0; i < count; i++) {
      const name = listed.name(i);
      if (!exact.has(name)) exact.set(name, i);
      const lower = name.toLowerCase();
      if (!folded.has(lower)) folded.set(lower, i);
    }
    const index = { listed, exact, folded, size: count };
    this.indexes.set(key, index);
    return index;
  }

  /** Lets the lookup indexes go (the scan calls it once a root is scored: nothing looks names up after that). */
  dropLookupIndexes(): void {
    this.indexes.clear();
  }

  /**
   * Checks again, on the host, every component of `relPath` from the root: a real directory (the
   * last one `last`), never a link, on the root's device unless crossMounts. For a path found
   * earlier that is entered much later (a walk start): null when it may still be entered.
   */
  recheck(relPath: string, last: 'file' | 'directory'): PathProblem | null {
    return checkComponents(this.abs, relPath, { rootDev: this.dev, crossMounts: this.crossMounts, last });
  }

  /**
   * What `open` reads of an entry (name, path, identity, type, and where it was listed), without its
   * times and ownership: about half the bytes of an entry held for each file behind a finding.
   */
  forReopen(entry: FsEntry): FsEntry {
    const e: LocatedEntry = {
      name: entry.name,
      path: entry.path,
      id: entry.id,
      type: entry.type,
      size: entry.size,
      times: NO_FS_TIMES,
      hidden: entry.hidden,
      system: entry.system,
      readOnly: entry.readOnly,
      deleted: entry.deleted,
      streams: NO_FS_STREAMS,
      [HOST_LOCATION]: (entry as LocatedEntry)[HOST_LOCATION],
      [HASHED_AHEAD]: (entry as LocatedEntry)[HASHED_AHEAD],
    };
    return e;
  }

  /**
   * From now on, the files of the walk's listings are opened and their first `headBytes` bytes read
   * up to 128 files ahead by a worker thread (read-ahead.ts); settles once it is online (the
   * caller waits for that before it allocates on: util/young-generation.ts). Null when it cannot
   * run here (then, and after `close`, files are opened on this thread as before).
   */
  startReadAhead(headBytes: number, hashing?: HashSettings): Promise<void> | null {
    if (this.readAhead || !ReadAhead.available()) return null;
    this.readAhead = new ReadAhead(headBytes, this.audit, hashing);
    return this.readAhead.online;
  }

  /** Opens a listed file; it must still be the file that was listed (same device and inode), else EIDENTITY. */
  open(entry: FsEntry, stream?: string): OpenedSource {
    if (stream) throw new Error('a mounted directory exposes no named streams');
    if (entry.type !== 'file') throw Object.assign(new Error(`${entry.path}: not a regular file; not read`), { code: 'ESPECIAL' });
    const loc = this.locate(entry);
    // A file listed without lstat has nothing to compare the opened file with: it is opened only
    // where it was listed (its directory's handle still held by the walk), never by a rebuilt path.
    const atOpen = (entry as LocatedEntry)[STATS_AT_OPEN];
    if (atOpen && loc.rebuilt) {
      loc.release();
      throw Object.assign(new Error('listed without its numbers, and its directory is no longer held; not read'), { code: 'EIDENTITY' });
    }
    let f: OpenedFile | null = null;
    try {
      // Opened ahead (the same path, flags and checks), or here.
      if (atOpen && this.readAhead) f = this.readAhead.take(atOpen.listing, atOpen.file, entry.path.slice(1));
      f ??= openEvidenceFile(loc.path, entry.path.slice(1), this.audit);
    } catch (err) {
      throw shownByDisplayPath(err, loc.path, entry.path.slice(1));
    } finally {
      loc.release();
    }
    if (atOpen) this.complete(entry as LocatedEntry, f.stats, atOpen);
    else if (`${f.dev}:${f.ino}` !== entry.id) {
      f.close();
      throw Object.assign(new Error('the file at this path is not the one listed (replaced since); not read'), { code: 'EIDENTITY' });
    }
    const slot: OpenSlot = { file: f, at: this.opened.length };
    this.opened.push(slot);
    return Object.assign(f.source, { close: () => this.release(slot), hashAhead: () => this.handOver(slot, entry as LocatedEntry) });
  }

  /** An open file handed to the read-ahead worker to hash: no longer this root's to close; its entry keeps the id. */
  private handOver(slot: OpenSlot, entry: LocatedEntry): boolean {
    const id = slot.at < 0 || !this.readAhead ? -1 : this.readAhead.hashAhead(slot.file.fd, slot.file.size, slot.file.noatime);
    if (id < 0) return false;
    entry[HASHED_AHEAD] = id;
    this.detach(slot);
    return true;
  }

  takeHashedAhead(entry: FsEntry): HashOutcome | undefined {
    const id = (entry as LocatedEntry)[HASHED_AHEAD];
    const got = id === undefined ? undefined : this.hashedAhead?.take(id);
    if (!got) return undefined;
    // The file was read once more, as a reopen would have.
    if (got.noatime) this.audit.preserved++;
    else this.audit.mayChange++;
    return got.outcome;
  }

  /**
   * A file listed without lstat, completed from the fstat of its open: the identity, size, times
   * and ownership an lstat would have given (O_NOFOLLOW and the fstat made sure it is a regular
   * file), in the entry and in its listing.
   */
  private complete(e: LocatedEntry, st: StatNumbers, listed: ListedFile): void {
    e.id = `${st.dev}:${st.ino}`;
    e.size = st.size;
    e.times = timesOf(st);
    e.mode = st.mode;
    e.uid = st.uid;
    e.gid = st.gid;
    e.links = st.nlink;
    e.readOnly = readOnlyMode(st.mode);
    if (st.dev !== this.dev) e.otherDevice = true;
    e[STATS_AT_OPEN] = undefined;
    listed.listing.setNumbers(listed.file, st);
  }

  /** Closes one opened file once. */
  private release(slot: OpenSlot): void {
    if (slot.at < 0) return;
    this.detach(slot);
    slot.file.close();
  }

  /** Takes an opened file off the list of those to close, moving the last open one into its place. */
  private detach(slot: OpenSlot): void {
    const last = this.opened.pop()!;
    if (last !== slot) {
      this.opened[slot.at] = last;
      last.at = slot.at;
    }
    slot.at = -1;
  }

  /**
   * Settles once the read-ahead worker has hashed every file handed to it (a walk's end; `close`
   * would wait for that without turning the event loop, and a large file takes seconds).
   */
  async hashedAheadSettled(): Promise<void> {
    await this.readAhead?.hashingSettled();
  }

  close(): void {
    // What the read-ahead hashed is held from the close that ends the walk to the next one (the scan's, after its hashing).
    this.hashedAhead = this.readAhead ? this.readAhead.close() : null;
    this.readAhead = null;
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
