/**
 * EvidenceFs: one read-only file-system interface for every evidence source (a mounted directory,
 * an ext/FAT/NTFS file system inside a disk image). Listings are bounded, sorted and link-free
 * (a symlink is an entry of type 'symlink', never followed); entries are lstat-like and carry their
 * own times, a stable id (inode, MFT reference, FAT directory-entry address), attributes and named
 * streams; `open` returns the ByteSource the parsers already read.
 */
import { LIMITS } from '../util/limits.js';
import type { ByteSource, ClosableSource } from '../util/byte-source.js';
import type { HashOutcome, HashSettings } from './hash-source.js';

export type FsEntryType = 'file' | 'directory' | 'symlink' | 'other';

/** A file-system time: whole seconds since 1970 (UTC) plus nanoseconds, as the file system stores it. */
export interface FsTime {
  sec: number;
  nsec: number;
}

export interface FsTimes {
  /** Last content change. */
  mtime?: FsTime;
  /** Last access (FAT: the date only). */
  atime?: FsTime;
  /** Last metadata change (inode change; NTFS: MFT record change). */
  ctime?: FsTime;
  /** Creation (ext4 crtime, NTFS/FAT creation). */
  crtime?: FsTime;
}

export interface FsStream {
  /** '' for the unnamed (default) data stream. */
  name: string;
  size: number;
}

export interface FsEntry {
  /** The name in its directory, decoded for display (invalid bytes replaced). */
  name: string;
  /** '/'-separated path from the root of this file system, starting with '/'. */
  path: string;
  /** Stable id: inode number, MFT reference, FAT directory-entry address. */
  id: string;
  type: FsEntryType;
  size: number;
  times: FsTimes;
  /** NTFS only: the $FILE_NAME times next to the $STANDARD_INFORMATION ones in `times`. */
  fnTimes?: FsTimes;
  /** Unix mode bits (type and permissions) where the file system has them. */
  mode?: number;
  uid?: number;
  gid?: number;
  hidden: boolean;
  system: boolean;
  readOnly: boolean;
  /** Found in directory slack or marked free: the name of a deleted file (its content may be gone or reused). */
  deleted: boolean;
  /** A deleted name whose id now belongs to a live file (TSK's "deleted-realloc"): its metadata are the new file's. */
  reallocated?: boolean;
  /** Named data streams (NTFS ADS); the unnamed stream is `size`. */
  streams: readonly FsStream[];
  /** A symlink's target as stored, for display only: never followed. */
  linkTarget?: string;
  /** On another device than the root (a mount point in a mounted directory): listed, a directory entered only with --cross-mounts. */
  otherDevice?: boolean;
  /** Names (hard links) of the content where the file system counts them. */
  links?: number;
  /** What an 'other' entry is ('FIFO', 'socket', 'character device', 'block device'), for messages. */
  special?: string;
}

/** No times known (an entry kept only to be reopened, a record without them): one frozen object for every such entry instead of one each. */
export const NO_FS_TIMES: FsTimes = Object.freeze({});
/** No named streams (a mounted directory's files, most NTFS files): one frozen empty list for every such entry instead of one each. */
export const NO_FS_STREAMS: readonly FsStream[] = Object.freeze([]);

export interface OpenedSource extends ClosableSource {
  /**
   * Hands the open file to the walk's other thread to hash (startReadAhead with `hashing`); `close`
   * then leaves it to that thread. False: not taken (no such thread, or too many files out), hash
   * it as usual. Absent: never taken.
   */
  hashAhead?(): boolean;
}

/** An in-image source needs no closing. */
export function unclosed(src: ByteSource): OpenedSource {
  return Object.assign(src, { close: () => undefined });
}

export interface FsListing {
  /** Sorted by name (code-unit order; a mounted directory by raw name bytes); deleted entries after live ones of the same name. */
  entries: FsEntry[];
  /** True when the directory held more than the listing limit. */
  truncated: boolean;
  /** Why the directory could not be listed (a mounted directory: its errno code); `entries` is then empty. */
  error?: { code: string; message: string };
  /** Names listed whose entry could not be read (vanished since the listing, permission). */
  unreadable?: Array<{ name: string; code: string; message: string }>;
}

/**
 * A directory's live entries (deleted ones left out), sorted as `FsListing.entries`, whose file
 * entries are built only when asked: the walk of a folder of 100,000 files holds names and
 * numbers, not 100,000 `FsEntry` objects (docs/performance.md "One large directory").
 */
export interface CompactListing {
  /** Live entries listed. */
  readonly count: number;
  /** Entries listed, deleted ones included (`FsListing.entries.length`). */
  readonly listedCount: number;
  /** The entry's name, decoded for display (as `FsEntry.name`). */
  name(i: number): string;
  type(i: number): FsEntryType;
  /** A regular file's size, 0 for anything else (as `FsEntry.size`); a file listed with `deferFileStats` throws until it is opened. */
  size(i: number): number;
  /** The entry; a file's is built anew on each call (keep it only while it is used). */
  entry(i: number): FsEntry;
  readonly truncated: boolean;
  readonly error?: { code: string; message: string };
  readonly unreadable?: Array<{ name: string; code: string; message: string }>;
  /** Lets go of what the listing holds for its entries' opens (`deferFileStats`: a directory handle); absent: nothing. */
  release?(): void;
}

export interface ListOptions {
  /**
   * A mounted directory's regular files listed without lstat (the walk's listing): their identity,
   * size and times come from the fstat of their `open`, and `size(i)` is not known before it. The
   * walk opens each file once, right after the listing, so the lstat was a system call per file
   * for numbers the open gives again (docs/performance.md).
   */
  deferFileStats?: boolean;
}

/** The live entries of a listing as a CompactListing (file systems without a compact listing of their own). */
export function compactOf(listing: FsListing): CompactListing {
  const live = listing.entries.some((e) => e.deleted) ? listing.entries.filter((e) => !e.deleted) : listing.entries;
  return {
    count: live.length,
    listedCount: listing.entries.length,
    name: (i) => live[i]!.name,
    type: (i) => live[i]!.type,
    size: (i) => live[i]!.size,
    entry: (i) => live[i]!,
    truncated: listing.truncated,
    error: listing.error,
    unreadable: listing.unreadable,
  };
}

/** A directory's compact listing: the file system's own, or one over its plain listing. */
export function compactListing(fs: EvidenceFs, dir: FsEntry, opts?: ListOptions): CompactListing {
  return fs.listCompact ? fs.listCompact(dir, opts) : compactOf(fs.list(dir));
}

export interface EvidenceFs {
  /** 'directory', 'ext4', 'fat32', 'ntfs', ... */
  readonly kind: string;
  /** For finding roots: `case.E01#p2`, or the directory's base name. */
  readonly label: string;
  root(): FsEntry;
  list(dir: FsEntry): FsListing;
  /** The same listing, live entries only, files built when asked (the walk uses it when a file system has it). */
  listCompact?(dir: FsEntry, opts?: ListOptions): CompactListing;
  /** Path lookup from the root ('/'-separated); each segment matched exactly first, then case-insensitively when asked. Never through a symlink. */
  lookup(path: string, caseInsensitive?: boolean): FsEntry | null;
  /** The content of a file (or of one of its named streams); close it when done (a directory root holds an fd). */
  open(entry: FsEntry, stream?: string): OpenedSource;
  /** A smaller entry that `open` takes as it takes `entry`, for holding many until they are reopened (hashing); absent: the entry itself is held. */
  forReopen?(entry: FsEntry): FsEntry;
  /** Reads the walk's files' first `headBytes` bytes ahead on another thread (a mounted directory: DirectoryFs opens them there; an NTFS file system of an EWF image has their chunks inflated there); settles once that thread is online, null when it cannot run. */
  startReadAhead?(headBytes: number, hashing?: HashSettings): Promise<void> | null;
  /**
   * What hashing the entry's file, handed over when it was open (OpenedSource.hashAhead), gave,
   * once the walk is over (after `close`; `entry` as opened, or its `forReopen`); counted in the
   * O_NOATIME audit as the reopen it stands for. Undefined: not hashed ahead, reopen and hash it.
   */
  takeHashedAhead?(entry: FsEntry): HashOutcome | undefined;
  /** How many file records it has room for, known before it is listed (an NTFS volume: its $MFT's records); absent: known only by walking it. */
  fileRecords?(): number;
  /** Lets caches kept only to speed up `lookup` go (after the last lookup a scan makes of a root); absent: nothing to let go. */
  dropLookupIndexes?(): void;
  /**
   * A live volume whose shadow copies are scanned (image NTFS): whether the file a copy names by its
   * entry id is still on this volume ('present') or gone since ('gone'); null when the id says nothing.
   */
  fileLife?(id: string): 'present' | 'gone' | null;
  /** An image file system's unallocated space, as `scan --carve` reads it; absent or null when it cannot tell what is free. */
  freeSpace?(): FreeSpace | null;
  /** Problems met so far (bad structures, loops, truncation): what could be read was read. */
  readonly warnings: string[];
  close(): void;
}

/**
 * A volume's unallocated space as carving reads it (src/artifacts/carve/carve.ts): the runs of
 * allocation units its allocation map marks free, in order, and the raw bytes from a unit's start.
 */
export interface FreeSpace {
  /** Bytes per unit. */
  unitSize: number;
  /** What a unit is called: a 'cluster' (NTFS, FAT, exFAT) or an ext 'block'. */
  unitName: 'cluster' | 'block';
  /** Where unit `n` begins, in bytes from the volume's start (FAT and exFAT number their clusters from 2, after the FAT). */
  byteOffset(unit: number): number;
  runs(): Iterable<{ first: number; length: number }>;
  /** `bytes` raw bytes from the start of unit `first` (clipped to the volume); `willRead` hints an image that fetches ahead. */
  open(first: number, bytes: number): OpenedSource & { willRead?(position: number, length: number): void };
  /**
   * Deleted files whose content still begins at a unit (an NTFS deleted record's runs), up to
   * `limit`: a carve there is still named by one. Absent: the file system keeps no such link.
   */
  deletedStarts?(limit: number): Map<number, DeletedStart>;
}

/** A deleted file record whose content begins at a given unit. */
export interface DeletedStart {
  entry: number;
  sequence: number;
  path: string | null;
}

/**
 * What `read` gives of a regular file's content, the file closed after; null when the entry is absent
 * or not a file, or when opening or reading it fails (a file gone, a damaged image).
 */
export function readEntry<T>(fs: EvidenceFs, entry: FsEntry | null, read: (opened: OpenedSource) => T): T | null {
  if (!entry || entry.type !== 'file') return null;
  let opened: OpenedSource;
  try {
    opened = fs.open(entry);
  } catch {
    return null;
  }
  try {
    return read(opened);
  } catch {
    return null;
  } finally {
    opened.close();
  }
}

/** Milliseconds since 1970 of a file-system time (fractional), 0 when absent. */
export function fsTimeMs(t: FsTime | undefined): number {
  return t ? t.sec * 1000 + t.nsec / 1e6 : 0;
}

/** Entries listed per directory before `truncated` is set. */
export const MAX_FS_LISTING = 100_000;

/**
 * Values held to answer a folder asked about again, the most recent kept, bounded by the directory
 * entries they hold (`entriesOf`) as well as by their number; the newest stays even alone over the
 * bound. One bound for DirectoryFs's lookup indexes and the image file systems' listings (and the
 * same rule for an EWF image's chunk tables, bounded by their entries).
 */
export class EntryBoundedCache<K, V> {
  private readonly kept = new Map<K, V>();
  private entries = 0;

  constructor(
    private readonly entriesOf: (value: V) => number,
    private readonly maxEntries: number = LIMITS.heldListingEntries,
    private readonly maxValues: number = Infinity,
  ) {}

  get(key: K): V | undefined {
    const hit = this.kept.get(key);
    if (hit !== undefined) {
      this.kept.delete(key); // most recently used last
      this.kept.set(key, hit);
    }
    return hit;
  }

  set(key: K, value: V): void {
    const old = this.kept.get(key);
    if (old !== undefined) this.entries -= this.entriesOf(old);
    this.kept.delete(key);
    this.kept.set(key, value);
    this.entries += this.entriesOf(value);
    for (const [k, v] of this.kept) {
      if ((this.entries <= this.maxEntries && this.kept.size <= this.maxValues) || v === value) break;
      this.kept.delete(k);
      this.entries -= this.entriesOf(v);
    }
  }

  clear(): void {
    this.kept.clear();
    this.entries = 0;
  }
}

/**
 * Whole listings an image file system keeps to answer a folder listed again (each lookup walks
 * its path's folders): 257 listings of a large folder each were millions of entries held.
 */
export class ListingCache<K> extends EntryBoundedCache<K, FsListing> {
  constructor(maxEntries: number = LIMITS.heldListingEntries, maxListings = 256) {
    super((listing) => listing.entries.length, maxEntries, maxListings);
  }
}
/** Warnings kept per file system (the rest are counted in the last one). */
export const MAX_FS_WARNINGS = 1000;

export function compareEntries(a: FsEntry, b: FsEntry): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return Number(a.deleted) - Number(b.deleted);
}

/** A directory's live entry by name: the exact name first, then (when asked) ignoring case. */
export type ChildFinder = (dir: FsEntry, name: string, caseInsensitive: boolean) => FsEntry | null;

/** The finder over a fresh listing: what lookupPath does unless a file system gives a faster one. */
export function listingFinder(fs: EvidenceFs): ChildFinder {
  return (dir, name, caseInsensitive) => {
    const live = fs.list(dir).entries.filter((e) => !e.deleted);
    return live.find((e) => e.name === name) ?? (caseInsensitive ? live.find((e) => e.name.toLowerCase() === name.toLowerCase()) : undefined) ?? null;
  };
}

/** Shared lookup: segment by segment through `find` (default: the listing), never through a link. */
export function lookupPath(fs: EvidenceFs, p: string, caseInsensitive = false, find: ChildFinder = listingFinder(fs)): FsEntry | null {
  let cur = fs.root();
  for (const part of p.split('/').filter((s) => s !== '' && s !== '.')) {
    if (part === '..' || cur.type !== 'directory') return null;
    const hit = find(cur, part, caseInsensitive);
    if (!hit) return null;
    cur = hit;
  }
  return cur;
}

/** A bounded warning sink. */
export function warn(list: string[], message: string): void {
  if (list.length < MAX_FS_WARNINGS) list.push(message);
  else if (list.length === MAX_FS_WARNINGS) list.push('more warnings not kept');
}
